// `for _`: each item drops at the end of its iteration, before `next()` builds the next one.
{ let mut c = 0u32; for _ in (0..5u32).map(|k| nm(30 + k)) { c += 1; } c }
