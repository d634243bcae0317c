pub async fn run() {
    loop {}
}
