//! Annotated functions and their unannotated twins, written once.

/// Writes an `async fn` once and emits it twice: `$name` under `#[coop_core::cooperative]` and
/// `$plain` without it, with the same parameters and the same body token for token. A test that
/// compares the two compares the attribute and nothing else, and the twin cannot drift from its
/// original because nobody writes it.
///
/// ```
/// coop_test_support::cooperative_twins! {
///     /// Counts to `n`, one iteration at a time.
///     async fn count_to / count_to_plain(n: u64) -> u64 {
///         let mut count = 0;
///         for _ in 0..n {
///             count += 1;
///         }
///         count
///     }
/// }
///
/// use coop_test_support::count_yields_on_fresh_thread as count_yields;
/// assert_eq!(count_yields(|| count_to(1000)), (1000, 7));
/// assert_eq!(count_yields(|| count_to_plain(1000)), (1000, 0));
/// ```
///
/// One `const` generic parameter is accepted (`async fn a / b<const N: u32>(…)`), as the
/// benchmarks' loops need.
#[macro_export]
macro_rules! cooperative_twins {
    (
        $(#[$attr:meta])*
        $vis:vis async fn $name:ident / $plain:ident
        $(<const $generic:ident : $generic_ty:ty>)?
        ( $($params:tt)* ) $(-> $ret:ty)?
        { $($body:tt)* }
    ) => {
        $(#[$attr])*
        #[::coop_core::cooperative]
        $vis async fn $name $(<const $generic: $generic_ty>)? ( $($params)* ) $(-> $ret)? {
            $($body)*
        }

        #[doc = concat!(
            "[`", stringify!($name), "`] without `#[cooperative]`: the same body, emitted by ",
            "the same `cooperative_twins!`, so it never yields on its own."
        )]
        $vis async fn $plain $(<const $generic: $generic_ty>)? ( $($params)* ) $(-> $ret)? {
            $($body)*
        }
    };
}
