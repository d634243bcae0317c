//! The three loop expressions, by keyword: a leaf, which the token scanner of macros and the
//! walker's loop sites both name.

/// The three loop expressions.
///
/// ```
/// use coop_analysis::LoopKind;
///
/// assert_ne!(LoopKind::While, LoopKind::For);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoopKind {
    /// `loop { .. }`
    Loop,
    /// `while cond { .. }`, `while let pat = expr { .. }`
    While,
    /// `for pat in iter { .. }`
    For,
}

impl LoopKind {
    /// The keyword, as written.
    ///
    /// ```
    /// assert_eq!(coop_analysis::LoopKind::For.keyword(), "for");
    /// ```
    pub fn keyword(self) -> &'static str {
        match self {
            LoopKind::Loop => "loop",
            LoopKind::While => "while",
            LoopKind::For => "for",
        }
    }
}
