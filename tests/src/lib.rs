//! coop on real executors: the integration tests in `tests/` (see CONTRIBUTING.md for which test
//! lives where). Everything they share (fresh threads, poll counters, the race pieces, the
//! executor matrix) is in `coop-test-support`; this library is empty.
