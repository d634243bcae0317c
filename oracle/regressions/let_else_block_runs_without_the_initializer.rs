// let-else: the initializer's temporaries are dropped before the else block, whose loop may yield.
{ let Some(x) = tp(1).opt(3) else { let mut c = 0u32; loop { c += 1; if c > 3 { return c; } } }; x }
