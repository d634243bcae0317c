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

/// An executor, and how the scenario's tasks are put on it. All of them run every task on one
/// thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Executor {
    /// tokio's current-thread runtime, every task `tokio::spawn`ed.
    TokioCurrentThread,
    /// A tokio `LocalSet`, every task `spawn_local`ed.
    TokioLocalSet,
    /// tokio's multi-thread runtime with one worker, every task spawned onto it.
    TokioMultiThreadOneWorker,
    /// tokio's current-thread `block_on`: the first task is the root future (not a task), the
    /// others are spawned beside it.
    TokioBlockOn,
    /// smol's `LocalExecutor`, tasks spawned as they are: they share the thread's ambient budget.
    SmolLocalExecutor,
    /// smol's `LocalExecutor`, every task spawned as `coop_core::budgeted(task)`.
    SmolLocalExecutorBudgeted,
    /// smol's (multi-threaded) `Executor`, run by this thread alone, tasks as they are.
    SmolExecutor,
    /// smol's `Executor`, every task spawned as `coop_core::budgeted(task)`.
    SmolExecutorBudgeted,
    /// futures' `LocalPool`.
    FuturesLocalPool,
    /// futures' `block_on` of all the tasks joined into one future.
    FuturesBlockOn,
    /// A hand-written FIFO executor that wraps each task poll in `coop_core::budget`: the one
    /// line an executor author adds.
    HandWritten,
    /// The same hand-written executor without that line: tasks spend the ambient budget.
    HandWrittenNoScope,
}

impl Executor {
    /// Whether each poll of the `task`-th task of [`run`](Self::run) (from 0) starts with a full
    /// budget of its own. Otherwise the task spends the thread's ambient budget, which refills
    /// only at a forced yield and carries over between polls and tasks.
    ///
    /// On tokio that depends on coop-core's `tokio` feature (the bridge): with it, the ambient
    /// budget inside a task is tokio's, which tokio refills at each poll; `block_on`'s root
    /// future (task 0 of [`TokioBlockOn`](Self::TokioBlockOn)) is not a task and keeps coop's
    /// ambient budget. Cargo unifies features across a build, so this asks the build, not a
    /// feature flag.
    pub fn fresh_budget_per_poll(self, task: usize) -> bool {
        match self {
            Executor::TokioBlockOn if task == 0 => false,
            Executor::TokioCurrentThread
            | Executor::TokioLocalSet
            | Executor::TokioMultiThreadOneWorker
            | Executor::TokioBlockOn => tokio_bridge_is_on(),
            Executor::SmolLocalExecutorBudgeted
            | Executor::SmolExecutorBudgeted
            | Executor::HandWritten => true,
            Executor::SmolLocalExecutor
            | Executor::SmolExecutor
            | Executor::FuturesLocalPool
            | Executor::FuturesBlockOn
            | Executor::HandWrittenNoScope => false,
        }
    }

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

    fn run_here(self, tasks: Vec<Task>) {
        match self {
            Executor::TokioCurrentThread => {
                current_thread().block_on(async {
                    let handles: Vec<_> = tasks.into_iter().map(tokio::spawn).collect();
                    for handle in handles {
                        handle.await.unwrap();
                    }
                });
            }
            Executor::TokioMultiThreadOneWorker => {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .build()
                    .unwrap();
                // Spawned from a task on the worker, so that every task lands in the worker's
                // own queue: spawned from this thread, a task can miss the worker's first look
                // at the shared queue and wait there for dozens of polls of the others.
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
            Executor::TokioLocalSet => {
                let local = tokio::task::LocalSet::new();
                current_thread().block_on(local.run_until(async {
                    let handles: Vec<_> = tasks.into_iter().map(tokio::task::spawn_local).collect();
                    for handle in handles {
                        handle.await.unwrap();
                    }
                }));
            }
            Executor::TokioBlockOn => {
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
            Executor::SmolLocalExecutor | Executor::SmolLocalExecutorBudgeted => {
                let ex = smol::LocalExecutor::new();
                let handles: Vec<_> = tasks
                    .into_iter()
                    .map(|task| self.smol_task(task))
                    .map(|task| ex.spawn(task))
                    .collect();
                smol::block_on(ex.run(futures::future::join_all(handles)));
            }
            Executor::SmolExecutor | Executor::SmolExecutorBudgeted => {
                let ex = smol::Executor::new();
                let handles: Vec<_> = tasks
                    .into_iter()
                    .map(|task| self.smol_task(task))
                    .map(|task| ex.spawn(task))
                    .collect();
                smol::block_on(ex.run(futures::future::join_all(handles)));
            }
            Executor::FuturesLocalPool => {
                let mut pool = futures::executor::LocalPool::new();
                let spawner = pool.spawner();
                let handles: Vec<_> = tasks
                    .into_iter()
                    .map(|task| spawner.spawn_local_with_handle(task).unwrap())
                    .collect();
                pool.run_until(futures::future::join_all(handles));
            }
            Executor::FuturesBlockOn => {
                futures::executor::block_on(futures::future::join_all(tasks));
            }
            Executor::HandWritten => HandWritten::new(true).run(tasks),
            Executor::HandWrittenNoScope => HandWritten::new(false).run(tasks),
        }
    }

    /// `task` as this smol flavour spawns it.
    fn smol_task(self, task: Task) -> Task {
        match self {
            Executor::SmolLocalExecutorBudgeted | Executor::SmolExecutorBudgeted => {
                Box::pin(budgeted(task))
            }
            _ => task,
        }
    }
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
    (@each $tests:tt; $($module:ident = $variant:ident,)*) => {
        $(
            mod $module {
                #[allow(unused_imports)]
                use super::*;

                const EXECUTOR: $crate::Executor = $crate::Executor::$variant;

                $crate::executor_matrix!(@tests $tests);
            }
        )*
    };
    (@tests { $($tests:tt)* }) => { $($tests)* };
    ($($tests:tt)*) => {
        $crate::executor_matrix!(@each { $($tests)* };
            tokio_current_thread = TokioCurrentThread,
            tokio_local_set = TokioLocalSet,
            tokio_multi_thread_one_worker = TokioMultiThreadOneWorker,
            tokio_block_on = TokioBlockOn,
            smol_local_executor = SmolLocalExecutor,
            smol_local_executor_budgeted = SmolLocalExecutorBudgeted,
            smol_executor = SmolExecutor,
            smol_executor_budgeted = SmolExecutorBudgeted,
            futures_local_pool = FuturesLocalPool,
            futures_block_on = FuturesBlockOn,
            hand_written = HandWritten,
            hand_written_no_scope = HandWrittenNoScope,
        );
    };
}
