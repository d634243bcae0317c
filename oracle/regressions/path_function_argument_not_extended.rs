// A function's argument is not extended: the probe drops at the `;`, and the loop after it yields.
{ let r = crate::peek(&tp(1)); add({ let mut c = 0u32; loop { c += 1; if c > 3 { break c; } } }, r) }
