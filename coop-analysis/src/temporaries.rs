//! Which expressions leave values alive, unnamed, while a loop runs: the syntax-level reading
//! of rustc's temporary scopes and temporary lifetime extension that the walker applies. The
//! rule these serve, where a yield point goes and where none does, is stated once, in the docs
//! of `#[cooperative]` ("Where the yield point goes"); the differential fuzzer in `oracle/`
//! checks it against rustc by running the compiled programs.
//!
//! Without types, "may own something" is decided on syntax, conservatively: a false "may own"
//! costs one loop its yield point; a false "owns nothing" would change the program.

use syn::ext::IdentExt;
use syn::visit::{self, Visit};
use syn::{Expr, ExprAsync, ExprClosure, Item, Macro, Pat, UnOp};

use crate::macro_table;
use crate::macros::{self, MacroBody};

/// Methods whose result is a borrowed view of what the receiver already holds, other than an
/// iterator (those are [`ITERATOR_SOURCES`]): it owns nothing of its own.
const BORROWED_VIEWS: &[&str] = &[
    "as_bytes",
    "as_str",
    "as_slice",
    "as_mut_slice",
    "trim",
    "trim_start",
    "trim_end",
    "len",
    "is_empty",
];

/// A view: an iterator borrowing the receiver (`into_iter` and `drain` take or empty it) or a
/// borrowed view.
fn is_view(method: &str) -> bool {
    BORROWED_VIEWS.contains(&method)
        || ITERATOR_SOURCES.contains(&method) && !matches!(method, "into_iter" | "drain")
}

/// Methods whose results own nothing new: a clone of the receiver's data (guards are never
/// `Clone`).
const CLONES: &[&str] = &["clone", "to_vec", "to_owned", "to_string"];

/// Iterator adapters that hand on their receiver's items unchanged (or paired with an index,
/// or another such iterator's items).
const ITEM_PRESERVING_ADAPTERS: &[&str] = &[
    "copied",
    "cloned",
    "enumerate",
    "rev",
    "skip",
    "take",
    "step_by",
    "peekable",
    "fuse",
    "zip",
    "chain",
    "cycle",
];

/// Iterator adapters over closures: the iterator owns nothing of its own, but its items are
/// whatever the closure returns.
const CLOSURE_ADAPTERS: &[&str] = &[
    "map",
    "filter",
    "filter_map",
    "flat_map",
    "skip_while",
    "take_while",
    "map_while",
    "inspect",
    "scan",
];

/// Whether evaluating `expr` creates a temporary that stays alive after `expr` has produced its
/// value (until the end of the enclosing statement, `match`, `if let` or `for`).
///
/// ```
/// use coop_analysis::temporaries::creates_temporaries;
///
/// assert!(creates_temporaries(&syn::parse_quote!(cell.borrow().iter())));
/// assert!(!creates_temporaries(&syn::parse_quote!(items.iter().enumerate())));
/// ```
pub fn creates_temporaries(expr: &Expr) -> bool {
    let mut finder = FindTemporaries(false);
    finder.visit_expr(expr);
    finder.0
}

/// Iterator methods that take `self` and return an iterator, with their argument count (which
/// tells `Iterator::take(n)` from `Option::take()`).
const ADAPTERS_BY_ARITY: &[(&str, usize)] = &[
    ("into_iter", 0),
    ("rev", 0),
    ("enumerate", 0),
    ("fuse", 0),
    ("peekable", 0),
    ("cycle", 0),
    ("copied", 0),
    ("cloned", 0),
    ("flatten", 0),
    ("map", 1),
    ("filter", 1),
    ("filter_map", 1),
    ("flat_map", 1),
    ("skip_while", 1),
    ("take_while", 1),
    ("map_while", 1),
    ("inspect", 1),
    ("zip", 1),
    ("chain", 1),
    ("skip", 1),
    ("take", 1),
    ("step_by", 1),
    ("scan", 2),
];

/// Methods that return an iterator over what their receiver holds.
const ITERATOR_SOURCES: &[&str] = &[
    "iter",
    "iter_mut",
    "into_iter",
    "drain",
    "chars",
    "char_indices",
    "bytes",
    "lines",
    "split",
    "split_whitespace",
    "split_terminator",
    "rsplit",
    "splitn",
    "windows",
    "chunks",
    "chunks_exact",
    "keys",
    "values",
    "values_mut",
];

fn is_adapter(call: &syn::ExprMethodCall) -> bool {
    ADAPTERS_BY_ARITY
        .iter()
        .any(|(name, arity)| call.method == name && call.args.len() == *arity)
}

/// Whether `expr` is an iterator built by a method chain: an iterator source or an adapter.
fn is_iterator_chain(expr: &Expr) -> bool {
    match expr {
        Expr::Paren(inner) => is_iterator_chain(&inner.expr),
        Expr::Group(inner) => is_iterator_chain(&inner.expr),
        Expr::MethodCall(call) => {
            is_adapter(call) || ITERATOR_SOURCES.iter().any(|name| call.method == name)
        }
        _ => false,
    }
}

/// Whether a method call moves its receiver, an iterator, into the iterator it returns
/// (`v.into_iter().map(f)`). An adapter cannot reach a guard's target through `Deref` (an
/// iterator cannot be moved out of a guard), but `Option::map` on a `Copy` option can, so the
/// receiver must itself be an iterator chain.
fn moves_receiver_into_iterator(call: &syn::ExprMethodCall) -> bool {
    is_adapter(call) && is_iterator_chain(&call.receiver)
}

/// Whether this node itself leaves a temporary behind once its operand is evaluated: a value
/// that may own something, used where a place is needed (a method receiver, the operand of
/// `&` or `*`, a field or index base), or a macro whose expansion is unknown. Its operands are
/// not looked at (see [`creates_temporaries`]).
///
/// ```
/// use coop_analysis::temporaries::leaves_temporary;
///
/// assert!(leaves_temporary(&syn::parse_quote!(slot.borrow_mut().take())));
/// assert!(!leaves_temporary(&syn::parse_quote!(items.into_iter().map(f))));
/// ```
pub fn leaves_temporary(expr: &Expr) -> bool {
    let place_operand = match expr {
        Expr::MethodCall(call) if moves_receiver_into_iterator(call) => None,
        Expr::MethodCall(call) => Some(&*call.receiver),
        Expr::Reference(reference) => Some(&*reference.expr),
        Expr::Field(field) => Some(&*field.base),
        Expr::Index(index) => Some(&*index.expr),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Deref(_)) => Some(&*unary.expr),
        Expr::Macro(mac) => return macro_leaves_temporaries(&mac.mac),
        _ => None,
    };
    place_operand.is_some_and(|operand| !owns_nothing(operand))
}

/// Whether the value of `expr` is known to own nothing that a drop, another task or another
/// thread could observe: places, literals, references, casts, comparisons, arithmetic on
/// literals and casts, ranges, and borrowed views and plain iterators over those.
///
/// ```
/// use coop_analysis::temporaries::owns_nothing;
///
/// assert!(owns_nothing(&syn::parse_quote!(text.trim().lines())));
/// assert!(!owns_nothing(&syn::parse_quote!(mutex.lock())));
/// ```
pub fn owns_nothing(expr: &Expr) -> bool {
    match expr {
        Expr::Path(_) | Expr::Lit(_) | Expr::Range(_) | Expr::Cast(_) => true,
        Expr::Reference(_) => true,
        // An overloaded operator returns what its impl says (`&a + &b`, `&a * 2` may be an
        // `Rc` or a guard): only comparisons, `&&`, `||` and compound assignments own nothing
        // whatever the operands, and arithmetic on literals and casts only.
        Expr::Binary(_) | Expr::Unary(_) if primitive(expr) => true,
        Expr::Unary(unary) => match unary.op {
            UnOp::Deref(_) => owns_nothing(&unary.expr),
            _ => false,
        },
        Expr::Paren(inner) => owns_nothing(&inner.expr),
        Expr::Group(inner) => owns_nothing(&inner.expr),
        Expr::Field(field) => owns_nothing(&field.base),
        Expr::Index(index) => owns_nothing(&index.expr),
        Expr::Tuple(tuple) => tuple.elems.iter().all(owns_nothing),
        Expr::Array(array) => array.elems.iter().all(owns_nothing),
        Expr::MethodCall(call) => {
            let method = call.method.to_string();
            let known = is_view(&method)
                || CLONES.contains(&method.as_str())
                || ITEM_PRESERVING_ADAPTERS.contains(&method.as_str())
                || CLOSURE_ADAPTERS.contains(&method.as_str())
                || method == "into_iter" && call.args.is_empty();
            known && owns_nothing(&call.receiver) && call.args.iter().all(closure_or_owns_nothing)
        }
        // `vec![..]`, `format!(..)`: a `Vec` or `String` of operands that own nothing.
        Expr::Macro(mac) => !macro_leaves_temporaries(&mac.mac),
        _ => false,
    }
}

/// Whether `expr` is known, on syntax, to be a `bool`, `()` or a number: literals and casts,
/// comparisons, `&&` and `||`, compound assignments, and arithmetic and `-`/`!` on those alone
/// (an operand of another type may have its own operator, `&a * 2`, returning anything).
fn primitive(expr: &Expr) -> bool {
    use syn::BinOp;
    match expr {
        Expr::Lit(_) | Expr::Cast(_) => true,
        Expr::Paren(inner) => primitive(&inner.expr),
        Expr::Group(inner) => primitive(&inner.expr),
        Expr::Unary(unary) => !matches!(unary.op, UnOp::Deref(_)) && primitive(&unary.expr),
        Expr::Binary(binary) => match binary.op {
            BinOp::Eq(_)
            | BinOp::Ne(_)
            | BinOp::Lt(_)
            | BinOp::Le(_)
            | BinOp::Gt(_)
            | BinOp::Ge(_)
            | BinOp::And(_)
            | BinOp::Or(_)
            | BinOp::AddAssign(_)
            | BinOp::SubAssign(_)
            | BinOp::MulAssign(_)
            | BinOp::DivAssign(_)
            | BinOp::RemAssign(_)
            | BinOp::BitXorAssign(_)
            | BinOp::BitAndAssign(_)
            | BinOp::BitOrAssign(_)
            | BinOp::ShlAssign(_)
            | BinOp::ShrAssign(_) => true,
            _ => primitive(&binary.left) && primitive(&binary.right),
        },
        _ => false,
    }
}

fn closure_or_owns_nothing(expr: &Expr) -> bool {
    matches!(expr, Expr::Closure(_)) || owns_nothing(expr)
}

/// Whether a `for` over `iter` yields items known to own nothing (integers, references, chars).
///
/// ```
/// use coop_analysis::temporaries::yields_plain_items;
///
/// assert!(yields_plain_items(&syn::parse_quote!(v.iter().enumerate())));
/// assert!(!yields_plain_items(&syn::parse_quote!(guards.drain(..))));
/// ```
pub fn yields_plain_items(iter: &Expr) -> bool {
    match iter {
        Expr::Range(_) => true,
        Expr::Paren(inner) => yields_plain_items(&inner.expr),
        Expr::Group(inner) => yields_plain_items(&inner.expr),
        // `&v` iterates a collection by reference. `&mut it` may be an iterator lent to the
        // loop, whose items are its own (`for (_, x) in &mut guards`): plain only if `it`'s are.
        Expr::Reference(reference) => {
            reference.mutability.is_none() || yields_plain_items(&reference.expr)
        }
        Expr::MethodCall(call) => {
            let method = call.method.to_string();
            if is_view(&method) {
                true
            } else if ITEM_PRESERVING_ADAPTERS.contains(&method.as_str()) {
                yields_plain_items(&call.receiver)
                    && call
                        .args
                        .iter()
                        .all(|arg| yields_plain_or_count(&method, arg))
            } else {
                false
            }
        }
        _ => false,
    }
}

/// An adapter argument: another plain iterator for `zip` and `chain`, a count otherwise.
fn yields_plain_or_count(method: &str, expr: &Expr) -> bool {
    match method {
        "zip" | "chain" => yields_plain_items(expr),
        _ => true,
    }
}

/// Whether a scrutinee's own value may stay alive in an arm with this pattern: it may own
/// something, and the pattern leaves part of it unmoved (`_`, `..`, `ref`).
///
/// ```
/// use coop_analysis::temporaries::scrutinee_stays_alive;
///
/// let guard: syn::Expr = syn::parse_quote!(m.lock());
/// let wild: syn::Pat = syn::parse_quote!(_);
/// assert!(scrutinee_stays_alive(&guard, &wild));
/// ```
pub fn scrutinee_stays_alive(scrutinee: &Expr, pat: &Pat) -> bool {
    !owns_nothing(scrutinee) && leaves_unmoved(pat)
}

/// Whether a pattern leaves part of the matched value unmoved: `_`, `..`, `ref`.
///
/// ```
/// use coop_analysis::temporaries::leaves_unmoved;
///
/// assert!(leaves_unmoved(&syn::parse_quote!(Batch { len, .. })));
/// assert!(!leaves_unmoved(&syn::parse_quote!(Some(frame))));
/// ```
pub fn leaves_unmoved(pat: &Pat) -> bool {
    let mut finder = FindUnmoved(false);
    finder.visit_pat(pat);
    finder.0
}

/// Whether `expr`, in an extending position (a `let` initializer, or inside one as the rules
/// below allow), extends a temporary to the end of the block. The Reference's "Temporary
/// lifetime extension", rule by rule:
///
/// - the operand of an extending borrow `&operand` has an extended temporary scope (see
///   [`extended_scope_keeps`]);
/// - the operands of an extending array, cast, braced struct or tuple expression, and the
///   arguments of an extending tuple struct or tuple variant constructor, are extending (which
///   calls may be a constructor's: see [`constructs`]; a function's arguments are not extended,
///   so `let v = mem::take(&mut *cell.borrow_mut());` drops its guard at the end of the `let`);
/// - the final expression of an extending block (`unsafe` blocks included), the final
///   expressions of an extending `if`'s branches, and the arms of an extending `match` are
///   extending;
/// - a macro call extends what its expansion extends (see [`macro_extends_temporaries`]).
fn extends_temporaries(expr: &Expr) -> bool {
    match expr {
        Expr::Reference(reference) => extended_scope_keeps(&reference.expr),
        Expr::RawAddr(raw) => extended_scope_keeps(&raw.expr),
        Expr::Struct(literal) => literal
            .fields
            .iter()
            .any(|field| extends_temporaries(&field.expr)),
        Expr::Tuple(tuple) => tuple.elems.iter().any(extends_temporaries),
        Expr::Array(array) => array.elems.iter().any(extends_temporaries),
        Expr::Cast(cast) => extends_temporaries(&cast.expr),
        Expr::Call(call) if constructs(&call.func) => call.args.iter().any(extends_temporaries),
        Expr::If(expr_if) => {
            block_tail_extends(&expr_if.then_branch)
                || expr_if
                    .else_branch
                    .as_ref()
                    .is_some_and(|(_, otherwise)| extends_temporaries(otherwise))
        }
        Expr::Match(expr_match) => expr_match
            .arms
            .iter()
            .any(|arm| extends_temporaries(&arm.body)),
        Expr::Paren(inner) => extends_temporaries(&inner.expr),
        Expr::Group(inner) => extends_temporaries(&inner.expr),
        Expr::Block(block) => block_tail_extends(&block.block),
        Expr::Unsafe(block) => block_tail_extends(&block.block),
        Expr::Macro(mac) => macro_extends_temporaries(&mac.mac),
        _ => false,
    }
}

/// Whether a call of `func` may be a tuple struct's or tuple variant's constructor, whose
/// arguments rustc extends. A path whose last name is capitalized may, as constructors are
/// named; so may any other path (`some(..)`, `self::just(..)` may name `Some` imported under
/// another name) except two kinds of functions: an associated function of a type
/// (`Vec::from_iter`, `String::from`: a variant reached so has a capitalized name unless rustc
/// warns about it) and the std functions of [`STD_FUNCTIONS`] (`mem::take`).
fn constructs(func: &Expr) -> bool {
    match func {
        Expr::Path(path) => {
            let segments = &path.path.segments;
            let name = |segment: &syn::PathSegment| segment.ident.unraw().to_string();
            let capitalized =
                |segment: &syn::PathSegment| name(segment).starts_with(|c: char| c.is_uppercase());
            let Some(last) = segments.last() else {
                return true;
            };
            if capitalized(last) || segments.len() < 2 {
                return true;
            }
            let parent = &segments[segments.len() - 2];
            !(capitalized(parent)
                || STD_FUNCTIONS.contains(&(name(parent).as_str(), name(last).as_str())))
        }
        Expr::Paren(inner) => constructs(&inner.expr),
        Expr::Group(inner) => constructs(&inner.expr),
        _ => false,
    }
}

/// std's functions that take a borrow and are called through their module (`mem::take(&mut
/// *cell.borrow_mut())`): their arguments are not extended.
const STD_FUNCTIONS: &[(&str, &str)] = &[
    ("mem", "take"),
    ("mem", "replace"),
    ("mem", "swap"),
    ("mem", "drop"),
    ("mem", "forget"),
    ("mem", "size_of_val"),
    ("mem", "discriminant"),
    ("cmp", "min"),
    ("cmp", "max"),
    ("ptr", "read"),
    ("ptr", "eq"),
    ("convert", "identity"),
];

/// Whether a macro call in an extending position extends a temporary: rustc extends by the
/// expansion's syntax, which coop does not see. `format_args!` borrows each operand, so their
/// temporaries live as long as its value (`let shown = format_args!("{}", *cell.borrow());`
/// keeps the borrow); the other macros coop knows evaluate their operands in a scope of their
/// own or move them, as do the macros the table knows to return a value of their own
/// (`json!`, tracing's spans); any other macro may expand to an extending
/// borrow (`&*lock.lock().unwrap()`), so it is taken to.
fn macro_extends_temporaries(mac: &Macro) -> bool {
    let name = mac.path.segments.last().map(|last| last.ident.to_string());
    match macros::lookup(mac) {
        Some(known) if known.name == "format_args" => macro_leaves_temporaries(mac),
        Some(_) => false,
        // `pin!` pins its operand's value, which its binding names, and extends what a `let`
        // of that operand would (`pin!(&*cell.borrow())` keeps the borrow).
        None if name.as_deref() == Some("pin") => mac
            .parse_body::<Expr>()
            .map_or(true, |operand| extends_temporaries(&operand)),
        None => !macro_table::returns_own_value(mac),
    }
}

/// Whether a macro used as a statement may leave a temporary alive to the end of the block: its
/// expansion may be a `let` that extends one (`macro_rules! bind { ($x:ident, $c:expr) => {
/// let $x = &*$c.borrow_mut(); } }`). The macros coop knows do not, nor do tracing's, log's
/// and metrics' events, pinning and early returns (`info!`, `tokio::pin!`, `bail!`, ..) unless
/// a `let` is among their tokens; any other may.
///
/// ```
/// use coop_analysis::temporaries::statement_macro_extends;
///
/// assert!(statement_macro_extends(&syn::parse_quote!(bind!(x, cell))));
/// assert!(!statement_macro_extends(&syn::parse_quote!(println!("{}", x))));
/// assert!(!statement_macro_extends(&syn::parse_quote!(tracing::info!(n, "step"))));
/// assert!(!statement_macro_extends(&syn::parse_quote!(tokio::pin!(fut))));
/// assert!(statement_macro_extends(&syn::parse_quote!(tokio::pin! { let r = &*cell.borrow(); })));
/// ```
pub fn statement_macro_extends(mac: &Macro) -> bool {
    let exempt = macro_table::declares_no_extending_binding(mac);
    macros::lookup(mac).is_none() && (!exempt || tokens_hold_let(mac.tokens.clone()))
}

/// A `let` anywhere in `tokens` (`tokio::pin! { let x = &*cell.borrow(); }` declares one).
fn tokens_hold_let(tokens: proc_macro2::TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        proc_macro2::TokenTree::Ident(ident) => ident == "let",
        proc_macro2::TokenTree::Group(group) => tokens_hold_let(group.stream()),
        _ => false,
    })
}

/// Whether giving `expr` an extended temporary scope keeps something alive to the end of the
/// block:
///
/// - a place keeps nothing, but if a borrow, dereference, field or tuple-index expression has an
///   extended scope, so does its operand, and if an index expression has one, so does the
///   indexed expression (`&*&cell.borrow()`, `&make().field`, `&make().items[0]`);
/// - a borrow `&operand` in such a position is itself an extending borrow (`&&make()`): the
///   reference owns nothing, its operand is extended in turn;
/// - any other value expression is the temporary: kept unless it owns nothing (a literal is
///   promoted to a constant), and extending in its own right (`&(1, &make())`).
fn extended_scope_keeps(expr: &Expr) -> bool {
    match expr {
        Expr::Paren(inner) => extended_scope_keeps(&inner.expr),
        Expr::Group(inner) => extended_scope_keeps(&inner.expr),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Deref(_)) => {
            extended_scope_keeps(&unary.expr)
        }
        Expr::Field(field) => extended_scope_keeps(&field.base),
        Expr::Index(index) => extended_scope_keeps(&index.expr),
        Expr::Reference(reference) => extended_scope_keeps(&reference.expr),
        Expr::RawAddr(raw) => extended_scope_keeps(&raw.expr),
        Expr::Path(_) | Expr::Lit(_) => false,
        other => !owns_nothing(other) || extends_temporaries(other),
    }
}

fn block_tail_extends(block: &syn::Block) -> bool {
    match block.stmts.last() {
        Some(syn::Stmt::Expr(tail, None)) => extends_temporaries(tail),
        _ => false,
    }
}

/// Whether a `let` keeps a temporary of its initializer alive to the end of the block: an
/// extending borrow in the initializer, or a `ref` binding into a value that may own something
/// (`let ref v = *cell.borrow();`). A `let .. else` keeps them too, but not in its `else`
/// block: rustc drops them before it runs.
///
/// ```
/// use coop_analysis::temporaries::let_extends_temporaries;
///
/// let items: syn::Pat = syn::parse_quote!(items);
/// assert!(let_extends_temporaries(&items, &syn::parse_quote!(&*cell.borrow())));
/// assert!(let_extends_temporaries(&items, &syn::parse_quote!(unsafe { &*cell.borrow() })));
/// assert!(!let_extends_temporaries(&items, &syn::parse_quote!(cell.borrow().len())));
/// ```
pub fn let_extends_temporaries(pat: &Pat, init: &Expr) -> bool {
    extends_temporaries(init) || binds_by_ref(pat) && extended_scope_keeps(init)
}

fn binds_by_ref(pat: &Pat) -> bool {
    struct FindRef(bool);
    impl<'ast> Visit<'ast> for FindRef {
        fn visit_pat_ident(&mut self, ident: &'ast syn::PatIdent) {
            self.0 |= ident.by_ref.is_some();
            visit::visit_pat_ident(self, ident);
        }
    }
    let mut finder = FindRef(false);
    finder.visit_pat(pat);
    finder.0
}

/// A macro call leaves temporaries unless it is one of the standard macros whose operands are
/// plain expressions (see [`crate::macros`]), none of which does.
fn macro_leaves_temporaries(mac: &Macro) -> bool {
    match macros::parse(mac) {
        MacroBody::Exprs(mut body, _) => body.exprs_mut().into_iter().any(|operand| {
            let operand = &*operand;
            creates_temporaries(operand)
                || !owns_nothing(operand) && !matches!(operand, Expr::Lit(_))
        }),
        _ => true,
    }
}

/// Whether what a `join!` operand leaves behind once it has run owns nothing: an `async` block
/// whose value owns nothing, or a value that owns nothing.
///
/// ```
/// use coop_analysis::temporaries::output_owns_nothing;
///
/// assert!(output_owns_nothing(&syn::parse_quote!(async { n == 1 })));
/// // `n + 1` may be an operator of `n`'s type, returning anything.
/// assert!(!output_owns_nothing(&syn::parse_quote!(async { n + 1 })));
/// assert!(!output_owns_nothing(&syn::parse_quote!(async { cell.borrow() })));
/// ```
pub fn output_owns_nothing(expr: &Expr) -> bool {
    match expr {
        Expr::Async(block) => match block.block.stmts.last() {
            Some(syn::Stmt::Expr(tail, None)) => owns_nothing(tail),
            _ => true,
        },
        other => owns_nothing(other),
    }
}

struct FindTemporaries(bool);

impl<'ast> Visit<'ast> for FindTemporaries {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        self.0 |= leaves_temporary(expr);
        visit::visit_expr(self, expr);
    }

    // Closures, async blocks and items run on their own schedule, with temporaries of their own.
    fn visit_expr_closure(&mut self, _: &'ast ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast ExprAsync) {}
    fn visit_item(&mut self, _: &'ast Item) {}
}

struct FindUnmoved(bool);

impl<'ast> Visit<'ast> for FindUnmoved {
    fn visit_pat(&mut self, pat: &'ast Pat) {
        match pat {
            Pat::Wild(_) | Pat::Rest(_) => self.0 = true,
            Pat::Ident(ident) if ident.by_ref.is_some() => self.0 = true,
            Pat::Struct(pat_struct) if pat_struct.rest.is_some() => self.0 = true,
            _ => visit::visit_pat(self, pat),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temporaries(src: &str) -> bool {
        creates_temporaries(&syn::parse_str(src).unwrap())
    }

    fn pat(src: &str) -> Pat {
        syn::parse::Parser::parse_str(Pat::parse_single, src).unwrap()
    }

    #[test]
    fn guards_and_owned_receivers_are_temporaries() {
        assert!(temporaries("q.borrow_mut().pop()"));
        assert!(temporaries("m.lock().unwrap().iter()"));
        assert!(temporaries("data.lock().await.drain(..)"));
        assert!(temporaries("make_vec().iter()"));
        assert!(temporaries("&make_guard()"));
        assert!(temporaries("cell.borrow()[0]"));
        assert!(temporaries("*m.lock().unwrap()"));
        assert!(temporaries("pair().0"));
        assert!(temporaries("my_macro!().iter()"));
        // Methods that sound like moves reach a guard's target through `Deref`.
        assert!(temporaries("slot.borrow_mut().take()"));
        assert!(temporaries("limit.lock().unwrap().unwrap_or(10)"));
        assert!(temporaries("0..len!(data)"));
        assert!(temporaries("0..dbg!(c.borrow().len())"));
        assert!(temporaries("vec![c.borrow().len()]"));
        assert!(temporaries("m.lock().unwrap().map(|x| x + 1)"));
        assert!(temporaries("make_guard().iter()"));
    }

    #[test]
    fn places_and_views_are_not() {
        assert!(!temporaries("items"));
        assert!(!temporaries("self.items.iter_mut()"));
        assert!(!temporaries("v.iter().enumerate().map(|(i, x)| i + x)"));
        assert!(!temporaries("(0..n).rev().step_by(2)"));
        assert!(!temporaries("text.trim().lines()"));
        assert!(!temporaries("rx.recv().await"));
        assert!(!temporaries("it.next()"));
        assert!(!temporaries("stream.next().await"));
        assert!(!temporaries("make_vec()"));
        assert!(!temporaries("&self.buf[..]"));
        assert!(!temporaries("f(|| g().iter().count())"));
        assert!(!temporaries("0..vec![1, 2, 3].len()") || temporaries("vec![1, 2].iter()"));
        assert!(!temporaries("0..data.len()"));
        assert!(!temporaries("items.into_iter().map(|x| x * 2).rev()"));
        assert!(!temporaries("items.iter().copied().filter(|x| *x > 1)"));
    }

    #[test]
    fn a_scrutinee_stays_alive_where_the_pattern_leaves_it_unmoved() {
        let stays = |scrutinee: &str, p: &str| {
            scrutinee_stays_alive(&syn::parse_str(scrutinee).unwrap(), &pat(p))
        };
        assert!(stays("m.lock()", "_"));
        assert!(stays("m.lock()", "Ok(_)"));
        assert!(stays("next_frame().await", "Frame { ref body, .. }"));
        assert!(!stays("next_frame().await", "Some(frame)"));
        assert!(!stays("queue", "_"));
        assert!(!stays("rx.try_recv()", "None"));
    }

    #[test]
    fn for_items_are_plain_only_for_known_iterators() {
        let plain = |src: &str| yields_plain_items(&syn::parse_str(src).unwrap());
        assert!(plain("0..n"));
        assert!(plain("v.iter()"));
        assert!(plain("v.iter().enumerate().rev()"));
        assert!(plain("s.chars().zip(t.chars())"));
        assert!(!plain("items"));
        assert!(!plain("(0..n).map(|_| cell.borrow_mut())"));
        assert!(!plain("guards.into_iter()"));
        assert!(!plain("idx.iter().zip(guards)"));
        assert!(plain("idx.iter().zip(names.iter())"));
        assert!(plain("&v"));
        assert!(plain("&mut v.iter_mut()"));
        assert!(!plain("&mut guards"), "an iterator lent to the loop");
    }

    fn extends(src: &str) -> bool {
        extends_temporaries(&syn::parse_str(src).unwrap())
    }

    // One test per rule of the Reference's "Temporary lifetime extension"; each is also a
    // template of the oracle's grammar (`ext_*`), run against rustc.

    #[test]
    fn the_operand_of_an_extending_borrow_is_extended() {
        assert!(extends("&data.borrow()"));
        assert!(extends("&make()"));
        assert!(!extends("&data"));
        assert!(!extends("&5"), "a literal is promoted to a constant");
        assert!(!extends("data.borrow().len()"));
    }

    #[test]
    fn an_extended_deref_extends_its_operand() {
        assert!(extends("&*data.borrow()"));
        assert!(extends("&*&data.borrow()"));
        assert!(!extends("&*data"));
    }

    #[test]
    fn an_extended_borrow_is_itself_an_extending_borrow() {
        assert!(extends("&&data.borrow()"));
        assert!(extends("&&make()"));
        assert!(!extends("&&x"));
    }

    #[test]
    fn an_extended_field_or_tuple_index_extends_its_operand() {
        assert!(extends("&make().field"));
        assert!(extends("&make().pair.1"));
        assert!(!extends("&self.field.0"));
    }

    #[test]
    fn format_args_extends_its_operands_and_an_unknown_macro_may() {
        assert!(extends("format_args!(\"{}\", *cell.borrow())"));
        assert!(extends("(format_args!(\"{}\", make().v), 1)"));
        assert!(!extends("format_args!(\"{} {}\", x, 1)"));
        // Known macros evaluate their operands in a scope of their own, or move them.
        assert!(!extends("format!(\"{}\", *cell.borrow())"));
        assert!(!extends("vec![make()]"));
        assert!(!extends("std::pin::pin!(make())"));
        assert!(!extends("pin!(cell.borrow_mut())"));
        assert!(extends("std::pin::pin!(&*cell.borrow())"));
        assert!(!extends("tracing::info_span!(\"work\", n = make())"));
        // Any other macro may expand to an extending borrow.
        assert!(extends("lock!(mutex)"));
    }

    #[test]
    fn a_constructors_arguments_are_extending_and_a_functions_are_not() {
        assert!(extends("Some(&make())"));
        assert!(extends("Wrap(&*cell.borrow())"));
        assert!(extends("Self(&make())"));
        assert!(extends("module::Variant::<T>(&make())"));
        assert!(!extends("std::mem::take(&mut *cell.borrow_mut())"));
        assert!(!extends("mem::replace(&mut *cell.borrow_mut(), 0)"));
        assert!(!extends("Vec::from_iter(&mut *cell.borrow_mut())"));
        assert!(!extends("(make_fn())(&make())"));
        // A path may name a constructor imported under another name, or a lowercase one.
        assert!(extends("some(&*cell.borrow_mut())"));
        assert!(extends("self::just(&*cell.borrow_mut())"));
        assert!(extends("m::wrap(&*cell.borrow_mut())"));
        assert!(extends("(w)({ &*m.lock().unwrap() })"));
        // A raw borrow extends as `&` does.
        assert!(extends("&raw const *cell.borrow_mut()"));
    }

    #[test]
    fn an_extended_index_extends_the_indexed_expression() {
        assert!(extends("&make().items[0]"));
        assert!(extends("&data.borrow()[1]"));
        assert!(!extends("&self.items[..]"));
    }

    #[test]
    fn braced_struct_tuple_array_and_cast_operands_are_extending() {
        assert!(extends("Pair { a: &guard(), b: 1 }"));
        assert!(extends("(&guard(), 1)"));
        assert!(extends("[&guard()]"));
        assert!(extends("&guard() as &Guard"));
        assert!(extends("&(1, [&guard()])"));
        assert!(!extends("Pair { a: &x, b: 1 }"));
    }

    #[test]
    fn tuple_struct_and_variant_constructor_arguments_are_extending() {
        assert!(extends("Some(&guard())"));
        assert!(extends("Wrap(&guard())"));
        assert!(!extends("Some(&x)"));
    }

    #[test]
    fn block_and_unsafe_block_tails_are_extending() {
        assert!(extends("{ let _ = 1; &guard() }"));
        assert!(extends("unsafe { &*log.borrow() }"));
        assert!(extends("unsafe { &*&guard().v }"));
        assert!(!extends("unsafe { &x }"));
    }

    #[test]
    fn if_else_tails_and_match_arms_are_extending() {
        assert!(extends("if c { &guard() } else { &x }"));
        assert!(extends("if c { &x } else if d { &y } else { &guard() }"));
        assert!(extends("match c { 0 => &guard(), _ => &x }"));
        assert!(!extends("match c { 0 => &x, _ => &y }"));
    }

    #[test]
    fn a_ref_binding_extends_its_initializer() {
        let pat = |src: &str| syn::parse::Parser::parse_str(Pat::parse_single, src).unwrap();
        let init = |src: &str| syn::parse_str::<Expr>(src).unwrap();
        assert!(let_extends_temporaries(&pat("ref v"), &init("make()")));
        assert!(let_extends_temporaries(
            &pat("ref v"),
            &init("*cell.borrow()")
        ));
        assert!(!let_extends_temporaries(&pat("ref v"), &init("x")));
        assert!(!let_extends_temporaries(&pat("v"), &init("make()")));
    }
}
