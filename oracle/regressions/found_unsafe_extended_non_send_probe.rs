// Found by the fuzzer, shrunk.
{ let mut c3 = 0u32; let mut s3 = 0u32; while c3 < 2 && { assert!(7u32 != 7, "m {}", 0u32); 2 } < 1_000_000 { c3 += 1; s3 ^= { let r5 = unsafe { &tn(5) }; add({ let mut c6 = 0u32; let mut s6 = 0u32; loop { c6 += 1; if c6 > 2 { break  s6; } s6 ^= 0u32; } }, r5.get()) }; } s3 }
