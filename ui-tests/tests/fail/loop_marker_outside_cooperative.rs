async fn not_annotated() {
    #[coop_core::unconstrained]
    for _ in 0..3 {}
}

fn main() {
    let _ = not_annotated;
}
