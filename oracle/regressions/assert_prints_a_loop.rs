// A failing assert! prints its condition as written.
{ assert!({ let mut s = 0u32; for x in 0..3u32 { s += x; } s } == 1); 0 }
