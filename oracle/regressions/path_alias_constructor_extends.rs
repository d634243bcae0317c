// A constructor imported under a lowercase name and reached by a path extends its argument as `Some(..)` does.
{ mod m { pub use ::core::option::Option::Some as just; } let r = m::just(&tp(1)); add({ let mut c = 0u32; loop { c += 1; if c > 3 { break c; } } }, r.map_or(0, |p| p.get())) }
