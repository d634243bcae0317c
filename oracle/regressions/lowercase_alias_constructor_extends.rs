// A constructor imported under a lowercase name extends its argument as `Some(..)` does.
{ use ::core::option::Option::Some as some; let r = some(&tp(1)); add({ let mut c = 0u32; loop { c += 1; if c > 3 { break c; } } }, r.map_or(0, |p| p.get())) }
