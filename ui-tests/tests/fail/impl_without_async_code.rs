use coop_core::cooperative;

struct S;

#[cooperative]
impl S {
    fn sync(&self) {}
}

fn main() {
    S.sync();
}
