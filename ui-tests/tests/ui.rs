//! Compile-pass and compile-fail cases of `#[cooperative]` and `#[unconstrained]`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/pass/*.rs");
    cases.compile_fail("tests/fail/*.rs");
}
