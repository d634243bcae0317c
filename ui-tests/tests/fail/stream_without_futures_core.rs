// `cooperative(stream)` needs coop-core's `futures-core` feature: the error says so at the call.

fn main() {
    let _ = coop_core::cooperative(futures::stream::iter(0..3));
}
