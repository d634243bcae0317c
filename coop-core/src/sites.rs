//! Which yield point forced the yields: a [`Site`] per yield point, counted on the slow path.
//!
//! `#[cooperative]` puts a `static` [`Site`] beside each yield point it inserts, touched only when
//! that yield point forces a yield. Hand-written yield points ([`consume_budget`],
//! [`poll_proceed`], [`cooperative`](fn@crate::cooperative)) know their caller's
//! `Location` instead; a location gets its `Site` in a fixed table the first time it forces a
//! yield, found again without a lock or an allocation. A site joins the process-wide list on
//! its first forced yield, the only time the list's lock is taken.
//!
//! [`consume_budget`]: crate::consume_budget
//! [`poll_proceed`]: crate::poll_proceed

use core::fmt;
use core::panic::Location;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::time::Duration;
use std::sync::{Mutex, OnceLock, PoisonError};

/// A yield point's place in the source, and what it forced. Not public API: the expansion of
/// `#[cooperative]` builds one per yield point.
#[derive(Debug)]
pub struct Site {
    file: &'static str,
    line: u32,
    column: u32,
    function: &'static str,
    forced_yields: AtomicU64,
    time_slice_yields: AtomicU64,
    /// Nanoseconds.
    longest_slice: AtomicU64,
    registered: AtomicBool,
}

impl Site {
    /// A site that has forced nothing yet; `function` is empty where it is not known.
    pub const fn new(file: &'static str, line: u32, column: u32, function: &'static str) -> Site {
        Site {
            file,
            line,
            column,
            function,
            forced_yields: AtomicU64::new(0),
            time_slice_yields: AtomicU64::new(0),
            longest_slice: AtomicU64::new(0),
            registered: AtomicBool::new(false),
        }
    }

    fn stats(&self) -> SiteStats {
        SiteStats {
            file: self.file,
            line: self.line,
            column: self.column,
            function: self.function,
            forced_yields: self.forced_yields.load(Ordering::Relaxed),
            time_slice_yields: self.time_slice_yields.load(Ordering::Relaxed),
            longest_slice: Duration::from_nanos(self.longest_slice.load(Ordering::Relaxed)),
        }
    }
}

/// Where a yield point is: a `#[cooperative]` site, or the caller of a hand-written one.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SiteRef {
    Static(&'static Site),
    Caller(&'static Location<'static>),
    /// Counted by the process only.
    None,
}

impl SiteRef {
    /// Tells yield points apart: the address of the `static` or the location; zero for none.
    pub(crate) fn key(self) -> usize {
        match self {
            SiteRef::Static(site) => core::ptr::from_ref(site) as usize,
            SiteRef::Caller(location) => core::ptr::from_ref(location) as usize,
            SiteRef::None => 0,
        }
    }

    /// The site itself; `None` only when the table of caller sites is full.
    fn site(self) -> Option<&'static Site> {
        match self {
            SiteRef::Static(site) => Some(site),
            SiteRef::Caller(location) => caller_site(location),
            SiteRef::None => None,
        }
    }
}

/// Counts a forced yield at `site`: by the slice (`time_slice`) or by the units, `slice` after
/// its budget's slice started (when the clock was read). Registers the site the first time.
pub(crate) fn record(site: SiteRef, time_slice: bool, slice: Option<u64>) {
    let Some(site) = site.site() else { return };
    site.forced_yields.fetch_add(1, Ordering::Relaxed);
    if time_slice {
        site.time_slice_yields.fetch_add(1, Ordering::Relaxed);
    }
    if let Some(slice) = slice {
        site.longest_slice.fetch_max(slice, Ordering::Relaxed);
    }
    if !site.registered.load(Ordering::Relaxed) && !site.registered.swap(true, Ordering::AcqRel) {
        registry().push(site);
    }
}

/// The fields the `tracing` event reports.
pub(crate) fn describe(site: SiteRef) -> (&'static str, u32, &'static str) {
    match site {
        SiteRef::Static(site) => (site.file, site.line, site.function),
        SiteRef::Caller(location) => (location.file(), location.line(), ""),
        SiteRef::None => ("", 0, ""),
    }
}

fn registry() -> std::sync::MutexGuard<'static, Vec<&'static Site>> {
    static REGISTRY: Mutex<Vec<&'static Site>> = Mutex::new(Vec::new());
    // A panic while pushing leaves a valid list.
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How many distinct hand-written yield points can have a site; the ones beyond are counted
/// only by [`forced_yield_count`](crate::forced_yield_count).
const CALLER_SITES: usize = 1024;

/// How many slots a location may look at: finding its site, or finding that it has none, takes
/// at most this many probes however full the table is.
const PROBES: usize = 8;

static CALLERS: [OnceLock<Site>; CALLER_SITES] = [const { OnceLock::new() }; CALLER_SITES];

/// The site of a hand-written yield point's caller: open addressing on the location, each slot
/// set once, so finding a site that exists takes no lock, and at most [`PROBES`] slots are
/// looked at.
fn caller_site(location: &'static Location<'static>) -> Option<&'static Site> {
    let same = |site: &Site| {
        site.line == location.line()
            && site.column == location.column()
            && site.file == location.file()
    };
    // The location's address is its hash: one per call site, usually. Where codegen copies one,
    // the copies find slots of their own, and `sites` adds them up.
    let start = (core::ptr::from_ref(location) as usize >> 3) % CALLER_SITES;
    for probe in 0..PROBES {
        let slot = &CALLERS[(start + probe) % CALLER_SITES];
        let site =
            slot.get_or_init(|| Site::new(location.file(), location.line(), location.column(), ""));
        if same(site) {
            return Some(site);
        }
    }
    None
}

/// What one yield point forced, as [`sites`] reports it.
///
/// ```
/// let line = line!() + 3;
/// std::thread::spawn(|| futures::executor::block_on(async {
///     for _ in 0..300 {
///         coop_core::consume_budget().await; // forces two yields, from a fresh thread
///     }
/// })).join().unwrap();
/// let here = coop_core::sites()
///     .into_iter()
///     .find(|site| (site.file(), site.line()) == (file!(), line))
///     .unwrap();
/// assert_eq!((here.column(), here.forced_yields()), (9, 2));
/// println!("{here}"); // src/main.rs:6:9: 2 forced yields
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteStats {
    file: &'static str,
    line: u32,
    column: u32,
    function: &'static str,
    forced_yields: u64,
    time_slice_yields: u64,
    longest_slice: Duration,
}

impl SiteStats {
    /// The source file of the yield point, as `file!()` names it.
    ///
    /// ```
    /// for site in coop_core::sites() {
    ///     assert!(!site.file().is_empty());
    /// }
    /// ```
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The line of the yield point: the loop keyword's for `#[cooperative]`, the call's for
    /// `consume_budget()`, `poll_proceed` and `cooperative(fut)`.
    ///
    /// ```
    /// for site in coop_core::sites() {
    ///     assert!(site.line() > 0);
    /// }
    /// ```
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The column of the yield point, from 1.
    ///
    /// ```
    /// for site in coop_core::sites() {
    ///     assert!(site.column() > 0);
    /// }
    /// ```
    pub fn column(&self) -> u32 {
        self.column
    }

    /// The path of the fn whose loop it is (`module::path::fn_name`), for `#[cooperative]`
    /// yield points; empty for hand-written ones.
    ///
    /// ```
    /// for site in coop_core::sites() {
    ///     println!("{}", if site.function().is_empty() { "?" } else { site.function() });
    /// }
    /// ```
    pub fn function(&self) -> &'static str {
        self.function
    }

    /// How many forced yields this yield point caused, by units or by time.
    ///
    /// ```
    /// let total: u64 = coop_core::sites().iter().map(|s| s.forced_yields()).sum();
    /// assert!(total <= coop_core::forced_yield_count());
    /// ```
    pub fn forced_yields(&self) -> u64 {
        self.forced_yields
    }

    /// How many of them a time slice forced.
    ///
    /// ```
    /// for site in coop_core::sites() {
    ///     assert!(site.time_slice_yields() <= site.forced_yields());
    /// }
    /// ```
    pub fn time_slice_yields(&self) -> u64 {
        self.time_slice_yields
    }

    /// The longest stretch measured between a budget's start and a forced yield here, from the
    /// clock reads time slices make anyway: zero where no budget with a slice forced a yield
    /// here. A measure of how long this loop held its thread.
    ///
    /// ```
    /// for site in coop_core::sites() {
    ///     assert!(site.longest_slice() < std::time::Duration::from_secs(3600));
    /// }
    /// ```
    pub fn longest_slice(&self) -> Duration {
        self.longest_slice
    }
}

impl fmt::Display for SiteStats {
    /// `file:line:column in function: N forced yields` (without ` in function` where unknown).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)?;
        if !self.function.is_empty() {
            write!(f, " in {}", self.function)?;
        }
        write!(f, ": {} forced yields", self.forced_yields)
    }
}

/// Every yield point that has forced a yield in this process, most forced yields first: which
/// loop is hot.
///
/// What a site knows, and its limits:
///
/// - a `#[cooperative]` loop's site is its keyword's file, line and column, and the fn's
///   module path and name (`my_crate::net::read_frames`; a method's type is not part of it,
///   since an attribute on a method does not see its `impl`);
/// - in a fn that a `macro_rules!` generates, rustc places every loop at the macro's call, so
///   its loops share one site;
/// - `consume_budget()`, `poll_proceed` and `cooperative(..)` are counted at their caller's
///   location, in a table of 1024 slots where each call site may take one of 8: a call site
///   that finds its 8 taken (certain past 1024 call sites, possible before) is counted by
///   [`forced_yield_count`](crate::forced_yield_count) only. Looking a call site up costs at
///   most 8 probes either way.
///
/// ```
/// use coop_core::cooperative;
///
/// #[cooperative]
/// async fn hot() {
///     for _ in 0..1000 {}
/// }
///
/// std::thread::spawn(|| futures::executor::block_on(hot())).join().unwrap();
/// let hot = coop_core::sites()
///     .into_iter()
///     .find(|site| site.function().ends_with("::hot") && site.file() == file!())
///     .unwrap();
/// assert_eq!((hot.column(), hot.forced_yields()), (5, 7));
/// ```
pub fn sites() -> Vec<SiteStats> {
    let mut sites: Vec<SiteStats> = Vec::new();
    for site in registry().iter().map(|site| site.stats()) {
        // One place in the source may have two sites (a location codegen copied): one entry.
        let key = |s: &SiteStats| (s.file, s.line, s.column, s.function);
        match sites.iter_mut().find(|seen| key(seen) == key(&site)) {
            Some(seen) => {
                seen.forced_yields += site.forced_yields;
                seen.time_slice_yields += site.time_slice_yields;
                seen.longest_slice = seen.longest_slice.max(site.longest_slice);
            }
            None => sites.push(site),
        }
    }
    sites.sort_by(|a, b| {
        b.forced_yields
            .cmp(&a.forced_yields)
            .then_with(|| (a.file, a.line, a.column).cmp(&(b.file, b.line, b.column)))
    });
    sites
}

/// The top `n` of [`sites`] as a table: forced yields, of which by time slices, the longest
/// slice measured, and the place.
///
/// ```
/// print!("{}", coop_core::report(10));
/// assert!(coop_core::report(0).starts_with("forced yields"));
/// ```
pub fn report(n: usize) -> String {
    use fmt::Write as _;
    let mut out = String::from("forced yields  by time slice  longest slice  yield point\n");
    for site in sites().into_iter().take(n) {
        let longest = if site.longest_slice.is_zero() {
            String::from("-")
        } else {
            format!("{:.2?}", site.longest_slice)
        };
        let _ = write!(
            out,
            "{:>13}  {:>13}  {:>13}  {}:{}:{}",
            site.forced_yields, site.time_slice_yields, longest, site.file, site.line, site.column
        );
        if !site.function.is_empty() {
            let _ = write!(out, " in {}", site.function);
        }
        out.push('\n');
    }
    out
}
