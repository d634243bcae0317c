// dbg! prints its operand as written.
dbg!({ let mut s = 0u32; for x in 0..3u32 { s += x; } s })
