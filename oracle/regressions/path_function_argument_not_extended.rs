// An associated function's and a std function's arguments are not extended: the probes drop at the `;`, and the loop after them yields.
{ let r = Peek::at(&tp(1)); let s = ::core::mem::size_of_val(&tp(2)) as u32; add({ let mut c = 0u32; loop { c += 1; if c > 3 { break c; } } }, r + s) }
