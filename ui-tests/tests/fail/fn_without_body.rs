use coop_core::cooperative;

#[cooperative]
pub async fn declared();

fn main() {}
