//! The harness: runs one shape on a one-thread executor beside a task that touches the shared
//! state every time it gets to run, and reports everything a user could observe.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Mutex;
use std::task::{Context, Poll};

use futures::FutureExt;
use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;

thread_local! {
    static DROPS: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

/// What every shape may touch: state another task also touches, as a real program's would.
pub struct Env {
    /// A queue behind a `RefCell`, borrowed by the other task each time it runs.
    pub queue: RefCell<Vec<u64>>,
    /// A queue behind a `std::sync::Mutex`, locked (`try_lock`) by the other task.
    pub mutex: Mutex<Vec<u64>>,
    /// A plain number, for place scrutinees.
    pub count: u64,
    /// An optional batch behind a `RefCell`, borrowed by the other task.
    pub slot: RefCell<Option<Vec<u64>>>,
    /// An optional limit behind a `Mutex`, locked by the other task.
    pub limit: Mutex<Option<u64>>,
}

impl Env {
    fn new() -> Self {
        Env {
            queue: RefCell::new((1..=300).collect()),
            mutex: Mutex::new((1..=300).collect()),
            count: 7,
            slot: RefCell::new(Some((1..=300).collect())),
            limit: Mutex::new(Some(300)),
        }
    }
}

/// A value that logs its name when dropped, so drop order is part of the report.
pub struct Noisy(pub &'static str);

impl Drop for Noisy {
    fn drop(&mut self) {
        DROPS.with(|drops| drops.borrow_mut().push(self.0));
    }
}

impl Noisy {
    /// Reads the value, so a shape can use it without moving it.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.0
    }
}

/// Everything a run shows: what it returned or the message it panicked with, the order of its
/// drops, and how often the other task found the shared state taken when it got to run.
#[derive(Debug, PartialEq, Eq)]
pub struct Report {
    /// The shape's output, or its panic message.
    pub output: Result<u64, String>,
    /// Names of the `Noisy` values dropped, in order.
    pub drops: Vec<&'static str>,
    /// Times the other task found the `RefCell` borrowed or the `Mutex` locked.
    pub contended: u32,
}

/// How a run interleaved: not compared (yield points exist to change it), but asserted where a
/// shape is known to yield or known not to.
#[derive(Debug)]
pub struct Interleaving {
    /// Times the other task ran while the shape was still running.
    pub other_task_ran: u32,
}

/// Runs `shape` on a `LocalPool` beside a second task. Each poll of the shape gets a budget of
/// one unit, so an instrumented loop yields at every other iteration and the second task runs
/// in the middle of it.
///
/// # Panics
///
/// If the pool refuses a task or the shape never finishes; a panic of the shape itself is
/// caught and reported.
pub fn run<F>(shape: impl FnOnce(&'static Env) -> F) -> (Report, Interleaving)
where
    F: Future<Output = u64> + 'static,
{
    DROPS.with(|drops| drops.borrow_mut().clear());
    let env: &'static Env = Box::leak(Box::new(Env::new()));
    let done = Rc::new(Cell::new(false));
    let output = Rc::new(RefCell::new(None));
    let contended = Rc::new(Cell::new(0));
    let other_task_ran = Rc::new(Cell::new(0));

    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    let task = OnePerPoll(Box::pin(shape(env)));
    let (task_done, task_output) = (Rc::clone(&done), Rc::clone(&output));
    spawner
        .spawn_local(async move {
            let result = AssertUnwindSafe(task).catch_unwind().await;
            *task_output.borrow_mut() = Some(result.map_err(|payload| panic_message(&*payload)));
            task_done.set(true);
        })
        .expect("the pool accepts tasks");
    spawner
        .spawn_local(OtherTask {
            env,
            done: Rc::clone(&done),
            contended: Rc::clone(&contended),
            ran: Rc::clone(&other_task_ran),
        })
        .expect("the pool accepts tasks");
    pool.run();

    let output = output
        .borrow_mut()
        .take()
        .expect("the shape ran to the end");
    let report = Report {
        output,
        drops: DROPS.with(|drops| drops.borrow_mut().split_off(0)),
        contended: contended.get(),
    };
    let interleaving = Interleaving {
        other_task_ran: other_task_ran.get(),
    };
    (report, interleaving)
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

/// Polls the shape with a budget of one unit per poll.
struct OnePerPoll(Pin<Box<dyn Future<Output = u64>>>);

impl Future for OnePerPoll {
    type Output = u64;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        crate::coop::with_budget(1, || self.0.as_mut().poll(cx))
    }
}

/// Touches the shared state each time it runs, and yields until the shape is done.
struct OtherTask {
    env: &'static Env,
    done: Rc<Cell<bool>>,
    contended: Rc<Cell<u32>>,
    ran: Rc<Cell<u32>>,
}

impl Future for OtherTask {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.done.get() {
            return Poll::Ready(());
        }
        self.ran.set(self.ran.get() + 1);
        if self.env.queue.try_borrow_mut().is_err() {
            self.contended.set(self.contended.get() + 1);
        }
        if self.env.mutex.try_lock().is_err() {
            self.contended.set(self.contended.get() + 1);
        }
        if self.env.slot.try_borrow_mut().is_err() {
            self.contended.set(self.contended.get() + 1);
        }
        if self.env.limit.try_lock().is_err() {
            self.contended.set(self.contended.get() + 1);
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Writes a shape once and generates its twins: `plain` as written, `coop` under
/// `#[cooperative]`, and tests that they report the same, and that `coop` yields (`yields`) or
/// never does (`never_yields`) where the rules say so.
#[macro_export]
macro_rules! shape {
    ($name:ident, $expect:ident, async fn($env:ident) { $($body:tt)* }) => {
        #[doc = concat!("The `", stringify!($name), "` shape and its twins.")]
        pub mod $name {
            #[allow(unused_imports)]
            use $crate::support::{Env, Noisy};

            /// The shape as written.
            ///
            /// # Panics
            ///
            /// Where the shape does.
            pub async fn plain($env: &Env) -> u64 {
                let _ = $env;
                $($body)*
            }

            /// The same shape under `#[cooperative]`.
            ///
            /// # Panics
            ///
            /// Where the shape does.
            #[$crate::coop::cooperative(crate = $crate::coop)]
            pub async fn coop($env: &Env) -> u64 {
                let _ = $env;
                $($body)*
            }

            #[cfg(test)]
            #[test]
            fn same_report() {
                let (plain, _) = $crate::support::run(plain);
                let (coop, interleaving) = $crate::support::run(coop);
                assert_eq!(plain, coop, "{interleaving:?}");
                $crate::shape!(@expect $expect interleaving);
            }
        }
    };
    (@expect yields $interleaving:ident) => {
        assert!($interleaving.other_task_ran > 0, "the loop never yielded");
    };
    (@expect never_yields $interleaving:ident) => {
        assert_eq!($interleaving.other_task_ran, 0, "a loop yielded where it must not");
    };
}

/// Twins of an async fn with parameters, plain and under `#[unconstrained]`, called with the
/// same arguments and compared the same way. `-> Ret, |out| expr` names the return type and
/// turns the output into a number; it defaults to `u64`.
#[macro_export]
macro_rules! unconstrained_shape {
    ($name:ident, ($($params:tt)*), $args:tt, { $($body:tt)* }) => {
        $crate::unconstrained_shape!(
            $name, ($($params)*), $args, -> u64, |out| out, { $($body)* }
        );
    };
    (
        $name:ident, ($($params:tt)*), $args:tt, -> $ret:ty, |$out:ident| $number:expr,
        { $($body:tt)* }
    ) => {
        #[doc = concat!("The `", stringify!($name), "` shape and its twins.")]
        pub mod $name {
            #[allow(unused_imports)]
            use $crate::support::{Env, Noisy};
            #[allow(unused_imports)]
            use super::*;

            /// The shape as written.
            ///
            /// # Errors
            ///
            /// Where the shape does.
            ///
            /// # Panics
            ///
            /// Where the shape does.
            pub async fn plain($($params)*) -> $ret {
                $($body)*
            }

            /// The same shape under `#[unconstrained]`.
            ///
            /// # Errors
            ///
            /// Where the shape does.
            ///
            /// # Panics
            ///
            /// Where the shape does.
            #[$crate::coop::unconstrained(crate = $crate::coop)]
            pub async fn coop($($params)*) -> $ret {
                $($body)*
            }

            #[cfg(test)]
            #[test]
            fn same_report() {
                let (plain, _) = $crate::support::run(|_| async {
                    let $out = plain $args.await;
                    $number
                });
                let (coop, _) = $crate::support::run(|_| async {
                    let $out = coop $args.await;
                    $number
                });
                assert_eq!(plain, coop);
            }
        }
    };
}
