//! What the hostile reviews' schedules share: a lock for their process-wide counts, a
//! timeout, per-poll logs, and (with the `tokio` feature) tokio's side of the budget.
#![allow(
    dead_code,
    reason = "each review file uses its own part of these helpers"
)]

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The default budget, as the reviews count it.
pub(crate) const B: u64 = coop_core::DEFAULT_BUDGET as u64;

static SERIAL: Mutex<()> = Mutex::new(());

/// Serializes a file's tests: forced-yield counts, sites and the default budget are
/// process-wide.
pub(crate) fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` on a fresh thread; panics if it does not finish within `secs` (a hang).
pub(crate) fn timed<R: Send + 'static>(secs: u64, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(catch_unwind(AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(Ok(r)) => r,
        Ok(Err(p)) => resume_unwind(p),
        Err(_) => panic!("hung: not finished within {secs} s"),
    }
}

/// Iterations per poll a loop of `k` iterations should run under a budget of `per`.
pub(crate) fn expected_per_poll(k: u64, per: u64) -> Vec<u64> {
    if k == 0 {
        return vec![0];
    }
    let y = (k - 1) / per;
    let mut v = vec![per; y as usize];
    v.push(k - per * y);
    v
}

/// The steps between cumulative counts: what each poll added.
pub(crate) fn diffs(cumulative: &[u64]) -> Vec<u64> {
    let mut prev = 0;
    cumulative
        .iter()
        .map(|&c| {
            let d = c - prev;
            prev = c;
            d
        })
        .collect()
}

/// Wraps `fut`: after each of its polls, pushes `snap()` onto `log`.
pub(crate) fn logged<F: Future, T>(
    fut: F,
    mut snap: impl FnMut() -> T,
    log: Arc<Mutex<Vec<T>>>,
) -> impl Future<Output = F::Output> {
    let mut fut = Box::pin(fut);
    std::future::poll_fn(move |cx| {
        let r = fut.as_mut().poll(cx);
        log.lock().unwrap().push(snap());
        r
    })
}

/// Fails with every collected failure, one per line.
pub(crate) fn check(failures: Vec<String>) {
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// What is left of tokio's budget in this task poll (spends it: call last).
#[cfg(feature = "tokio")]
pub(crate) fn tokio_units_left() -> u64 {
    use std::task::{Context, Poll, Waker};
    let mut cx = Context::from_waker(Waker::noop());
    let mut n = 0;
    while let Poll::Ready(unit) = tokio::task::coop::poll_proceed(&mut cx) {
        unit.made_progress();
        n += 1;
        if n > 100_000 {
            break;
        }
    }
    n
}

/// A current-thread runtime with its drivers, as `#[tokio::main]` builds it.
#[cfg(feature = "tokio")]
pub(crate) fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A multi-thread runtime of `workers` workers, with its drivers.
#[cfg(feature = "tokio")]
pub(crate) fn multi_thread(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

/// [128, 128, 128, 5] as "128x3,5".
pub(crate) fn compress(v: &[u64]) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j < v.len() && v[j] == v[i] {
            j += 1;
        }
        out.push(if j - i > 1 {
            format!("{}x{}", v[i], j - i)
        } else {
            v[i].to_string()
        });
        i = j;
    }
    out.join(",")
}

#[cfg(all(feature = "tokio", unix))]
#[allow(unused_imports, reason = "only the driver-pace reviews use the probe")]
pub(crate) use probing::probe;

/// The probe of the driver-pace reviews.
#[cfg(all(feature = "tokio", unix))]
mod probing {
    use std::io::{ErrorKind, Write};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use coop_test_support::manual_time;

    /// A task that sees every driver turn it can (feature `tokio`, Unix): it makes its socket readable, waits for the
    /// driver to report it, stamps coop's clock (this thread's manual reading), and again.
    pub(crate) async fn probe(stamps: Arc<Mutex<Vec<Duration>>>, stop: Arc<AtomicBool>) {
        let (theirs, mut ours) = std::os::unix::net::UnixStream::pair().unwrap();
        theirs.set_nonblocking(true).unwrap();
        let stream = tokio::net::UnixStream::from_std(theirs).unwrap();
        ours.write_all(b"x").unwrap();
        loop {
            stream.readable().await.unwrap();
            let mut got = false;
            let mut buf = [0u8; 64];
            loop {
                match stream.try_read(&mut buf) {
                    Ok(0) => panic!("closed"),
                    Ok(_) => got = true,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => panic!("{e}"),
                }
            }
            if !got {
                continue;
            }
            stamps.lock().unwrap().push(manual_time());
            if stop.load(Ordering::SeqCst) {
                break;
            }
            ours.write_all(b"x").unwrap();
        }
    }
}
