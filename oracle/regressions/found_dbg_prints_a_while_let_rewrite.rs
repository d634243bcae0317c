// Found by the fuzzer, shrunk.
dbg!({ let mut c5 = 0u32; let mut s5 = 0u32; while let Some(v5) = step(&mut c5, 2) && v5 < 9 { s5 ^= v5 ^ 0u32; } s5 }, 0u32).1
