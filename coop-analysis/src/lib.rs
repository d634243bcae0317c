//! The loop rules of coop's `#[cooperative]`, as a plain library: which loops of a fn body run
//! in async context, which await on their own, which may get a yield point (no temporary of a
//! header alive there), which are opted out with `#[unconstrained]`, and which sit in macro
//! calls that cannot be walked.
//!
//! coop-macros and `cargo coop` both decide with this crate, so the attribute and the tool
//! cannot disagree: a loop that `#[cooperative(check)]` rejects is a loop `cargo coop check`
//! reports, and a loop `#[cooperative]` instruments is one it does not.
//!
//! - [`walk_fn_body`] walks one fn body and hands each decision ([`LoopSite`], [`OpaqueLoop`],
//!   async blocks and closures) to your [`Hooks`];
//! - [`loop_verdict`] says whether a loop awaits on its own;
//! - [`temporaries`] says where a yield point would suspend the task under a live temporary;
//! - [`stacked`] and [`unsupported`] say which items the attributes reject, and why;
//! - [`scan_file`] applies the rules to every fn of a parsed file, reading the attributes
//!   already there, and returns its [`Finding`]s.
//!
//! ```
//! let file: syn::File = syn::parse_quote! {
//!     async fn spin(flag: &std::cell::Cell<bool>) {
//!         while !flag.get() {}
//!     }
//! };
//! let scanned = coop_analysis::scan_file(file);
//! assert_eq!(scanned.findings.len(), 1);
//! assert_eq!(scanned.findings[0].function, "spin");
//! ```

#![forbid(unsafe_code)]

pub mod args;
mod attr;
pub mod awaits;
pub mod cfg_attr;
mod cfgs;
mod coverage;
mod hooks;
mod item_macros;
pub mod lints;
mod loop_kind;
mod loops;
mod macro_table;
mod macros;
mod markers;
mod scan;
mod shapes;
pub mod temporaries;
mod walk;

pub use attr::{CoopAttr, is_attr};
pub use awaits::{Verdict, loop_verdict};
pub use cfgs::never_compiled;
pub use coverage::{Coverage, stacked};
pub use hooks::{Hooks, Walked};
pub use item_macros::{
    ItemList, LoopOutOfReach, loops_out_of_reach, macro_impl_items, macro_items, macro_trait_items,
};
pub use lints::{FindingKind, Lint};
pub use loops::{LoopKind, LoopSite, OpaqueLoop};
pub use scan::{Finding, FixSite, FixTarget, Scanned, Unchecked, scan_file};
pub use shapes::unsupported;
pub use walk::{let_scrutinees, reject_param_markers, walk_fn_body};
