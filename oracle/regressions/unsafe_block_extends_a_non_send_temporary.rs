// Extended, and not Send: the annotated future must stay Send exactly when the plain one is.
{ let r = unsafe { &tn(1) }; add({ let mut c = 0u32; loop { c += 1; if c > 3 { break c; } } }, r.get()) }
