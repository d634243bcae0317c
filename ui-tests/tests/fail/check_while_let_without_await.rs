use coop_core::cooperative;

#[cooperative(check)]
async fn drain(mut items: Vec<u32>) -> u32 {
    let mut total = 0;
    while let Some(x) = items.pop() {
        total += x;
    }
    total
}

fn main() {
    let _ = drain;
}
