//! What `#[unconstrained]` makes of async code: the body runs inside
//! `__private::unconstrained(..)`, which switches budgets off for each of its polls.
//!
//! Everything is built as syntax trees, never printed and re-parsed, so an expression keeps its
//! meaning wherever it lands (`async |y| { y } + 1` stays one expression).

use proc_macro2::Span;
use syn::visit_mut::{self, VisitMut};
use syn::{
    Attribute, Block, Expr, ExprAsync, FnArg, Ident, Pat, PatIdent, Path, ReturnType, Signature,
    Stmt, Type, token,
};

use crate::attrs::{glue, relocate};

// Input:  `async fn f(x: X, mut y: Y, (a, b): (A, B), _: Z) -> R { body }`
// Output: `async fn f(x: X, y: Y, __coop_arg2: (A, B), __coop_arg3: Z) -> R {
//              #krate::__private::unconstrained(async move {
//                  let x = x;
//                  let mut y = y;
//                  let __coop_arg2 = __coop_arg2;
//                  let (a, b) = __coop_arg2;
//                  let __coop_arg3 = __coop_arg3;
//                  let _ = __coop_arg3;
//                  if false { return #krate::__private::fake_return::<R>(); }
//                  { body }
//              }).await
//          }`
//
// Every parameter moves into the inner future whole and in order, exactly as rustc lowers an
// async fn's parameters, so they drop in the order they did (an `async move` block would
// otherwise capture only what the body uses, and only the fields it uses). A by-value `self` is
// captured whole by `let _ = &self;`. The never-taken `return` (the "fake return edge" of
// tracing's `#[instrument]`) gives the inner block the fn's return type, with `_` for each
// `impl Trait`, so `?`, `return` and coercions infer as without the attribute. For `-> !` (which a turbofish
// cannot name on stable) the edge names `Infallible`, and `match inner.await {}` diverges.
pub(crate) fn async_fn(krate: &Path, async_span: Span, sig: &mut Signature, block: &mut Block) {
    let span = glue(async_span);
    let mut stmts = rebind_parameters(sig, span);
    let mut body = std::mem::replace(
        block,
        Block {
            brace_token: block.brace_token,
            stmts: Vec::new(),
        },
    );
    // The body is now a block inside a block, which rustc's `unused_braces` reports when it is
    // one expression. The braces must stay the user's (their edition decides when the tail's
    // temporaries drop), so an empty statement goes inside instead.
    if body.stmts.len() == 1 && matches!(body.stmts[0], Stmt::Expr(_, None)) {
        body.stmts
            .insert(0, syn::parse_quote_spanned! {span=> let _: () = (); });
    }
    let body = block_expr(body);
    let never = returns_never(&sig.output);
    let edge_type: Option<Type> = if never {
        Some(syn::parse_quote_spanned! {span=> ::core::convert::Infallible })
    } else {
        match &sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) => Some((**ty).clone()),
        }
    };
    stmts.extend(edge_type.map(|ty| fake_return_edge(krate, ty)));
    stmts.push(Stmt::Expr(body, None));
    let inner = Expr::Async(ExprAsync {
        attrs: Vec::new(),
        async_token: syn::Token![async](span),
        capture: Some(syn::Token![move](span)),
        modifiers: syn::BlockModifiers::default(),
        block: Block {
            brace_token: token::Brace(span),
            stmts,
        },
    });
    let awaited = Expr::Await(syn::ExprAwait {
        attrs: Vec::new(),
        base: Box::new(call_unconstrained(krate, span, inner)),
        dot_token: syn::Token![.](span),
        await_token: syn::Token![await](span),
    });
    // For `-> !` the inner block returns `Infallible`, which an empty `match` turns back
    // into `!` without any unreachable code.
    let tail = if never {
        Expr::Match(syn::ExprMatch {
            attrs: Vec::new(),
            match_token: syn::Token![match](span),
            expr: Box::new(awaited),
            brace_token: token::Brace(span),
            arms: Vec::new(),
        })
    } else {
        awaited
    };
    block.stmts = vec![Stmt::Expr(tail, None)];
}

/// `let pat = init;`
fn local(pat: Pat, init: Expr, span: Span) -> Stmt {
    Stmt::Local(syn::Local {
        attrs: Vec::new(),
        let_token: syn::Token![let](span),
        modifiers: syn::LocalModifiers::default(),
        pat,
        init: Some(syn::LocalInit {
            eq_token: syn::Token![=](span),
            expr: Box::new(init),
            diverge: None,
        }),
        semi_token: syn::Token![;](span),
    })
}

fn block_expr(block: Block) -> Expr {
    Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block,
    })
}

/// The statements that move each parameter into the inner future, in order; rewrites the
/// signature's patterns where the inner block needs a name to move.
///
/// A parameter's `#[cfg]`/`#[cfg_attr]` also goes on its statements (a parameter configured
/// away has nothing to move), and its lint attributes move to the `let` that now binds the
/// name, where rustc looks for them (`#[allow(unused_variables)] x: u32`).
fn rebind_parameters(sig: &mut Signature, span: Span) -> Vec<Stmt> {
    let mut rebinds = Vec::new();
    for (index, input) in sig.inputs.iter_mut().enumerate() {
        match input {
            FnArg::Receiver(receiver) => {
                if !matches!(receiver.kind, syn::ReceiverKind::Reference(..)) {
                    let self_token = receiver.self_token;
                    rebinds.push(syn::parse_quote_spanned! {span=> let _ = &#self_token; });
                }
            }
            FnArg::Typed(typed) => {
                let cfgs: Vec<Attribute> = typed
                    .attrs
                    .iter()
                    .filter(|attr| attr.path().is_ident("cfg") || attr.path().is_ident("cfg_attr"))
                    .cloned()
                    .collect();
                let (lints, kept): (Vec<Attribute>, Vec<Attribute>) =
                    std::mem::take(&mut typed.attrs)
                        .into_iter()
                        .partition(is_lint_attribute);
                typed.attrs = kept;
                match &mut *typed.pat {
                    Pat::Ident(PatIdent {
                        by_ref: None,
                        subpat: None,
                        mutability,
                        ident,
                        ..
                    }) => {
                        let mutability = mutability.take();
                        rebinds.push(syn::parse_quote_spanned! {span=>
                            #(#cfgs)* #(#lints)* let #mutability #ident = #ident;
                        });
                    }
                    pat => {
                        let name = Ident::new(&format!("__coop_arg{index}"), span);
                        let user_pat = std::mem::replace(
                            pat,
                            Pat::Ident(PatIdent {
                                attrs: Vec::new(),
                                by_ref: None,
                                mutability: None,
                                ident: name.clone(),
                                subpat: None,
                            }),
                        );
                        rebinds.push(syn::parse_quote_spanned! {span=>
                            #(#cfgs)* let #name = #name;
                        });
                        let moved: Expr = syn::parse_quote_spanned! {span=> #name };
                        let mut bind = local(user_pat, moved, span);
                        if let Stmt::Local(local) = &mut bind {
                            local.attrs = cfgs.into_iter().chain(lints).collect();
                        }
                        rebinds.push(bind);
                    }
                }
            }
        }
    }
    rebinds
}

fn is_lint_attribute(attr: &Attribute) -> bool {
    ["allow", "warn", "deny", "forbid", "expect"]
        .iter()
        .any(|lint| attr.path().is_ident(lint))
}

fn returns_never(output: &ReturnType) -> bool {
    let ReturnType::Type(_, ty) = output else {
        return false;
    };
    let mut ty = &**ty;
    loop {
        match ty {
            Type::Paren(inner) => ty = &inner.elem,
            Type::Group(inner) => ty = &inner.elem,
            Type::Never(_) => return true,
            _ => return false,
        }
    }
}

/// `if false { return #krate::__private::fake_return::<R>(); }`, with `_` for each
/// `impl Trait` in `R`. It stands at the return type, so rustc's "return type inferred to be
/// `R` here" points there. A call, not a diverging `loop {}`: nothing in it is unreachable
/// code, so it needs no `allow`, which a crate that forbids the lint would refuse.
fn fake_return_edge(krate: &Path, mut ty: Type) -> Stmt {
    let span = glue(syn::spanned::Spanned::span(&ty));
    let krate = relocate(krate, span);
    EraseImplTrait.visit_type_mut(&mut ty);
    syn::parse_quote_spanned! {span=>
        if false {
            return #krate::__private::fake_return::<#ty>();
        }
    }
}

/// Replaces every `impl Trait` with `_`, which a turbofish can hold.
struct EraseImplTrait;

impl VisitMut for EraseImplTrait {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::ImplTrait(impl_trait) = ty {
            let span = glue(syn::spanned::Spanned::span(&*impl_trait));
            *ty = Type::Infer(syn::TypeInfer {
                attrs: Vec::new(),
                underscore_token: syn::Token![_](span),
            });
        } else {
            visit_mut::visit_type_mut(self, ty);
        }
    }
}

// Input:  `async move { body }`
// Output: `#krate::__private::unconstrained(async move { body })`
pub(crate) fn async_block(krate: &Path, expr: &mut Expr) {
    let Expr::Async(block) = expr else { return };
    let span = glue(block.async_token.span);
    let placeholder = Expr::Verbatim(proc_macro2::TokenStream::new());
    let Expr::Async(block) = std::mem::replace(expr, placeholder) else {
        return;
    };
    let call = call_unconstrained(krate, span, Expr::Async(block));
    *expr = call;
}

// Input:  `async |args| body`
// Output: `async |args| { #krate::__private::unconstrained(async { body }).await }`
//
// The inner block does not `move`: it is awaited at once, so it may borrow the closure's
// captures, which an `AsyncFn` closure must not give away. A block body becomes the inner
// block itself; any other body is its single expression.
pub(crate) fn async_closure_body(krate: &Path, async_span: Span, body: &mut Expr) {
    let span = glue(async_span);
    let taken = std::mem::replace(body, Expr::Verbatim(proc_macro2::TokenStream::new()));
    let inner_block = match taken {
        Expr::Block(block) if block.attrs.is_empty() && block.label.is_none() => block.block,
        other => Block {
            brace_token: token::Brace(span),
            stmts: vec![Stmt::Expr(other, None)],
        },
    };
    let inner = Expr::Async(ExprAsync {
        attrs: Vec::new(),
        async_token: syn::Token![async](span),
        capture: None,
        modifiers: syn::BlockModifiers::default(),
        block: inner_block,
    });
    let awaited = Expr::Await(syn::ExprAwait {
        attrs: Vec::new(),
        base: Box::new(call_unconstrained(krate, span, inner)),
        dot_token: syn::Token![.](span),
        await_token: syn::Token![await](span),
    });
    *body = Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block: Block {
            brace_token: token::Brace(span),
            stmts: vec![Stmt::Expr(awaited, None)],
        },
    });
}

/// `#krate::__private::unconstrained(arg)`.
fn call_unconstrained(krate: &Path, span: Span, arg: Expr) -> Expr {
    let krate = relocate(krate, span);
    let func: Expr = syn::parse_quote_spanned! {span=> #krate::__private::unconstrained };
    Expr::Call(syn::ExprCall {
        attrs: Vec::new(),
        func: Box::new(func),
        paren_token: token::Paren(span),
        args: std::iter::once(arg).collect(),
    })
}
