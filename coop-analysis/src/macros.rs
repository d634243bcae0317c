//! Macro calls in a fn body: the one table of the macros coop knows, parsing their calls into
//! syntax the walker can visit and printing them back; and, for every other macro, a
//! token-level scan for loops.
//!
//! A macro's tokens are not Rust syntax until it expands, after the attribute ran, and what a
//! macro does with them is its own business: it may evaluate an operand twice or never, move it
//! into a closure, or print it as written. So only the macros of [`crate::macro_table`] are walked:
//!
//! - `select!` and `select_biased!` (tokio's and futures'): an optional `biased;`, then arms
//!   `pattern = future (, if guard)? => handler` and `else =>`, `complete =>`, `default =>`
//!   arms. The futures, guards and handlers run in the enclosing future: async context.
//! - `join!` and `try_join!` (tokio's and futures'): an optional `biased;`, then futures
//!   separated by commas, evaluated in the enclosing future: async context.
//! - std's macros whose operands are comma-separated expressions (`vec![..]`, `format!(..)`,
//!   `write!(..)`, `assert!(..)`, `dbg!(..)`, ...), or `expr; expr` (`vec![x; n]`): the
//!   operands are evaluated where the call stands, in order, like a call's arguments. Operands a
//!   macro prints as written (`dbg!`'s, `assert!`'s condition) are walked but get no yield
//!   point: it would be printed.
//! - Macros whose operands are not code that runs (`stringify!`, `concat!`, `quote!`, ...) are
//!   inert: neither walked nor scanned.
//! - Anything else, your own macros included, is opaque: a loop keyword followed by a body is
//!   found at the token level and reported, never rewritten.
//!
//! Re-emitting a parsed call prints the user's tokens with their own spans; only the tokens the
//! walker's hooks added are new.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Macro, Pat, Token};

use crate::loop_kind::LoopKind;
pub(crate) use crate::macro_table::{Grammar, Printed, lookup};

/// What a macro call's tokens are, for the walker.
pub(crate) enum MacroBody {
    /// Not code: left alone.
    Inert,
    /// Unknown grammar: scan for loops.
    Opaque,
    /// Operands evaluated in the enclosing context, in order; those `Printed` says are printed
    /// as written.
    Exprs(Body, Printed),
    /// Operands and handlers evaluated in the enclosing future (`select!`, `join!`).
    Async(Body),
}

/// A parsed macro body; printing it gives back the call's tokens.
pub(crate) enum Body {
    List {
        biased: Option<TokenStream>,
        exprs: Punctuated<Expr, Token![,]>,
    },
    Repeat {
        elem: Box<Expr>,
        semi: Token![;],
        len: Box<Expr>,
    },
    Select {
        biased: Option<TokenStream>,
        arms: Vec<SelectArm>,
    },
}

/// `pattern = future (, if guard)?`
struct Branch {
    pat: Pat,
    eq: Token![=],
    future: Expr,
    guard: Option<(Token![,], Token![if], Expr)>,
}

pub(crate) struct SelectArm {
    head: ArmHead,
    fat_arrow: Token![=>],
    handler: Expr,
    comma: Option<Token![,]>,
}

enum ArmHead {
    Branch(Box<Branch>),
    /// `else`, `complete`, `default`.
    Keyword(TokenTree),
}

impl Body {
    /// The expressions the walker visits, in evaluation order as written.
    pub(crate) fn exprs_mut(&mut self) -> Vec<&mut Expr> {
        match self {
            Body::List { exprs, .. } => exprs.iter_mut().collect(),
            Body::Repeat { elem, len, .. } => vec![&mut **elem, &mut **len],
            Body::Select { arms, .. } => {
                let mut exprs = Vec::new();
                for arm in arms {
                    if let ArmHead::Branch(branch) = &mut arm.head {
                        let Branch { future, guard, .. } = &mut **branch;
                        exprs.push(future);
                        if let Some((_, _, guard)) = guard {
                            exprs.push(guard);
                        }
                    }
                    exprs.push(&mut arm.handler);
                }
                exprs
            }
        }
    }
}

impl ToTokens for Body {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Body::List { biased, exprs } => {
                tokens.extend(biased.clone());
                exprs.to_tokens(tokens);
            }
            Body::Repeat { elem, semi, len } => {
                elem.to_tokens(tokens);
                semi.to_tokens(tokens);
                len.to_tokens(tokens);
            }
            Body::Select { biased, arms } => {
                tokens.extend(biased.clone());
                for arm in arms {
                    match &arm.head {
                        ArmHead::Branch(branch) => {
                            let Branch {
                                pat,
                                eq,
                                future,
                                guard,
                            } = &**branch;
                            pat.to_tokens(tokens);
                            eq.to_tokens(tokens);
                            future.to_tokens(tokens);
                            if let Some((comma, if_token, guard)) = guard {
                                comma.to_tokens(tokens);
                                if_token.to_tokens(tokens);
                                guard.to_tokens(tokens);
                            }
                        }
                        ArmHead::Keyword(keyword) => keyword.to_tokens(tokens),
                    }
                    arm.fat_arrow.to_tokens(tokens);
                    arm.handler.to_tokens(tokens);
                    arm.comma.to_tokens(tokens);
                }
            }
        }
    }
}

/// The macro's name: its last path segment.
pub(crate) fn name(mac: &Macro) -> String {
    mac.path
        .segments
        .last()
        .map(|segment| segment.ident.to_string())
        .unwrap_or_default()
}

/// Classifies and parses a macro call's tokens.
pub(crate) fn parse(mac: &Macro) -> MacroBody {
    let Some(known) = lookup(mac) else {
        return MacroBody::Opaque;
    };
    let tokens = mac.tokens.clone();
    let parsed = match known.grammar {
        Grammar::Inert => return MacroBody::Inert,
        Grammar::Opaque => return MacroBody::Opaque,
        Grammar::Select => parse_select.parse2(tokens).map(MacroBody::Async),
        Grammar::Join => parse_list.parse2(tokens).map(MacroBody::Async),
        Grammar::Exprs => parse_list
            .parse2(tokens.clone())
            .or_else(|_| parse_repeat.parse2(tokens))
            .map(|body| MacroBody::Exprs(body, known.printed)),
    };
    parsed.unwrap_or(MacroBody::Opaque)
}

/// `biased;` at the start of tokio's `select!` and `join!`.
fn parse_biased(input: ParseStream<'_>) -> syn::Result<Option<TokenStream>> {
    let fork = input.fork();
    if let Ok(ident) = fork.parse::<Ident>()
        && ident == "biased"
        && fork.peek(Token![;])
    {
        let ident: Ident = input.parse()?;
        let semi: Token![;] = input.parse()?;
        let mut tokens = ident.into_token_stream();
        semi.to_tokens(&mut tokens);
        return Ok(Some(tokens));
    }
    Ok(None)
}

fn parse_list(input: ParseStream<'_>) -> syn::Result<Body> {
    let biased = parse_biased(input)?;
    let exprs: Punctuated<Expr, Token![,]> = Punctuated::parse_terminated(input)?;
    // `let` parses as an expression (for conditions), but an operand `let x = ..` means the
    // macro takes statements: its grammar is not comma-separated expressions.
    if let Some(expr_let) = exprs.iter().find(|expr| matches!(expr, Expr::Let(_))) {
        return Err(syn::Error::new_spanned(
            expr_let,
            "statements, not expressions",
        ));
    }
    Ok(Body::List { biased, exprs })
}

fn parse_repeat(input: ParseStream<'_>) -> syn::Result<Body> {
    Ok(Body::Repeat {
        elem: input.parse()?,
        semi: input.parse()?,
        len: input.parse()?,
    })
}

fn parse_select(input: ParseStream<'_>) -> syn::Result<Body> {
    let biased = parse_biased(input)?;
    let mut arms = Vec::new();
    while !input.is_empty() {
        let head = if (input.peek(Token![else]) || input.peek(Ident)) && input.peek2(Token![=>]) {
            let keyword: TokenTree = input.parse()?;
            match &keyword {
                TokenTree::Ident(ident)
                    if ident == "else" || ident == "complete" || ident == "default" => {}
                _ => return Err(syn::Error::new(keyword.span(), "not a select! arm")),
            }
            ArmHead::Keyword(keyword)
        } else {
            let pat = Pat::parse_multi_with_leading_vert(input)?;
            let eq = input.parse()?;
            let future = input.parse()?;
            let guard = if input.peek(Token![,]) && input.peek2(Token![if]) {
                Some((input.parse()?, input.parse()?, input.parse()?))
            } else {
                None
            };
            ArmHead::Branch(Box::new(Branch {
                pat,
                eq,
                future,
                guard,
            }))
        };
        let fat_arrow = input.parse()?;
        let handler: Expr = input.parse()?;
        let comma: Option<Token![,]> = input.parse()?;
        let block_like = matches!(
            handler,
            Expr::Block(_)
                | Expr::If(_)
                | Expr::Match(_)
                | Expr::Loop(_)
                | Expr::While(_)
                | Expr::ForLoop(_)
                | Expr::Unsafe(_)
        );
        if comma.is_none() && !block_like && !input.is_empty() {
            return Err(input.error("expected `,` after a select! arm"));
        }
        arms.push(SelectArm {
            head,
            fat_arrow,
            handler,
            comma,
        });
    }
    Ok(Body::Select { biased, arms })
}

/// Loops in tokens that are not parsed: a `loop` keyword followed by a body, a `while` with a
/// body before the next `;`, a `for .. in ..` with a body; nested groups included. A loop whose
/// tokens hold `.await` awaits on its own and is not returned; so is one whose body holds
/// `yield` (a generator's, such as async-stream's `stream!`: each item suspends it) and a
/// `for await` loop.
pub(crate) fn scan_loops(tokens: TokenStream) -> Vec<(LoopKind, Span)> {
    let mut found = Vec::new();
    scan_into(tokens, &mut found);
    found
}

fn scan_into(tokens: TokenStream, found: &mut Vec<(LoopKind, Span)>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Group(group) => scan_into(group.stream(), found),
            TokenTree::Ident(ident) => {
                let kind = if ident == "loop" {
                    LoopKind::Loop
                } else if ident == "while" {
                    LoopKind::While
                } else if ident == "for" {
                    LoopKind::For
                } else {
                    continue;
                };
                // `for<'a>` is a higher-ranked bound, not a loop.
                if kind == LoopKind::For
                    && matches!(tokens.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '<')
                {
                    continue;
                }
                // `loop` takes its body at once; `while` and `for` after a header, which ends
                // at the first brace group (struct literals are not allowed there).
                let rest = &tokens[i + 1..];
                let header_len = match kind {
                    LoopKind::Loop => 0,
                    _ => rest
                        .iter()
                        .position(|t| {
                            matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace)
                                || matches!(t, TokenTree::Punct(p) if p.as_char() == ';')
                        })
                        .unwrap_or(rest.len()),
                };
                let Some(TokenTree::Group(body)) = rest.get(header_len) else {
                    continue;
                };
                if body.delimiter() != Delimiter::Brace {
                    continue;
                }
                if kind == LoopKind::For
                    && !rest[..header_len]
                        .iter()
                        .any(|t| matches!(t, TokenTree::Ident(ident) if ident == "in"))
                {
                    continue;
                }
                let header: TokenStream = rest[..header_len].iter().cloned().collect();
                // `for await x in s` (async-stream's) awaits each item.
                let for_await = kind == LoopKind::For
                    && matches!(rest.first(), Some(TokenTree::Ident(next)) if next == "await");
                let awaits = tokens_suspend(body.stream())
                    || for_await
                    || (kind == LoopKind::While && tokens_await(header));
                if !awaits {
                    found.push((kind, ident.span()));
                }
            }
            TokenTree::Punct(_) | TokenTree::Literal(_) => {}
        }
    }
}

/// `.await` anywhere in `tokens`, groups included.
pub(crate) fn tokens_await(tokens: TokenStream) -> bool {
    tokens_hold(tokens, false)
}

/// `.await` or `yield` anywhere in `tokens`, groups included: code that suspends there, in an
/// async context or a generator's.
fn tokens_suspend(tokens: TokenStream) -> bool {
    tokens_hold(tokens, true)
}

fn tokens_hold(tokens: TokenStream, or_yield: bool) -> bool {
    let mut after_dot = false;
    for token in tokens {
        match token {
            TokenTree::Punct(punct) if punct.as_char() == '.' => {
                after_dot = true;
                continue;
            }
            TokenTree::Ident(ident) if after_dot && ident == "await" => return true,
            TokenTree::Ident(ident) if or_yield && ident == "yield" => return true,
            TokenTree::Group(group) if tokens_hold(group.stream(), or_yield) => return true,
            _ => {}
        }
        after_dot = false;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(src: &str) -> Macro {
        syn::parse_str(src).unwrap()
    }

    fn kind(src: &str) -> &'static str {
        match parse(&mac(src)) {
            MacroBody::Inert => "inert",
            MacroBody::Opaque => "opaque",
            MacroBody::Exprs(_, Printed::Nothing) => "exprs",
            MacroBody::Exprs(_, _) => "printed exprs",
            MacroBody::Async(_) => "async",
        }
    }

    #[test]
    fn known_grammars_parse_and_print_back() {
        for src in [
            "tokio::select! { biased; x = rx.recv(), if ready => { a() } else => break, }",
            "futures::select! { x = a => b, y = c => { d } complete => e, default => f }",
            "tokio::join!(a, async { b }, c)",
            "vec![0u8; n]",
            "assert!(x < 3, \"{} {}\", x, y)",
        ] {
            let mac = mac(src);
            let body = match parse(&mac) {
                MacroBody::Exprs(body, _) | MacroBody::Async(body) => body,
                _ => panic!("{src} did not parse"),
            };
            assert_eq!(
                body.into_token_stream().to_string(),
                mac.tokens.to_string(),
                "{src}"
            );
        }
    }

    #[test]
    fn each_macro_is_classified() {
        assert_eq!(kind("tokio::select! { _ = a => {} }"), "async");
        assert_eq!(kind("futures::join!(a, b)"), "async");
        assert_eq!(kind("vec![1, 2, 3]"), "exprs");
        assert_eq!(kind("format!(\"{x}\", x = 5)"), "exprs");
        assert_eq!(kind("stringify!(loop {})"), "inert");
        assert_eq!(kind("my_macro!(x => loop {})"), "opaque");
        assert_eq!(kind("my_macro! { let x = 1; }"), "opaque");
        assert_eq!(kind("my_macro! { let x = 1; loop {} }"), "opaque");
        assert_eq!(kind("my_macro![a; n]"), "opaque");
        assert_eq!(kind("vec![a; n]"), "exprs");
        // A macro of your own may do anything with its operands: print them, run them twice,
        // move them into a closure. Only the table's macros are walked.
        assert_eq!(kind("my_macro!(a, { loop {} })"), "opaque");
        assert_eq!(kind("dbg!(a, b)"), "printed exprs");
        assert_eq!(kind("assert!(a, \"{}\", b)"), "printed exprs");
        assert_eq!(kind("assert_eq!(a, b, \"{}\", c)"), "exprs");
    }

    #[test]
    fn the_scan_finds_each_loop_with_a_body_that_never_awaits() {
        let kinds = |src: &str| -> Vec<LoopKind> {
            scan_loops(src.parse().unwrap())
                .into_iter()
                .map(|(kind, _)| kind)
                .collect()
        };
        assert_eq!(
            kinds("a => loop { while x { } } ; for i in 0..3 { f() }"),
            [LoopKind::Loop, LoopKind::While, LoopKind::For]
        );
        assert_eq!(kinds("loop { x.await }"), []);
        assert_eq!(kinds("while f().await { }"), []);
        assert_eq!(kinds("for<'a> fn(&'a u8); loop; while;"), []);
        // A generator's loops (async-stream's `stream!`) suspend at each `yield`, and a
        // `for await` at each item.
        assert_eq!(kinds("for i in 0..3 { yield i; }"), []);
        assert_eq!(kinds("for await x in s { total += x; }"), []);
        assert_eq!(kinds("for x in s { total += x; }"), [LoopKind::For]);
    }
}
