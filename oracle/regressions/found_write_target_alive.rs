// Found by the fuzzer, shrunk.
write!(tp(2), "{}-{}", { let mut c3 = 0u32; let mut s3 = 0u32; loop { c3 += 1; if c3 > 3 { break  s3; } s3 ^= 0u32; } }, 0u32).map_or(0, |_| 1)
