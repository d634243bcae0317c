// format!: an earlier operand's temporary is alive while a later one runs.
(format!("{:?} {}", tp(1).get(), { let mut c = 0u32; loop { c += 1; if c > 3 { break c; } } }).len() as u32)
