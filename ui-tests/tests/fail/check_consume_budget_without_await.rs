use coop_core::cooperative;

#[cooperative(check)]
async fn forgot_await(items: Vec<u32>) -> u32 {
    let mut total = 0;
    for item in items {
        let _ = coop_core::consume_budget();
        total += item;
    }
    total
}

fn main() {}
