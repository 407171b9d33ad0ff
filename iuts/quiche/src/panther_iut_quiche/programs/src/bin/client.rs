fn main() {
    std::process::exit(panther_quiche::client::main());
}
