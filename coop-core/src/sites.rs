//! Which yield point forced the yields: a [`Site`] per yield point, counted on the slow path.
//!
//! `#[cooperative]` puts a `static` [`Site`] beside each yield point it inserts, touched only when
//! that yield point forces a yield; it joins the list of sites on its first forced yield, the
//! only time the list's lock is taken. Hand-written yield points ([`consume_budget`],
//! [`poll_proceed`], [`cooperative`](fn@crate::cooperative)) know their caller's `Location`
//! instead; a place in the source gets a slot of a fixed table the first time it forces a
//! yield, found again without a lock or an allocation (with `std`). Both tables are bounded
//! without `std` (see `platform`); a yield point beyond them is counted by
//! [`forced_yield_count`](crate::forced_yield_count) only.
//!
//! [`consume_budget`]: crate::consume_budget
//! [`poll_proceed`]: crate::poll_proceed

use core::cmp::Ordering;
use core::fmt::{self, Write as _};
use core::panic::Location;
use core::time::Duration;

use crate::platform::{CALLER_SITES, Counter, Flag, Guarded, List, Once};

/// What a yield point forced: the counters every site keeps.
#[derive(Debug)]
struct Counts {
    forced_yields: Counter,
    time_slice_yields: Counter,
    /// Nanoseconds.
    longest_slice: Counter,
}

impl Counts {
    const fn new() -> Counts {
        Counts {
            forced_yields: Counter::new(0),
            time_slice_yields: Counter::new(0),
            longest_slice: Counter::new(0),
        }
    }

    #[inline(always)]
    fn record(&self, time_slice: bool, slice: Option<u64>) {
        self.forced_yields.add(1);
        if time_slice {
            self.time_slice_yields.add(1);
        }
        if let Some(slice) = slice {
            self.longest_slice.max(slice);
        }
    }

    fn stats(&self, place: Place) -> SiteStats {
        SiteStats {
            file: place.file,
            line: place.line,
            column: place.column,
            function: place.function,
            forced_yields: self.forced_yields.get(),
            time_slice_yields: self.time_slice_yields.get(),
            longest_slice: Duration::from_nanos(self.longest_slice.get()),
        }
    }
}

/// Where a yield point is in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Place {
    file: &'static str,
    line: u32,
    column: u32,
    function: &'static str,
}

impl Place {
    fn of(location: &'static Location<'static>) -> Place {
        Place {
            file: location.file(),
            line: location.line(),
            column: location.column(),
            function: "",
        }
    }
}

/// A yield point's place in the source, and what it forced. Not public API: the expansion of
/// `#[cooperative]` builds one per yield point.
#[derive(Debug)]
pub struct Site {
    place: Place,
    counts: Counts,
    registered: Flag,
}

impl Site {
    /// A site that has forced nothing yet; `function` is empty where it is not known.
    pub const fn new(file: &'static str, line: u32, column: u32, function: &'static str) -> Site {
        Site {
            place: Place {
                file,
                line,
                column,
                function,
            },
            counts: Counts::new(),
            registered: Flag::new(),
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
}

/// Counts a forced yield at `site`: by the slice (`time_slice`) or by the units, `slice` after
/// its budget's slice started (when the clock was read). Registers the site the first time.
///
/// A `#[cooperative]` site's counts are added in place (inlined into the forced yield); its
/// registration and a hand-written site's lookup are out of line.
#[inline(always)]
pub(crate) fn record(site: SiteRef, time_slice: bool, slice: Option<u64>) {
    match site {
        SiteRef::Static(site) => {
            site.counts.record(time_slice, slice);
            if site.registered.set_first() {
                register(site);
            }
        }
        SiteRef::Caller(location) => record_caller(location, time_slice, slice),
        SiteRef::None => {}
    }
}

/// Adds `site` to the registry, the first time it forces a yield.
#[cold]
#[inline(never)]
fn register(site: &'static Site) {
    // A full table leaves the site counted by the process only.
    let _ = REGISTRY.with(|list| list.push(site));
}

/// [`record`] for a hand-written yield point's site.
#[inline(never)]
fn record_caller(location: &'static Location<'static>, time_slice: bool, slice: Option<u64>) {
    if let Some(slot) = caller_slot(location) {
        slot.counts.record(time_slice, slice);
    }
}

/// The fields the `tracing` event reports.
pub(crate) fn describe(site: SiteRef) -> (&'static str, u32, &'static str) {
    match site {
        SiteRef::Static(site) => (site.place.file, site.place.line, site.place.function),
        SiteRef::Caller(location) => (location.file(), location.line(), ""),
        SiteRef::None => ("", 0, ""),
    }
}

/// The `#[cooperative]` sites that forced a yield, in the order of their first.
static REGISTRY: Guarded<List<&'static Site>> = Guarded::new(List::new());

/// A hand-written yield point's place, claimed the first time it forces a yield, and its counts.
struct CallerSlot {
    location: Once<&'static Location<'static>>,
    counts: Counts,
}

static CALLERS: [CallerSlot; CALLER_SITES] = [const {
    CallerSlot {
        location: Once::new(),
        counts: Counts::new(),
    }
}; CALLER_SITES];

/// How many slots a place may look at: finding its slot, or finding that it has none, takes at
/// most this many probes however full the table is.
const PROBES: usize = 8;

/// The slot of a hand-written yield point's caller: open addressing on the place, each slot
/// claimed once, at most [`PROBES`] slots looked at. Codegen may copy a `Location`; the copies
/// hash alike and share the slot.
fn caller_slot(location: &'static Location<'static>) -> Option<&'static CallerSlot> {
    let place = Place::of(location);
    let hash = (place.line as usize)
        .wrapping_mul(31)
        .wrapping_add(place.column as usize);
    (0..PROBES)
        .map(|probe| &CALLERS[(hash + probe) % CALLER_SITES])
        .find(|slot| Place::of(slot.location.get_or_init(|| location)) == place)
}

/// Every site that forced a yield, each place (file, line, column, fn) once: two
/// `#[cooperative]` sites with one place (the loops of a fn a `macro_rules!` generates) are
/// added up. The registry's lock is taken and released for each entry read, so `f` may run
/// while other threads record.
fn for_each_site(mut f: impl FnMut(SiteStats)) {
    for slot in &CALLERS {
        // Caller slots are one per place already.
        if let Some(location) = slot.location.get() {
            f(slot.counts.stats(Place::of(location)));
        }
    }
    let registered = |index: usize| REGISTRY.with(|list| list.get(index));
    let mut index = 0;
    while let Some(site) = registered(index) {
        let first = (0..index)
            .all(|earlier| registered(earlier).is_none_or(|seen| seen.place != site.place));
        if first {
            let mut total = site.counts.stats(site.place);
            let mut later = index + 1;
            while let Some(other) = registered(later) {
                if other.place == site.place {
                    let other = other.counts.stats(other.place);
                    total.forced_yields += other.forced_yields;
                    total.time_slice_yields += other.time_slice_yields;
                    total.longest_slice = total.longest_slice.max(other.longest_slice);
                }
                later += 1;
            }
            f(total);
        }
        index += 1;
    }
}

/// The order [`sites`] lists them in: most forced yields first, then by place.
fn rank(a: &SiteStats, b: &SiteStats) -> Ordering {
    b.forced_yields.cmp(&a.forced_yields).then_with(|| {
        (a.file, a.line, a.column, a.function).cmp(&(b.file, b.line, b.column, b.function))
    })
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
///   most 8 probes either way;
/// - without `std` (where [`write_report`] lists them, as there is no `Vec`), the tables hold 32
///   hand-written call sites and 64 `#[cooperative]` yield points; a yield point past them is
///   counted by [`forced_yield_count`](crate::forced_yield_count) only, and [`write_report`]
///   ends with a row of those forced yields.
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
#[cfg(feature = "std")]
pub fn sites() -> Vec<SiteStats> {
    let mut sites = Vec::new();
    for_each_site(|site| sites.push(site));
    sites.sort_by(rank);
    sites
}

/// The top `n` of [`sites`] as a table: forced yields, of which by time slices, the longest
/// slice measured, and the place. [`write_report`] writes the same table without a heap.
///
/// ```
/// print!("{}", coop_core::report(10));
/// assert!(coop_core::report(0).starts_with("forced yields"));
/// ```
#[cfg(feature = "std")]
pub fn report(n: usize) -> String {
    let mut out = String::new();
    // Writing to a `String` cannot fail.
    let _ = write_report(&mut out, n);
    out
}

/// Writes the top `n` sites (most forced yields first) to `out` as a table: forced yields, of
/// which by time slices, the longest slice measured, and the place. It allocates nothing, so it
/// works without `std`: a UART, a `defmt` adapter or a fixed buffer can take it.
///
/// ```
/// use core::fmt::Write;
///
/// /// A fixed buffer, as a target without a heap would have.
/// struct Buffer {
///     bytes: [u8; 512],
///     len: usize,
/// }
///
/// impl Write for Buffer {
///     fn write_str(&mut self, s: &str) -> core::fmt::Result {
///         let end = self.len + s.len();
///         self.bytes.get_mut(self.len..end).ok_or(core::fmt::Error)?.copy_from_slice(s.as_bytes());
///         self.len = end;
///         Ok(())
///     }
/// }
///
/// let mut out = Buffer { bytes: [0; 512], len: 0 };
/// coop_core::write_report(&mut out, 3).unwrap();
/// assert!(out.bytes.starts_with(b"forced yields"));
/// ```
pub fn write_report(out: &mut impl fmt::Write, n: usize) -> fmt::Result {
    out.write_str("forced yields  by time slice  longest slice  yield point\n")?;
    // The top `n` in rank order, without a list to sort: each row is the best site ranked after
    // the previous row.
    let mut previous: Option<SiteStats> = None;
    for _ in 0..n {
        let mut best: Option<SiteStats> = None;
        for_each_site(|site| {
            let after_previous = previous
                .as_ref()
                .is_none_or(|previous| rank(previous, &site) == Ordering::Less);
            let before_best = best
                .as_ref()
                .is_none_or(|best| rank(&site, best) == Ordering::Less);
            if after_previous && before_best {
                best = Some(site);
            }
        });
        let Some(site) = best else { break };
        write_row(out, &site)?;
        previous = Some(site);
    }
    // The forced yields of yield points with no slot in the tables (see `sites`): a last row,
    // so that the table still adds up to `forced_yield_count`.
    let (mut tracked, mut tracked_by_time) = (0u64, 0u64);
    for_each_site(|site| {
        tracked += site.forced_yields;
        tracked_by_time += site.time_slice_yields;
    });
    let untracked = crate::counts::forced_yield_count().saturating_sub(tracked);
    if untracked > 0 {
        let by_time = crate::counts::time_slice_yield_count().saturating_sub(tracked_by_time);
        writeln!(
            out,
            "{untracked:>13}  {by_time:>13}  {:>13}  (yield points with no slot in the tables of sites)",
            "-"
        )?;
    }
    Ok(())
}

/// One row of [`write_report`]'s table.
fn write_row(out: &mut impl fmt::Write, site: &SiteStats) -> fmt::Result {
    let mut longest = Cell13::default();
    if site.longest_slice.is_zero() {
        longest.write_str("-")?;
    } else {
        // A duration too long for the column is cut, not an error.
        let _ = write!(longest, "{:.2?}", site.longest_slice);
    }
    write!(
        out,
        "{:>13}  {:>13}  {:>13}  {}:{}:{}",
        site.forced_yields,
        site.time_slice_yields,
        longest.as_str(),
        site.file,
        site.line,
        site.column
    )?;
    if !site.function.is_empty() {
        write!(out, " in {}", site.function)?;
    }
    out.write_str("\n")
}

/// A column's text, formatted on the stack so that it can be right-aligned without a heap.
#[derive(Default)]
struct Cell13 {
    bytes: [u8; 13],
    len: usize,
}

impl Cell13 {
    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("?")
    }
}

impl fmt::Write for Cell13 {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let room = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        room.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
