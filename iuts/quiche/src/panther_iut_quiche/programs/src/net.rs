//! The UDP socket both programs use, waiting on it, and stopping on a signal.
//!
//! One non-blocking socket per program; `wait_readable` sleeps in `ppoll` until a
//! datagram arrives, quiche's next timer fires or a signal comes. SIGTERM and SIGINT
//! set a flag instead of killing the process, so that a program stopped by the
//! harness still closes its connections and flushes its qlog files.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Largest UDP payload either program reads.
pub const MAX_DATAGRAM: usize = 65535;
/// Socket buffers asked for (the kernel caps them at net.core.[rw]mem_max): bulk
/// transfers lose fewer datagrams with room for a few congestion windows.
const SOCKET_BUFFER: libc::c_int = 8 << 20;
/// How often a blocked send is retried before the datagram is given up (QUIC resends it).
const SEND_ATTEMPTS: u32 = 50;

static TERMINATE: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    TERMINATE.store(true, Ordering::SeqCst);
}

/// SIGTERM and SIGINT ask the program to stop (see [`terminate_requested`]).
pub fn install_signal_handlers() {
    // SAFETY: a zeroed sigaction is valid; the handler only stores an atomic.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
        libc::sigemptyset(&mut action.sa_mask);
        // No SA_RESTART: the signal interrupts ppoll at once.
        action.sa_flags = 0;
        libc::sigaction(libc::SIGTERM, &action, std::ptr::null_mut());
        libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut());
    }
}

pub fn terminate_requested() -> bool {
    TERMINATE.load(Ordering::SeqCst)
}

/// A non-blocking UDP socket bound to `address`.
pub fn bind(address: SocketAddr) -> io::Result<UdpSocket> {
    let socket = UdpSocket::bind(address)?;
    socket.set_nonblocking(true)?;
    for option in [libc::SO_RCVBUF, libc::SO_SNDBUF] {
        // SAFETY: the option value is a c_int that lives across the call. A refusal
        // only means smaller buffers.
        unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                option,
                &SOCKET_BUFFER as *const libc::c_int as *const libc::c_void,
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }
    Ok(socket)
}

fn wait(socket: &UdpSocket, events: libc::c_short, timeout: Option<Duration>) -> bool {
    let mut descriptor = libc::pollfd {
        fd: socket.as_raw_fd(),
        events,
        revents: 0,
    };
    let limit = timeout.map(|t| libc::timespec {
        tv_sec: t.as_secs() as libc::time_t,
        tv_nsec: t.subsec_nanos() as libc::c_long,
    });
    let limit_ptr = limit
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: one valid pollfd, a timespec (or null) that outlives the call, no signal mask.
    let ready = unsafe { libc::ppoll(&mut descriptor, 1, limit_ptr, std::ptr::null()) };
    ready > 0 && descriptor.revents & events != 0
}

/// Sleeps until `socket` has a datagram, `timeout` passed (None: no limit) or a signal came.
pub fn wait_readable(socket: &UdpSocket, timeout: Option<Duration>) -> bool {
    wait(socket, libc::POLLIN, timeout)
}

/// Sends one datagram, waiting a little while the socket's buffer is full.
pub fn send_to(socket: &UdpSocket, datagram: &[u8], to: SocketAddr) -> io::Result<()> {
    for _ in 0..SEND_ATTEMPTS {
        match socket.send_to(datagram, to) {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                wait(socket, libc::POLLOUT, Some(Duration::from_millis(10)));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    log::debug!("send buffer full: a datagram to {to} was dropped");
    Ok(())
}

/// Random bytes from BoringSSL (connection IDs, keys).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    boring::rand::rand_bytes(&mut bytes).expect("BoringSSL's random generator failed");
    bytes
}
