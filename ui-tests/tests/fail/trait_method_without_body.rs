use coop_core::cooperative;

trait Source {
    #[cooperative]
    async fn next(&mut self) -> Option<u32>;
}

fn main() {}
