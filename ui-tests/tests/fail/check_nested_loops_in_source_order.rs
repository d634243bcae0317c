use coop_core::cooperative;

// Nested loops that never await: each is reported, in the order of the source (the outer loop
// first), as rustc orders its own errors.
#[cooperative(check)]
async fn scan(rows: Vec<Vec<u8>>) -> u32 {
    let mut total = 0;
    for row in rows {
        let mut i = 0;
        while i < row.len() {
            loop {
                total += u32::from(row[i]);
                break;
            }
            i += 1;
        }
    }
    total
}

fn main() {
    let _ = scan(Vec::new());
}
