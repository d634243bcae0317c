use coop_core::cooperative;

#[cooperative(check)]
async fn sum(items: &[u32]) -> u32 {
    let mut total = 0;
    for x in items {
        total += x;
    }
    total
}

fn main() {
    let _ = sum;
}
