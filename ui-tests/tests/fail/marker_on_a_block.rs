use coop_core::cooperative;

#[cooperative]
async fn sum(items: &[u32]) -> u32 {
    let mut total = 0;
    #[coop_core::unconstrained]
    {
        for item in items {
            total += item;
        }
    }
    total
}

fn main() {
    let _ = sum;
}
