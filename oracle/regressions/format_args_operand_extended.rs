// `format_args!` in a `let` extends its operands' temporaries to the end of the block.
{ let r = format_args!("{}", tp(1).v); add({ let mut c = 0u32; loop { c += 1; if c > 3 { break c; } } }, r.to_string().len() as u32) }
