// The runtime every generated crate compiles beside its fns: probes, the one-thread executor
// and the report. Included verbatim into the generated `main.rs`; not a module of the oracle.

use std::cell::RefCell;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

#[allow(unused_imports)]
use futures::FutureExt as _;
#[allow(unused_imports)]
use std::fmt::Write as _;

thread_local! {
    /// Probes alive now: id and whether the generator called it unnamed (a temporary).
    static LIVE: RefCell<Vec<(u32, bool)>> = const { RefCell::new(Vec::new()) };
    /// `+id` on construction, `-id` on drop, in order.
    static LOG: RefCell<Vec<i64>> = const { RefCell::new(Vec::new()) };
    /// What `write!` into a probe wrote.
    static WRITTEN: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Marks a probe `Send` (`Snd`) or not (`NoSend`).
pub struct Snd;
pub struct NoSend(PhantomData<*const ()>);

/// A value whose life is logged: it enters `LIVE` when built and leaves it when dropped.
pub struct Probe<M> {
    pub v: u32,
    pub pair: (u32, u32),
    pub arr: [u32; 2],
    _marker: PhantomData<M>,
}

fn make<M>(id: u32, unnamed: bool) -> Probe<M> {
    LIVE.with(|live| live.borrow_mut().push((id, unnamed)));
    LOG.with(|log| log.borrow_mut().push(i64::from(id)));
    Probe { v: id, pair: (id, id + 1), arr: [id, id + 2], _marker: PhantomData }
}

/// A probe the generated code binds to a name.
pub fn nm(id: u32) -> Probe<Snd> {
    make(id, false)
}

/// A probe the generated code leaves unnamed: a temporary, extended or not.
pub fn tp(id: u32) -> Probe<Snd> {
    make(id, true)
}

/// An unnamed probe that is neither `Send` nor `Sync`.
pub fn tn(id: u32) -> Probe<NoSend> {
    make(id, true)
}

impl<M> Drop for Probe<M> {
    fn drop(&mut self) {
        let id = self.v;
        LIVE.with(|live| {
            let mut live = live.borrow_mut();
            if let Some(at) = live.iter().rposition(|(alive, _)| *alive == id) {
                live.remove(at);
            }
        });
        LOG.with(|log| log.borrow_mut().push(-i64::from(id)));
    }
}

impl<M> Probe<M> {
    pub fn get(&self) -> u32 {
        self.v
    }
    pub fn with(&self, x: u32) -> u32 {
        self.v ^ x
    }
    pub fn range(&self, n: u32) -> std::ops::Range<u32> {
        0..n
    }
    pub fn step(&self, c: &mut u32, n: u32) -> Option<u32> {
        (*c < n).then(|| {
            *c += 1;
            *c
        })
    }
    pub fn below(&self, c: &mut u32, n: u32) -> bool {
        *c += 1;
        *c <= n
    }
    pub fn opt(&self, x: u32) -> Option<u32> {
        (x % 3 != 0).then_some(x)
    }
}

impl<M> std::fmt::Write for Probe<M> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        WRITTEN.with(|w| w.borrow_mut().push_str(s));
        Ok(())
    }
}

pub fn consume<M>(p: Probe<M>) -> u32 {
    p.v
}
/// Reads a probe through a reference: an associated function's argument, which rustc does not
/// extend.
pub struct Peek;
impl Peek {
    pub fn at<M>(p: &Probe<M>) -> u32 {
        p.get()
    }
}
pub fn add(a: u32, b: u32) -> u32 {
    a.wrapping_add(b)
}
pub fn add3(a: u32, b: u32, c: u32) -> u32 {
    a.wrapping_add(b).wrapping_add(c)
}
pub fn step(c: &mut u32, n: u32) -> Option<u32> {
    (*c < n).then(|| {
        *c += 1;
        *c
    })
}
pub struct Pair {
    pub a: u32,
    pub b: u32,
}
pub struct RefPair<'a, M> {
    pub a: &'a Probe<M>,
    pub b: u32,
}
pub struct Wrap<T>(pub T);

macro_rules! twice {
    ($a:expr, $b:expr) => {
        add($a, $b)
    };
}
macro_rules! shown {
    ($e:expr) => {{
        let v: u32 = $e;
        println!("{} = {}", stringify!($e), v);
        v
    }};
}

pub struct IsSendProbe<T>(PhantomData<T>);
pub trait SendYes {
    fn is_send(&self) -> bool {
        true
    }
}
impl<T: Send> SendYes for IsSendProbe<T> {}
pub trait SendNo {
    fn is_send(&self) -> bool {
        false
    }
}
impl<T> SendNo for &IsSendProbe<T> {}
pub fn send_probe<T>(_: &T) -> IsSendProbe<T> {
    IsSendProbe(PhantomData)
}

/// Runs one fn to completion on this thread, with a budget of zero units per poll (every
/// yield point yields), and prints what a user could observe. At every `Pending`, an unnamed
/// probe alive is a violation: printed on a `!!` line.
///
/// `concurrent`: the fn runs futures side by side (`join!`), whose interleaving a yield point
/// changes by design, as it does another task's: the log is compared as a set of events.
pub fn run<F: Future<Output = u32>>(index: usize, fut: F, is_send: bool, concurrent: bool) {
    println!("@@ {index}");
    eprintln!("@@ {index}");
    LIVE.with(|l| l.borrow_mut().clear());
    LOG.with(|l| l.borrow_mut().clear());
    WRITTEN.with(|w| w.borrow_mut().clear());
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    let mut pendings = 0u32;
    let outcome = loop {
        let polled = std::panic::catch_unwind(AssertUnwindSafe(|| {
            coop_core::with_budget(0, || fut.as_mut().poll(&mut cx))
        }));
        match polled {
            Ok(Poll::Ready(v)) => break Ok(v),
            Ok(Poll::Pending) => {
                pendings += 1;
                let unnamed: Vec<u32> = LIVE.with(|l| {
                    l.borrow().iter().filter(|(_, unnamed)| *unnamed).map(|(id, _)| *id).collect()
                });
                if !unnamed.is_empty() {
                    println!("!! {index} unnamed probes {unnamed:?} alive at a Pending");
                }
                if pendings > 100_000 {
                    break Err("never finished".to_owned());
                }
            }
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                break Err(msg);
            }
        }
    };
    let mut log = LOG.with(|l| l.borrow().clone());
    let mut written = WRITTEN.with(|w| w.borrow().clone());
    if concurrent && outcome.is_err() {
        // A branch that panics ends the others wherever they are: only the panic is compared.
        log.clear();
        written.clear();
    }
    if concurrent {
        log.sort_unstable();
        let mut chars: Vec<char> = written.chars().collect();
        chars.sort_unstable();
        written = chars.into_iter().collect();
    }
    println!("= {outcome:?} log {log:?} written {written:?} send {is_send}");
    println!("!! {index} pendings {pendings}");
}
