// Extended by `format_args!`, and not Send: the annotated future must stay Send exactly when the plain one is.
{ let r = format_args!("{}", tn(1).v); add({ let mut c = 0u32; loop { c += 1; if c > 3 { break c; } } }, r.to_string().len() as u32) }
