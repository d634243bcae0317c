// An unsafe block tail is extending: the probe lives to the end of the block.
{ let r: &u32 = unsafe { &*&tp(1).v }; add({ let mut c = 0u32; loop { c += 1; if c > 3 { break c; } } }, *r) }
