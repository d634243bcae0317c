//! What `#[cooperative]` and `#[unconstrained]` expansions call. Not public API: no stability
//! promise, hidden from the docs.

/// The yield point `#[cooperative]` inserts at the head of each loop body:
/// `yield_point!(fn_name, file!(), line!(), column!())` with the loop keyword's location, or
/// `yield_point!()`, a site without a fn at the invocation's own location.
///
/// Its fast path is [`try_spend`], inlined: a thread-local decrement and a branch, with no
/// future built or polled. A strip-mined loop holds a [`Batch`] around it,
/// `match Batch::new() { mut __coop_batch => .. }`, and its yield point spends from it,
/// `yield_point!(in __coop_batch; fn_name, file!(), line!(), column!())`: a local decrement and
/// a branch, the budget reached only at batch ends. Only a spent budget reaches the `.await`, whose future forces the
/// yield at once, without asking the budget a second time, and counts it for the yield point's
/// [`Site`]: a `static` beside it, named by `file!()`, `line!()` and `column!()` of the
/// invocation (the loop keyword, where `#[cooperative]` puts it) and by the fn's path. Under
/// `--cfg coop_disable` it expands to nothing at all, site included.
pub use crate::__coop_yield_point as yield_point;
pub use crate::batch::{Batch, ForcedYield};
pub use crate::sites::Site;
pub use crate::state::try_spend;
pub use crate::wrappers::unconstrained;
pub use crate::yield_point::forced_yield_at;

/// The value of `#[unconstrained]`'s fake return edge, `if false { return fake_return::<R>(); }`,
/// which fixes the body's type to the fn's return type and is never taken. A call rather than
/// `loop {}`, so that the user's crate sees no unreachable code, and needs no `allow` that a
/// crate's `forbid` would refuse.
#[inline(always)]
pub fn fake_return<T>() -> T {
    unreachable!("`#[unconstrained]`'s fake return edge is never taken")
}

#[doc(hidden)]
#[macro_export]
#[cfg(not(coop_disable))]
macro_rules! __coop_yield_point {
    // Each arm holds its own `.await`, so that a diagnostic about it names this macro as the user
    // sees it in the expansion, not an inner one.
    (in $batch:ident) => {
        if !$batch.spend() {
            static __COOP_SITE: $crate::__private::Site = $crate::__private::Site::new(
                ::core::file!(),
                ::core::line!(),
                ::core::column!(),
                "",
            );
            $batch.forced_yield(&__COOP_SITE).await
        }
    };
    (in $batch:ident; $function:ident, $file:expr, $line:expr, $column:expr) => {
        if !$batch.spend() {
            static __COOP_SITE: $crate::__private::Site = $crate::__private::Site::new(
                $file,
                $line,
                $column,
                ::core::concat!(::core::module_path!(), "::", ::core::stringify!($function)),
            );
            $batch.forced_yield(&__COOP_SITE).await
        }
    };
    () => {
        if !$crate::__private::try_spend() {
            // Only the slow path names the site, so the fast path stays a decrement and a branch.
            static __COOP_SITE: $crate::__private::Site = $crate::__private::Site::new(
                ::core::file!(),
                ::core::line!(),
                ::core::column!(),
                "",
            );
            $crate::__private::forced_yield_at(&__COOP_SITE).await
        }
    };
    ($function:ident, $file:expr, $line:expr, $column:expr) => {
        if !$crate::__private::try_spend() {
            static __COOP_SITE: $crate::__private::Site = $crate::__private::Site::new(
                $file,
                $line,
                $column,
                ::core::concat!(::core::module_path!(), "::", ::core::stringify!($function)),
            );
            $crate::__private::forced_yield_at(&__COOP_SITE).await
        }
    };
}

#[doc(hidden)]
#[macro_export]
#[cfg(coop_disable)]
macro_rules! __coop_yield_point {
    ($($site:tt)*) => {
        ()
    };
}
