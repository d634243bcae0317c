use coop_core::cooperative;

#[cooperative(check, crate = "coop_core")]
async fn many(items: Vec<u32>) -> u32 {
    let mut total = 0;
    for x in &items {
        total += x;
    }
    // Awaits: accepted.
    for _ in 0..2 {
        coop_core::consume_budget().await;
    }
    // Opted out: accepted.
    #[unconstrained]
    loop {
        break;
    }
    let task = async {
        'spin: loop {
            break 'spin;
        }
    };
    task.await;
    while total > 100 {
        total -= 1;
    }
    total
}

fn main() {
    let _ = many;
}
