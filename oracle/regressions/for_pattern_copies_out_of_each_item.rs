// A `for` whose pattern copies a field out of each item and moves none: each item drops at the end of its iteration, before `next()` builds the next one.
{ let mut s = 0u32; for Probe { v, .. } in (0..5u32).map(|k| nm(20 + k)) { s ^= v; } s }
