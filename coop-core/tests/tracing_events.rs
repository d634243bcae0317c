//! The `tracing` feature: one `trace` event per forced yield, naming the yield point's site.
#![cfg(feature = "tracing")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use coop_test_support::{forced_yields, on_fresh_thread, run_counting_yields, spend_units};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Counts the events of target `coop`, and keeps the site fields of the last one.
#[derive(Default)]
struct CountCoopEvents(AtomicUsize, Mutex<Vec<(String, String)>>);

/// Collects `site.*` fields as text.
struct SiteFields<'a>(&'a mut Vec<(String, String)>);

impl tracing::field::Visit for SiteFields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name().starts_with("site.") {
            self.0
                .push((field.name().to_string(), format!("{value:?}")));
        }
    }
}

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
            let mut fields = Vec::new();
            event.record(&mut SiteFields(&mut fields));
            *self.1.lock().unwrap() = fields;
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

#[coop_core::cooperative]
async fn hot_loop() {
    for _ in 0..200 {}
}

/// The line of `hot_loop`'s `for`, found in this file.
fn hot_loop_line() -> usize {
    let source = include_str!("tracing_events.rs");
    1 + source
        .lines()
        .position(|line| line.trim() == "for _ in 0..200 {}")
        .expect("hot_loop is in this file")
}

#[test]
fn the_event_names_the_site() {
    let fields = on_fresh_thread(|| {
        let subscriber = Arc::new(CountCoopEvents::default());
        tracing::subscriber::with_default(subscriber.clone(), || run_counting_yields(hot_loop()));
        subscriber.1.lock().unwrap().clone()
    });
    let expected = [
        ("site.file", format!("{:?}", file!())),
        ("site.line", hot_loop_line().to_string()),
        (
            "site.function",
            format!("{:?}", concat!(module_path!(), "::hot_loop")),
        ),
    ];
    let expected: Vec<_> = expected.map(|(k, v)| (k.to_string(), v)).into();
    assert_eq!(fields, expected);
}
