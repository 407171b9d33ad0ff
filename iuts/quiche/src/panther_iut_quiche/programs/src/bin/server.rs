fn main() {
    std::process::exit(panther_quiche::server::main());
}
