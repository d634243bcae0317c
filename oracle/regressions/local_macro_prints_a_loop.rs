// A macro of your own may print its operand: it is not rewritten.
shown!({ let mut s = 0u32; for x in 0..3u32 { s += x; } s })
