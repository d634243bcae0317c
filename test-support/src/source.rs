//! Reading a test's own source: where a call or a loop keyword stands, for the sites that name
//! it.

/// The 1-based column (in bytes, as `column!()` counts on ASCII lines) where `needle` first
/// starts on `line` (1-based) of `source`, a test file's `include_str!` of itself. Panics when
/// it is not there.
///
/// ```
/// let source = "fn f() {\n    for x in y {}\n}";
/// assert_eq!(coop_test_support::column_of(source, "for ", 2), 5);
/// ```
pub fn column_of(source: &str, needle: &str, line: u32) -> u32 {
    let text = source
        .lines()
        .nth(line as usize - 1)
        .unwrap_or_else(|| panic!("line {line} exists"));
    let column = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` on line {line}: {text}"));
    u32::try_from(column).unwrap() + 1
}
