fn main() {
    let task = #[coop_core::cooperative]
    async {
        loop {}
    };
    drop(task);
}
