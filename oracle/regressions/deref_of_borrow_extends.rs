// The operand of an extended deref is extended: `&*&temp`.
{ let r = &*&tp(1); add({ let mut c = 0u32; loop { c += 1; if c > 3 { break c; } } }, r.get()) }
