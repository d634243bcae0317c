// write! into an unnamed target, a loop in a later operand: the target is alive.
write!(tp(1), "{}", { let mut c = 0u32; loop { c += 1; if c > 3 { break c; } } }).map_or(0, |_| 1)
