//! The report without a heap: `write_report` into a fixed buffer lists the `#[cooperative]`
//! loop of the `#![no_std]` library with its exact count of forced yields.

mod common;

use std::fmt::Write;
use std::pin::pin;
use std::sync::atomic::AtomicU32;
use std::task::{Context, Waker};

/// A fixed buffer, as a target without a heap has: writing past its end is an error.
struct Buffer {
    bytes: [u8; 1024],
    len: usize,
}

impl Write for Buffer {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[test]
fn write_report_lists_the_hot_loop_without_a_heap() {
    let _serial = common::serial();
    common::check_build();
    // 1000 rounds under 128 units a poll: 7 forced yields, all at the loop of `checksum`.
    let progress = AtomicU32::new(0);
    let block = [1u8; 16];
    let mut task = pin!(coop_core::budgeted(coop_embassy::checksum(
        &block, 1000, &progress
    )));
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 1;
    while task.as_mut().poll(&mut cx).is_pending() {
        polls += 1;
    }
    assert_eq!(polls, 8);

    let mut out = Buffer {
        bytes: [0; 1024],
        len: 0,
    };
    coop_core::write_report(&mut out, 5).unwrap();
    let report = std::str::from_utf8(&out.bytes[..out.len]).unwrap();
    let mut rows = report.lines();
    assert_eq!(
        rows.next(),
        Some("forced yields  by time slice  longest slice  yield point")
    );
    let row = rows.next().expect("one row");
    let fields: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&fields[..3], ["7", "0", "-"], "{report}");
    assert!(row.ends_with(" in coop_embassy::checksum"), "{report}");
    assert_eq!(rows.next(), None, "{report}");
}
