use coop_core::cooperative;

struct Worker;

#[cooperative(check)]
impl Worker {
    async fn a(&self) {
        loop {}
    }

    fn sync(&self) {
        // Not async code: not checked.
        loop {}
    }

    async fn b(&self) {
        for _ in 0..3 {}
    }
}

fn main() {
    let _ = Worker.a();
    let _ = Worker.b();
    let _ = Worker::sync;
}
