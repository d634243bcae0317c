//! Every executor the integration tests run on, behind one call, and the macro that runs each
//! scenario on all of them (tokio's `rt_test!` in `tokio/tests/rt_common.rs`, for executors).
//!
//! A scenario is a few tasks spawned in order on one thread. [`Executor::run`] runs them to the
//! end on a fresh thread, so the ambient budget starts full and exact counts hold.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Wake, Waker};

use coop_core::{DEFAULT_BUDGET, budgeted};
use futures::task::LocalSpawnExt;

use crate::cap::SPIN_CAP;
use crate::poll::on_fresh_thread;

/// A task of a scenario: any `Send` future with no output (results go through shared state).
pub type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The executor table: one row per executor, and nothing else names them all. A row is the
/// variant's docs, its name, the module [`executor_matrix!`](crate::executor_matrix) generates
/// for it, whether each poll of a task starts with a full budget of its own (see
/// [`Executor::fresh_budget_per_poll`]), and the fn that runs a scenario on it. Adding an
/// executor to the matrix is one row here (and its run fn below).
///
/// It hands the rows to `$callback`, a macro of the same row grammar: `define_executor` builds
/// [`Executor`] from them, `__executor_modules` the matrix's modules.
#[doc(hidden)]
#[macro_export]
macro_rules! __executor_table {
    (($($callback:tt)*) $args:tt) => {
        $($callback)*! { $args
            /// tokio's current-thread runtime, every task `tokio::spawn`ed.
            TokioCurrentThread => tokio_current_thread { budget: tokio_task, run: run_tokio_current_thread },
            /// A tokio `LocalSet`, every task `spawn_local`ed.
            TokioLocalSet => tokio_local_set { budget: tokio_task, run: run_tokio_local_set },
            /// tokio's multi-thread runtime with one worker, every task spawned onto it.
            TokioMultiThreadOneWorker => tokio_multi_thread_one_worker { budget: tokio_task, run: run_tokio_multi_thread_one_worker },
            /// tokio's current-thread `block_on`: the first task is the root future (not a task),
            /// the others are spawned beside it.
            TokioBlockOn => tokio_block_on { budget: tokio_root_then_tasks, run: run_tokio_block_on },
            /// smol's `LocalExecutor`, tasks spawned as they are: they share the thread's ambient
            /// budget.
            SmolLocalExecutor => smol_local_executor { budget: ambient, run: run_smol_local_executor },
            /// smol's `LocalExecutor`, every task spawned as `coop_core::budgeted(task)`.
            SmolLocalExecutorBudgeted => smol_local_executor_budgeted { budget: fresh_per_poll, run: run_smol_local_executor_budgeted },
            /// smol's (multi-threaded) `Executor`, run by this thread alone, tasks as they are.
            SmolExecutor => smol_executor { budget: ambient, run: run_smol_executor },
            /// smol's `Executor`, every task spawned as `coop_core::budgeted(task)`.
            SmolExecutorBudgeted => smol_executor_budgeted { budget: fresh_per_poll, run: run_smol_executor_budgeted },
            /// futures' `LocalPool`.
            FuturesLocalPool => futures_local_pool { budget: ambient, run: run_futures_local_pool },
            /// futures' `block_on` of all the tasks joined into one future.
            FuturesBlockOn => futures_block_on { budget: ambient, run: run_futures_block_on },
            /// A hand-written FIFO executor that wraps each task poll in `coop_core::budget`: the
            /// one line an executor author adds.
            HandWritten => hand_written { budget: fresh_per_poll, run: run_hand_written },
            /// The same hand-written executor without that line: tasks spend the ambient budget.
            HandWrittenNoScope => hand_written_no_scope { budget: ambient, run: run_hand_written_no_scope },
        }
    };
}

/// Builds [`Executor`] from the table's rows.
macro_rules! define_executor {
    ({} $(
        $(#[$doc:meta])*
        $variant:ident => $module:ident { budget: $budget:ident, run: $run:ident },
    )*) => {
        /// An executor, and how the scenario's tasks are put on it. All of them run every task
        /// on one thread.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Executor {
            $($(#[$doc])* $variant,)*
        }

        impl Executor {
            /// Every executor of the matrix, in the table's order.
            ///
            /// ```
            /// use coop_test_support::Executor;
            ///
            /// assert!(Executor::ALL.contains(&Executor::HandWritten));
            /// ```
            pub const ALL: &[Executor] = &[$(Executor::$variant,)*];

            /// Whether each poll of the `task`-th task of [`run`](Self::run) (from 0) starts with
            /// a full budget of its own. Otherwise the task spends the thread's ambient budget,
            /// which refills only at a forced yield and carries over between polls and tasks.
            ///
            /// On tokio that depends on coop-core's `tokio` feature (the bridge): with it, the
            /// ambient budget inside a task is tokio's, which tokio refills at each poll;
            /// `block_on`'s root future (task 0 of [`TokioBlockOn`](Self::TokioBlockOn)) is not
            /// a task and keeps coop's ambient budget. Cargo unifies features across a build, so
            /// this asks the build, not a feature flag.
            pub fn fresh_budget_per_poll(self, task: usize) -> bool {
                match self {
                    $(Executor::$variant => $budget(task),)*
                }
            }

            /// The module [`executor_matrix!`](crate::executor_matrix) generates for this executor.
            ///
            /// ```
            /// use coop_test_support::Executor;
            ///
            /// assert_eq!(Executor::TokioLocalSet.module_name(), "tokio_local_set");
            /// ```
            pub fn module_name(self) -> &'static str {
                match self {
                    $(Executor::$variant => stringify!($module),)*
                }
            }

            fn run_here(self, tasks: Vec<Task>) {
                match self {
                    $(Executor::$variant => $run(tasks),)*
                }
            }
        }
    };
}

__executor_table!((define_executor) {});

impl Executor {
    /// Spawns `tasks` in order on a new executor of this kind, on a fresh thread, and runs
    /// until every one has completed.
    pub fn run(self, tasks: Vec<Task>) {
        on_fresh_thread(|| self.run_here(tasks));
    }

    /// Runs `hot` and then `other` as two tasks (see [`run`](Self::run)); returns `hot`'s
    /// output.
    pub fn race<T: Send + 'static>(
        self,
        hot: impl Future<Output = T> + Send + 'static,
        other: impl Future<Output = ()> + Send + 'static,
    ) -> T {
        let slot = Arc::new(Mutex::new(None));
        let out = slot.clone();
        self.run(vec![
            Box::pin(async move {
                let value = hot.await;
                *out.lock().unwrap() = Some(value);
            }),
            Box::pin(other),
        ]);
        let value = slot.lock().unwrap().take();
        value.expect("the hot task completed")
    }
}

// The table's `budget` column: whether the `task`-th task's polls each start with a full budget
// of their own.

/// Every poll runs in a budget scope of its own.
fn fresh_per_poll(_task: usize) -> bool {
    true
}

/// Tasks spend the thread's ambient budget.
fn ambient(_task: usize) -> bool {
    false
}

/// A tokio task: tokio's budget, which is coop's only with the bridge on.
fn tokio_task(_task: usize) -> bool {
    tokio_bridge_is_on()
}

/// `block_on`'s root future (task 0) is no task: coop's ambient budget.
fn tokio_root_then_tasks(task: usize) -> bool {
    task != 0 && tokio_bridge_is_on()
}

// The table's `run` column: each runs a scenario's tasks to their end on this thread.

fn run_tokio_current_thread(tasks: Vec<Task>) {
    current_thread().block_on(async {
        let handles: Vec<_> = tasks.into_iter().map(tokio::spawn).collect();
        for handle in handles {
            handle.await.unwrap();
        }
    });
}

fn run_tokio_multi_thread_one_worker(tasks: Vec<Task>) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    // Spawned from a task on the worker, so that every task lands in the worker's own queue:
    // spawned from this thread, a task can miss the worker's first look at the shared queue and
    // wait there for dozens of polls of the others.
    rt.block_on(async {
        tokio::spawn(async {
            let handles: Vec<_> = tasks.into_iter().map(tokio::spawn).collect();
            for handle in handles {
                handle.await.unwrap();
            }
        })
        .await
        .unwrap();
    });
}

fn run_tokio_local_set(tasks: Vec<Task>) {
    let local = tokio::task::LocalSet::new();
    current_thread().block_on(local.run_until(async {
        let handles: Vec<_> = tasks.into_iter().map(tokio::task::spawn_local).collect();
        for handle in handles {
            handle.await.unwrap();
        }
    }));
}

fn run_tokio_block_on(tasks: Vec<Task>) {
    let mut tasks = tasks.into_iter();
    let root = tasks.next().expect("a scenario has a task");
    current_thread().block_on(async {
        let handles: Vec<_> = tasks.map(tokio::spawn).collect();
        root.await;
        for handle in handles {
            handle.await.unwrap();
        }
    });
}

fn run_smol_local_executor(tasks: Vec<Task>) {
    let ex = smol::LocalExecutor::new();
    let handles: Vec<_> = tasks.into_iter().map(|task| ex.spawn(task)).collect();
    smol::block_on(ex.run(futures::future::join_all(handles)));
}

fn run_smol_local_executor_budgeted(tasks: Vec<Task>) {
    run_smol_local_executor(each_budgeted(tasks));
}

fn run_smol_executor(tasks: Vec<Task>) {
    let ex = smol::Executor::new();
    let handles: Vec<_> = tasks.into_iter().map(|task| ex.spawn(task)).collect();
    smol::block_on(ex.run(futures::future::join_all(handles)));
}

fn run_smol_executor_budgeted(tasks: Vec<Task>) {
    run_smol_executor(each_budgeted(tasks));
}

fn run_futures_local_pool(tasks: Vec<Task>) {
    let mut pool = futures::executor::LocalPool::new();
    let spawner = pool.spawner();
    let handles: Vec<_> = tasks
        .into_iter()
        .map(|task| spawner.spawn_local_with_handle(task).unwrap())
        .collect();
    pool.run_until(futures::future::join_all(handles));
}

fn run_futures_block_on(tasks: Vec<Task>) {
    futures::executor::block_on(futures::future::join_all(tasks));
}

fn run_hand_written(tasks: Vec<Task>) {
    HandWritten::new(true).run(tasks);
}

fn run_hand_written_no_scope(tasks: Vec<Task>) {
    HandWritten::new(false).run(tasks);
}

/// Every task wrapped in `coop_core::budgeted`, as a user spawns them on smol.
fn each_budgeted(tasks: Vec<Task>) -> Vec<Task> {
    tasks
        .into_iter()
        .map(|task| -> Task { Box::pin(budgeted(task)) })
        .collect()
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// Whether coop-core's tokio bridge is on in this build, whatever any package's features say:
/// Cargo unifies features, so another package in the same build can switch it on. Inside a
/// task, with the bridge on, spending tokio's budget spends coop's. Asked once per process.
pub fn tokio_bridge_is_on() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        on_fresh_thread(|| {
            current_thread().block_on(async {
                tokio::spawn(async {
                    for _ in 0..DEFAULT_BUDGET {
                        tokio::task::coop::consume_budget().await;
                    }
                    !coop_core::has_budget_remaining()
                })
                .await
                .unwrap()
            })
        })
    })
}

/// A spawned task of [`HandWritten`]: its future (gone once complete) and the queue its waker
/// pushes it onto.
struct HandWrittenTask {
    future: Mutex<Option<Task>>,
    queued: AtomicBool,
    queue: Arc<Mutex<VecDeque<Arc<HandWrittenTask>>>>,
}

impl Wake for HandWrittenTask {
    fn wake(self: Arc<Self>) {
        if !self.queued.swap(true, Ordering::SeqCst) {
            let queue = self.queue.clone();
            queue.lock().unwrap().push_back(self);
        }
    }
}

/// A FIFO, single-threaded executor of a few dozen lines: what an executor author writes.
struct HandWritten {
    queue: Arc<Mutex<VecDeque<Arc<HandWrittenTask>>>>,
    /// Whether each poll runs under `coop_core::budget`.
    budget_per_poll: bool,
}

impl HandWritten {
    fn new(budget_per_poll: bool) -> Self {
        HandWritten {
            queue: Arc::default(),
            budget_per_poll,
        }
    }

    /// Queues every task, then polls queued tasks until none is left, at most [`SPIN_CAP`]
    /// polls in all.
    fn run(&self, tasks: Vec<Task>) {
        for task in tasks {
            self.queue
                .lock()
                .unwrap()
                .push_back(Arc::new(HandWrittenTask {
                    future: Mutex::new(Some(task)),
                    queued: AtomicBool::new(true),
                    queue: self.queue.clone(),
                }));
        }
        for _ in 0..SPIN_CAP {
            let Some(task) = self.queue.lock().unwrap().pop_front() else {
                return;
            };
            task.queued.store(false, Ordering::SeqCst);
            let waker = Waker::from(task.clone());
            let mut cx = Context::from_waker(&waker);
            let mut slot = task.future.lock().unwrap();
            let Some(future) = slot.as_mut() else {
                continue; // woken after it completed
            };
            let poll = if self.budget_per_poll {
                coop_core::budget(|| future.as_mut().poll(&mut cx))
            } else {
                future.as_mut().poll(&mut cx)
            };
            if poll.is_ready() {
                *slot = None;
            }
        }
        panic!("livelock: {SPIN_CAP} polls and tasks still queued");
    }
}

/// Writes each test once and runs it on every [`Executor`]: one module per executor, named
/// after it (`tokio_local_set`, `hand_written`, …), each holding every item given, with
/// `EXECUTOR` set to that executor. Give it `#[test]` fns; here, plain fns to call:
///
/// ```
/// use coop_test_support::{
///     FAIR_SPINS, Race, executor_matrix, set_flag_once_hot, spin_until_flag,
/// };
///
/// executor_matrix! {
///     pub fn spins() -> u64 {
///         let race = Race::new();
///         EXECUTOR.race(spin_until_flag(race.clone()), set_flag_once_hot(race))
///     }
/// }
///
/// fn main() {
///     assert_eq!(tokio_local_set::spins(), FAIR_SPINS);
///     assert_eq!(smol_executor::spins(), FAIR_SPINS);
///     assert_eq!(hand_written::spins(), FAIR_SPINS);
/// }
/// ```
#[macro_export]
macro_rules! executor_matrix {
    ($($tests:tt)*) => {
        $crate::__executor_table!(($crate::__executor_modules) { $($tests)* });
    };
}

/// One module per row of the executor table, each holding the matrix's items.
#[doc(hidden)]
#[macro_export]
macro_rules! __executor_modules {
    (@items { $($tests:tt)* }) => { $($tests)* };
    ($tests:tt $(
        $(#[$doc:meta])*
        $variant:ident => $module:ident { $($column:tt)* },
    )*) => {
        $(
            mod $module {
                #[allow(unused_imports)]
                use super::*;

                const EXECUTOR: $crate::Executor = $crate::Executor::$variant;

                $crate::__executor_modules!(@items $tests);
            }
        )*
    };
}
