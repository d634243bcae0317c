//! The `tracing` feature: one `trace` event per forced yield.
#![cfg(feature = "tracing")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use coop_test_support::{forced_yields, on_fresh_thread, run_counting_yields, spend_units};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Counts the events of target `coop`.
#[derive(Default)]
struct CountCoopEvents(AtomicUsize);

impl Subscriber for CountCoopEvents {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        if event.metadata().target() == "coop" {
            assert_eq!(*event.metadata().level(), tracing::Level::TRACE);
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn one_trace_event_per_forced_yield() {
    let (yields, events) = on_fresh_thread(|| {
        let subscriber = Arc::new(CountCoopEvents::default());
        let yields = tracing::subscriber::with_default(subscriber.clone(), || {
            run_counting_yields(spend_units(1000)).1
        });
        (yields, subscriber.0.load(Ordering::SeqCst))
    });
    assert_eq!((yields, events), (forced_yields(1000), 7));
}
