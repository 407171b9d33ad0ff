//! PANTHER's interop client and server for quiche (`panther-quiche-client`,
//! `panther-quiche-server`): HTTP/0.9 (ALPN hq-interop) and HTTP/3 (ALPN h3) over
//! the quiche crate, with the options the QUIC interop test cases need.

pub mod cli;
pub mod client;
pub mod files;
pub mod net;
pub mod server;
pub mod tls;
pub mod transport;

use cli::Exit;

/// Runs a program's `body` with logging (RUST_LOG, default info) and signal handling;
/// the exit code, with the reason printed when it is not 0.
pub fn run(program: &str, body: fn() -> Result<(), Exit>) -> i32 {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    net::install_signal_handlers();
    match body() {
        Ok(()) => 0,
        Err(exit) => {
            if exit.code == 0 {
                println!("{}", exit.message);
            } else {
                eprintln!("{program}: {}", exit.message);
            }
            exit.code
        }
    }
}
