//! `panther-quiche-client`: downloads URLs from one server over HTTP/0.9 (ALPN
//! hq-interop) or HTTP/3 (ALPN h3) and stores each response in a folder.
//!
//! With `--resumption` it makes two connections, the second resuming the first's TLS
//! session (the first fetches the first URL, the second the rest); with
//! `--early-data` a resumed connection sends its requests as 0-RTT data. It judges
//! nothing about itself: it stores the bytes that arrived, logs what it saw, and
//! exits with 1 when a connection or a response failed, 127 when asked for
//! something quiche cannot do. The harness checks the files, captures and qlogs.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use quiche::h3::NameValue;
use quiche::ConnectionId;

use crate::cli::{Args, Exit};
use crate::files::download_name;
use crate::net;
use crate::tls::{self, Verification};
use crate::transport::{self, Evidence, Transport, H3};

const USAGE: &str = "\
usage: panther-quiche-client [options] URL...

  URL...                   https://HOST:PORT/PATH, all on one server
  --download-dir DIR       store each response as DIR/<last segment of its path>
  --alpn NAME              hq-interop (default) or h3
  --version HEX            the QUIC version to use (default: 00000001)
  --ca-file FILE           verify the server against this CA (default: the system's)
  --no-verify              do not verify the server's certificate
  --server-name NAME       name to send (SNI) and verify (default: the URL's host name)
  --session-file FILE      resume the TLS session kept in FILE; keep the last one there
  --resumption             two connections: the first fetches the first URL, the
                           second resumes its session and fetches the rest
  --early-data             a resumed connection sends its requests as 0-RTT data
  --handshake-timeout MS   give up on a handshake after MS milliseconds (default: 10000)
  --max-streams-bidi N     streams the server may open (default: 100)
  --idle-timeout MS        idle timeout in milliseconds (default: 30000)
  --cc NAME                congestion control: reno, cubic, bbr2_gcongestion
  --keylog-file FILE       TLS key log, NSS format (default: $SSLKEYLOGFILE)
  --qlog-dir DIR           one qlog file per connection (default: $QLOGDIR)

RUST_LOG sets the log level (default: info). Exit code: 0 when every response
arrived whole, 1 when one did not, 2 for a wrong command line, 127 for something
quiche cannot do.";

const OPTIONS: &[&str] = &[
    "download-dir",
    "version",
    "ca-file",
    "server-name",
    "session-file",
];
const FLAGS: &[&str] = &["no-verify", "resumption", "early-data"];
/// How long a finished connection waits for the server's session ticket when a
/// later connection (or the session file) needs it.
const TICKET_WAIT: Duration = Duration::from_secs(1);
/// How often a connection waiting on a deadline of its own looks at the clock.
const RECHECK: Duration = Duration::from_millis(50);

/// Runs the client; the exit code.
pub fn main() -> i32 {
    crate::run("panther-quiche-client", run)
}

/// Where the URLs point: one server.
struct Target {
    host: String,
    port: u16,
    paths: Vec<String>,
}

fn parse_url(url: &str) -> Result<(String, u16, String), Exit> {
    let wrong = || Exit::usage(format!("{url:?} is not an https://HOST:PORT/PATH URL"));
    let rest = url.strip_prefix("https://").ok_or_else(wrong)?;
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']').ok_or_else(wrong)?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(text) => text.parse().map_err(|_| wrong())?,
        None => 443,
    };
    if host.is_empty() {
        return Err(wrong());
    }
    Ok((host.to_string(), port, path.to_string()))
}

fn target(urls: &[String]) -> Result<Target, Exit> {
    let mut target: Option<Target> = None;
    for url in urls {
        let (host, port, path) = parse_url(url)?;
        match &mut target {
            None => {
                target = Some(Target {
                    host,
                    port,
                    paths: vec![path],
                })
            }
            Some(t) if t.host == host && t.port == port => t.paths.push(path),
            Some(t) => {
                return Err(Exit::usage(format!(
                    "{url} is not on {}:{}: all URLs must be on the one server",
                    t.host, t.port
                )))
            }
        }
    }
    target.ok_or_else(|| Exit::usage(format!("no URL to fetch\n\n{USAGE}")))
}

fn run() -> Result<(), Exit> {
    let options: Vec<&str> = OPTIONS.iter().chain(transport::OPTIONS).copied().collect();
    let args = Args::parse(std::env::args().skip(1), &options, FLAGS, USAGE)?;
    let target = target(&args.positional)?;
    let transport = Transport::from_args(&args, "hq-interop", args.flag("early-data"))?;
    let [alpn] = transport.alpns.as_slice() else {
        return Err(Exit::usage(
            "a client offers one ALPN (--alpn hq-interop or --alpn h3)",
        ));
    };
    let alpn = alpn.clone();
    let version = transport::parse_version(args.value("version").unwrap_or("00000001"))?;
    let evidence = Evidence::from_args(&args, "client")?;

    let address: Option<IpAddr> = target.host.parse().ok();
    let peer = match address {
        Some(ip) => SocketAddr::new(ip, target.port),
        None => (target.host.as_str(), target.port)
            .to_socket_addrs()
            .map_err(|e| Exit::failure(format!("cannot resolve {}: {e}", target.host)))?
            .next()
            .ok_or_else(|| Exit::failure(format!("{} has no address", target.host)))?,
    };
    let server_name = args
        .value("server-name")
        .map(str::to_string)
        .or_else(|| address.is_none().then(|| target.host.clone()));
    let verification = if args.flag("no-verify") {
        Verification::Off
    } else {
        Verification::Peer {
            ca_file: args.value("ca-file").map(str::to_string),
            // A name given with --server-name is what gets verified; else the address.
            address: if args.value("server-name").is_some() {
                None
            } else {
                address
            },
        }
    };
    let mut config =
        quiche::Config::with_boring_ssl_ctx_builder(version, tls::client_context(&verification)?)
            .map_err(|e| Exit::failure(format!("quiche: {e}")))?;
    transport.apply(&mut config)?;
    if evidence.logs_keys() {
        config.log_keys();
    }

    let download_dir = args.value("download-dir").map(PathBuf::from);
    if let Some(dir) = &download_dir {
        std::fs::create_dir_all(dir).map_err(|e| {
            Exit::usage(format!(
                "cannot create the download folder {}: {e}",
                dir.display()
            ))
        })?;
    }
    let session_file = args.value("session-file").map(PathBuf::from);
    let mut session = match &session_file {
        Some(path) if path.exists() => Some(std::fs::read(path).map_err(|e| {
            Exit::usage(format!(
                "cannot read the session file {}: {e}",
                path.display()
            ))
        })?),
        _ => None,
    };
    let bind: SocketAddr = if peer.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    }
    .parse()
    .expect("an address");
    let socket =
        net::bind(bind).map_err(|e| Exit::failure(format!("cannot open a UDP socket: {e}")))?;
    let local = socket
        .local_addr()
        .map_err(|e| Exit::failure(e.to_string()))?;

    // Which paths each connection fetches.
    let resumption = args.flag("resumption");
    let plan: Vec<Vec<String>> = if resumption {
        let first = target.paths[..1].to_vec();
        let rest = if target.paths.len() > 1 {
            target.paths[1..].to_vec()
        } else {
            first.clone()
        };
        vec![first, rest]
    } else {
        vec![target.paths.clone()]
    };
    let mut session_wanted = session_file.is_some() || resumption;
    let mut failures = Vec::new();
    for (index, paths) in plan.iter().enumerate() {
        let last = index + 1 == plan.len();
        let mut connection = Connection {
            socket: &socket,
            local,
            peer,
            alpn: alpn.clone(),
            evidence: &evidence,
            download_dir: download_dir.as_deref(),
            early_data: transport.early_data,
            handshake_timeout: transport.handshake_timeout,
            wait_for_ticket: session_wanted && (!last || session_file.is_some()),
            requests: paths.iter().map(|p| Request::new(p)).collect(),
            next_stream: 0,
        };
        let outcome = connection.run(
            &mut config,
            server_name.as_deref(),
            session.as_deref(),
            &target,
        )?;
        log::info!("connection {}: {}", index + 1, outcome.summary);
        if let Some(new_session) = outcome.session {
            session = Some(new_session);
        }
        failures.extend(outcome.failures);
        if net::terminate_requested() {
            failures.push("stopped by a signal".to_string());
            break;
        }
        session_wanted = session_wanted && !last;
    }
    if let (Some(path), Some(session)) = (&session_file, &session) {
        std::fs::write(path, session).map_err(|e| {
            Exit::failure(format!(
                "cannot write the session file {}: {e}",
                path.display()
            ))
        })?;
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Exit::failure(failures.join("; ")))
    }
}

#[derive(PartialEq, Eq)]
enum State {
    Waiting,
    Sent,
    Done,
    Failed,
}

/// One URL path to fetch on a connection.
struct Request {
    path: String,
    stream: Option<u64>,
    state: State,
    output: Option<BufWriter<File>>,
    received: u64,
    status: Option<String>,
}

impl Request {
    fn new(path: &str) -> Request {
        Request {
            path: path.to_string(),
            stream: None,
            state: State::Waiting,
            output: None,
            received: 0,
            status: None,
        }
    }

    fn finished(&self) -> bool {
        matches!(self.state, State::Done | State::Failed)
    }
}

/// What a connection's loop remembers from one step to the next.
#[derive(Default)]
struct Progress {
    finished_at: Option<Instant>,
    alpn_recorded: bool,
    sent_early: usize,
}

/// What a connection left: the session to resume, and what went wrong.
struct Outcome {
    session: Option<Vec<u8>>,
    failures: Vec<String>,
    summary: String,
}

struct Connection<'a> {
    socket: &'a UdpSocket,
    local: SocketAddr,
    peer: SocketAddr,
    alpn: Vec<u8>,
    evidence: &'a Evidence,
    download_dir: Option<&'a std::path::Path>,
    early_data: bool,
    handshake_timeout: Duration,
    wait_for_ticket: bool,
    requests: Vec<Request>,
    next_stream: u64,
}

impl Connection<'_> {
    fn run(
        &mut self,
        config: &mut quiche::Config,
        server_name: Option<&str>,
        session: Option<&[u8]>,
        target: &Target,
    ) -> Result<Outcome, Exit> {
        let scid =
            ConnectionId::from_vec(net::random_bytes::<{ quiche::MAX_CONN_ID_LEN }>().to_vec());
        let mut conn = quiche::connect(server_name, &scid, self.local, self.peer, config)
            .map_err(|e| Exit::failure(format!("quiche connect: {e}")))?;
        if let Some(session) = session {
            if let Err(e) = conn.set_session(session) {
                log::warn!("the saved TLS session cannot be used: {e}");
            }
        }
        self.evidence.attach(&mut conn);
        log::info!(
            "{} connecting to {} from {}",
            conn.trace_id(),
            self.peer,
            self.local
        );
        let h3_config =
            quiche::h3::Config::new().map_err(|e| Exit::failure(format!("HTTP/3: {e}")))?;
        let mut h3: Option<quiche::h3::Connection> = None;
        let authority = if target.host.contains(':') {
            format!("[{}]:{}", target.host, target.port)
        } else {
            format!("{}:{}", target.host, target.port)
        };
        let began = Instant::now();
        let mut closing: Option<String> = None;
        let mut progress = Progress::default();
        let mut buf = vec![0; net::MAX_DATAGRAM];
        let mut out = vec![0; transport::MAX_SEND_PAYLOAD];
        // The first Initial starts the TLS handshake; only then is a resumed connection
        // in early data, and its requests go out as 0-RTT data right behind it.
        flush(self.socket, &mut conn, &mut out);
        loop {
            if closing.is_none() && !conn.is_closed() {
                closing = self.step(
                    &mut conn,
                    &mut h3,
                    &h3_config,
                    &authority,
                    &mut buf,
                    began,
                    &mut progress,
                )?;
            }
            flush(self.socket, &mut conn, &mut out);
            if conn.is_closed() {
                break;
            }
            // Waiting for a ticket or on a handshake's deadline: look again soon.
            let mut timeout = conn.timeout();
            if progress.finished_at.is_some() || !conn.is_established() {
                timeout = Some(timeout.map_or(RECHECK, |t| t.min(RECHECK)));
            }
            if net::wait_readable(self.socket, timeout) {
                receive(self.socket, &mut conn, &mut buf, self.local);
            }
            if conn
                .timeout_instant()
                .is_some_and(|at| at <= Instant::now())
            {
                conn.on_timeout();
            }
        }
        let mut failures: Vec<String> = self
            .requests
            .iter_mut()
            .filter_map(|request| {
                if let Some(output) = request.output.as_mut() {
                    if let Err(e) = output.flush() {
                        return Some(format!(
                            "{}: writing the download failed: {e}",
                            request.path
                        ));
                    }
                }
                match request.state {
                    State::Done => None,
                    State::Failed => Some(format!(
                        "{}: {}",
                        request.path,
                        request
                            .status
                            .as_deref()
                            .map_or("reset by the server".to_string(), |s| format!("status {s}"))
                    )),
                    _ => Some(format!(
                        "{}: no complete response ({} bytes arrived)",
                        request.path, request.received
                    )),
                }
            })
            .collect();
        if let Some(reason) = closing.filter(|r| !r.is_empty()) {
            failures.insert(0, reason);
        }
        let clean = |error: &&quiche::ConnectionError| {
            error.error_code
                == if error.is_app {
                    transport::no_error(&self.alpn)
                } else {
                    0
                }
        };
        if let Some(error) = conn.peer_error().filter(|e| !clean(e)) {
            failures.push(format!("the server closed the connection: {error:?}"));
        }
        if let Some(error) = conn.local_error().filter(|e| !clean(e)) {
            failures.push(format!("the connection was closed: {error:?}"));
        }
        let summary = format!(
            "{} {}, ALPN {}, resumed {}, {} request(s) sent as 0-RTT data, {} of {} response(s) complete; {:?}",
            conn.trace_id(),
            if conn.is_timed_out() { "timed out" } else { "closed" },
            String::from_utf8_lossy(conn.application_proto()),
            conn.is_resumed(),
            progress.sent_early,
            self.requests.iter().filter(|r| r.state == State::Done).count(),
            self.requests.len(),
            conn.stats(),
        );
        Ok(Outcome {
            session: conn.session().map(<[u8]>::to_vec),
            failures,
            summary,
        })
    }

    /// Sends the requests the connection can take and stores what arrived; the reason
    /// when the connection is being closed (empty: every response is in).
    #[allow(clippy::too_many_arguments)]
    fn step(
        &mut self,
        conn: &mut quiche::Connection,
        h3: &mut Option<quiche::h3::Connection>,
        h3_config: &quiche::h3::Config,
        authority: &str,
        buf: &mut [u8],
        began: Instant,
        progress: &mut Progress,
    ) -> Result<Option<String>, Exit> {
        if net::terminate_requested() {
            conn.close(false, 0, b"client stopping").ok();
            return Ok(Some("stopped by a signal".to_string()));
        }
        if !conn.is_established() && began.elapsed() > self.handshake_timeout {
            conn.close(false, 0, b"handshake timeout").ok();
            return Ok(Some(format!(
                "the handshake did not complete within {:?}",
                self.handshake_timeout
            )));
        }
        let early = !conn.is_established() && conn.is_in_early_data();
        if !(conn.is_established() || (self.early_data && early)) {
            return Ok(None);
        }
        if conn.is_established() && !progress.alpn_recorded {
            progress.alpn_recorded = true;
            transport::record_alpn(conn, std::slice::from_ref(&self.alpn));
        }
        let waiting = self
            .requests
            .iter()
            .filter(|r| r.state == State::Waiting)
            .count();
        if self.alpn == H3 {
            if h3.is_none() {
                *h3 = Some(
                    quiche::h3::Connection::with_transport(conn, h3_config)
                        .map_err(|e| Exit::failure(format!("HTTP/3 setup failed: {e}")))?,
                );
            }
            let h3 = h3.as_mut().expect("set above");
            self.http3_requests(conn, h3, authority);
            self.http3_responses(conn, h3, buf);
        } else {
            self.http09_requests(conn);
            self.http09_responses(conn, buf);
        }
        if early {
            progress.sent_early += waiting
                - self
                    .requests
                    .iter()
                    .filter(|r| r.state == State::Waiting)
                    .count();
        }
        if self.requests.iter().all(Request::finished) {
            let at = *progress.finished_at.get_or_insert_with(Instant::now);
            // A later connection resumes this one's session: give the ticket a moment.
            if !self.wait_for_ticket || conn.session().is_some() || at.elapsed() > TICKET_WAIT {
                close_answered(conn);
                return Ok(Some(String::new()));
            }
        }
        Ok(None)
    }

    fn open_output(&self, request: &mut Request) {
        if let Some(dir) = self.download_dir {
            let path = dir.join(download_name(&request.path));
            match File::create(&path) {
                Ok(file) => request.output = Some(BufWriter::with_capacity(1 << 20, file)),
                Err(e) => log::error!("cannot create {}: {e}", path.display()),
            }
        }
    }

    fn http09_requests(&mut self, conn: &mut quiche::Connection) {
        for request in self
            .requests
            .iter_mut()
            .filter(|r| r.state == State::Waiting)
        {
            if conn.peer_streams_left_bidi() == 0 {
                return;
            }
            let stream = self.next_stream;
            let line = format!("GET {}\r\n", request.path);
            match conn.stream_send(stream, line.as_bytes(), true) {
                Ok(written) if written == line.len() => {
                    // Client-initiated bidirectional streams: 0, 4, 8 ...
                    self.next_stream += 4;
                    request.stream = Some(stream);
                    request.state = State::Sent;
                }
                Ok(_) | Err(quiche::Error::Done) | Err(quiche::Error::StreamLimit) => return,
                Err(e) => {
                    log::error!("request {}: {e}", request.path);
                    request.state = State::Failed;
                }
            }
        }
    }

    fn http09_responses(&mut self, conn: &mut quiche::Connection, buf: &mut [u8]) {
        for stream in conn.readable() {
            let Some(index) = self.requests.iter().position(|r| r.stream == Some(stream)) else {
                while conn.stream_recv(stream, buf).is_ok() {}
                continue;
            };
            if self.requests[index].output.is_none() && self.requests[index].received == 0 {
                let mut request = std::mem::replace(&mut self.requests[index], Request::new(""));
                self.open_output(&mut request);
                self.requests[index] = request;
            }
            let request = &mut self.requests[index];
            loop {
                match conn.stream_recv(stream, buf) {
                    Ok((read, fin)) => {
                        request.take(&buf[..read]);
                        if fin {
                            request.state = State::Done;
                            break;
                        }
                    }
                    Err(quiche::Error::Done) => break,
                    Err(e) => {
                        log::warn!("{}: {e}", request.path);
                        request.state = State::Failed;
                        break;
                    }
                }
            }
        }
    }

    fn http3_requests(
        &mut self,
        conn: &mut quiche::Connection,
        h3: &mut quiche::h3::Connection,
        authority: &str,
    ) {
        for request in self
            .requests
            .iter_mut()
            .filter(|r| r.state == State::Waiting)
        {
            let headers = [
                quiche::h3::Header::new(b":method", b"GET"),
                quiche::h3::Header::new(b":scheme", b"https"),
                quiche::h3::Header::new(b":authority", authority.as_bytes()),
                quiche::h3::Header::new(b":path", request.path.as_bytes()),
                quiche::h3::Header::new(b"user-agent", b"panther-quiche"),
            ];
            match h3.send_request(conn, &headers, true) {
                Ok(stream) => {
                    request.stream = Some(stream);
                    request.state = State::Sent;
                }
                Err(quiche::h3::Error::StreamBlocked)
                | Err(quiche::h3::Error::TransportError(quiche::Error::StreamLimit))
                | Err(quiche::h3::Error::Done) => return,
                Err(e) => {
                    log::error!("request {}: {e}", request.path);
                    request.state = State::Failed;
                }
            }
        }
    }

    fn http3_responses(
        &mut self,
        conn: &mut quiche::Connection,
        h3: &mut quiche::h3::Connection,
        buf: &mut [u8],
    ) {
        loop {
            let (stream, event) = match h3.poll(conn) {
                Ok(polled) => polled,
                Err(quiche::h3::Error::Done) => return,
                Err(e) => {
                    log::error!("HTTP/3: {e}");
                    return;
                }
            };
            let Some(index) = self.requests.iter().position(|r| r.stream == Some(stream)) else {
                continue;
            };
            match event {
                quiche::h3::Event::Headers { list, .. } => {
                    let status = list
                        .iter()
                        .find(|h| h.name() == b":status")
                        .map(|h| String::from_utf8_lossy(h.value()).into_owned());
                    let mut request =
                        std::mem::replace(&mut self.requests[index], Request::new(""));
                    if status.as_deref() == Some("200") {
                        self.open_output(&mut request);
                    } else {
                        log::warn!("{}: status {:?}", request.path, status);
                        request.state = State::Failed;
                    }
                    request.status = status;
                    self.requests[index] = request;
                }
                quiche::h3::Event::Data => {
                    let request = &mut self.requests[index];
                    while let Ok(read) = h3.recv_body(conn, stream, buf) {
                        request.take(&buf[..read]);
                    }
                }
                quiche::h3::Event::Finished => {
                    let request = &mut self.requests[index];
                    if request.state == State::Sent && request.status.as_deref() == Some("200") {
                        request.state = State::Done;
                    }
                }
                quiche::h3::Event::Reset(code) => {
                    let request = &mut self.requests[index];
                    log::warn!("{}: reset by the server ({code:#x})", request.path);
                    request.state = State::Failed;
                }
                _ => {}
            }
        }
    }
}

impl Request {
    /// Stores bytes of the response as they arrive.
    fn take(&mut self, bytes: &[u8]) {
        self.received += bytes.len() as u64;
        if let Some(output) = self.output.as_mut() {
            if let Err(e) = output.write_all(bytes) {
                log::error!("{}: writing the download failed: {e}", self.path);
                self.output = None;
            }
        }
    }
}

/// Closes a connection whose requests are all answered, with a transport-level NO_ERROR
/// rather than the application's. quiche 0.29.3 writes an application close only into
/// 1-RTT packets; while the Handshake packet with the client's Finished is
/// unacknowledged it keeps choosing the Handshake space for a resend it may not make
/// while closing, and so sends an ACK-only Handshake packet on every call and never
/// closes (a client that had its file under 30 % corruption flooded the path with
/// millions of them).
fn close_answered(conn: &mut quiche::Connection) {
    conn.close(false, 0, b"").ok();
}

fn receive(socket: &UdpSocket, conn: &mut quiche::Connection, buf: &mut [u8], local: SocketAddr) {
    loop {
        match socket.recv_from(buf) {
            Ok((len, from)) => {
                if let Err(e) = conn.recv(&mut buf[..len], quiche::RecvInfo { from, to: local }) {
                    log::debug!("{} recv: {e}", conn.trace_id());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return,
            Err(e) => {
                log::error!("recv failed: {e}");
                return;
            }
        }
    }
}

fn flush(socket: &UdpSocket, conn: &mut quiche::Connection, out: &mut [u8]) {
    loop {
        match conn.send(out) {
            Ok((len, info)) => {
                if let Err(e) = net::send_to(socket, &out[..len], info.to) {
                    log::error!("send to {} failed: {e}", info.to);
                    return;
                }
            }
            Err(quiche::Error::Done) => return,
            Err(e) => {
                log::error!("{} send: {e}", conn.trace_id());
                conn.close(false, 0x1, b"send failed").ok();
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("https://127.0.0.1:4443/a.bin").unwrap(),
            ("127.0.0.1".into(), 4443, "/a.bin".into())
        );
        assert_eq!(
            parse_url("https://[::1]:4443/x").unwrap(),
            ("::1".into(), 4443, "/x".into())
        );
        assert_eq!(
            parse_url("https://example.org").unwrap(),
            ("example.org".into(), 443, "/".into())
        );
        assert!(parse_url("http://a/").is_err());
        assert!(parse_url("https://[::1/").is_err());
    }

    /// A self-signed certificate and its key, as PEM files in a new folder.
    fn certificate() -> (std::path::PathBuf, std::path::PathBuf) {
        use boring::asn1::Asn1Time;
        use boring::ec::{EcGroup, EcKey};
        use boring::hash::MessageDigest;
        use boring::nid::Nid;
        use boring::pkey::PKey;
        use boring::x509::{X509Builder, X509NameBuilder};

        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "localhost").unwrap();
        let name = name.build();
        let mut cert = X509Builder::new().unwrap();
        cert.set_version(2).unwrap();
        cert.set_subject_name(&name).unwrap();
        cert.set_issuer_name(&name).unwrap();
        cert.set_pubkey(&key).unwrap();
        cert.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        cert.set_not_after(&Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        cert.sign(&key, MessageDigest::sha256()).unwrap();
        let folder = std::env::temp_dir().join(format!(
            "panther-quiche-test-{}-{:x}",
            std::process::id(),
            u64::from_be_bytes(net::random_bytes::<8>())
        ));
        std::fs::create_dir_all(&folder).unwrap();
        let (cert_file, key_file) = (folder.join("cert.pem"), folder.join("key.pem"));
        std::fs::write(&cert_file, cert.build().to_pem().unwrap()).unwrap();
        std::fs::write(&key_file, key.private_key_to_pem_pkcs8().unwrap()).unwrap();
        (cert_file, key_file)
    }

    fn config(alpn: &[u8]) -> quiche::Config {
        let mut config = quiche::Config::new(quiche::PROTOCOL_VERSION).unwrap();
        config.set_application_protos(&[alpn]).unwrap();
        config.set_initial_max_data(1 << 20);
        config.set_initial_max_stream_data_bidi_local(1 << 20);
        config.set_initial_max_stream_data_bidi_remote(1 << 20);
        config.set_initial_max_streams_bidi(10);
        config.set_max_idle_timeout(30_000);
        config
    }

    /// Hands every datagram `from` sends to `to`; how many there were.
    fn deliver(
        from: &mut quiche::Connection,
        to: &mut quiche::Connection,
        from_addr: SocketAddr,
        to_addr: SocketAddr,
    ) -> usize {
        let mut out = [0; 1500];
        let mut count = 0;
        while let Ok((len, _)) = from.send(&mut out) {
            count += 1;
            to.recv(
                &mut out[..len],
                quiche::RecvInfo {
                    from: from_addr,
                    to: to_addr,
                },
            )
            .ok();
        }
        count
    }

    /// The flood of a client that had its answer while the Handshake packet with its
    /// Finished was still unacknowledged (lost, as under the corruption cases), then
    /// closed: quiche chose the Handshake space for the resend it may not make while
    /// closing, and with an application close sent an ACK-only Handshake packet on
    /// every call, forever.
    #[test]
    fn a_client_closing_with_its_finished_unacknowledged_stops_sending() {
        let (cert_file, key_file) = certificate();
        let mut server_config = config(transport::HQ_INTEROP);
        server_config
            .load_cert_chain_from_pem_file(cert_file.to_str().unwrap())
            .unwrap();
        server_config
            .load_priv_key_from_pem_file(key_file.to_str().unwrap())
            .unwrap();
        let mut client_config = config(transport::HQ_INTEROP);
        client_config.verify_peer(false);
        let (client_addr, server_addr): (SocketAddr, SocketAddr) = (
            "127.0.0.1:1000".parse().unwrap(),
            "127.0.0.1:2000".parse().unwrap(),
        );
        let mut client = quiche::connect(
            Some("localhost"),
            &ConnectionId::from_vec(vec![1; 16]),
            client_addr,
            server_addr,
            &mut client_config,
        )
        .unwrap();
        let mut server = quiche::accept(
            &ConnectionId::from_vec(vec![2; 16]),
            None,
            server_addr,
            client_addr,
            &mut server_config,
        )
        .unwrap();
        while !client.is_established() {
            deliver(&mut client, &mut server, client_addr, server_addr);
            deliver(&mut server, &mut client, server_addr, client_addr);
        }
        // The client's Finished is lost, and its probe timer fires.
        let mut out = [0; 1500];
        while client.send(&mut out).is_ok() {}
        std::thread::sleep(
            client
                .timeout()
                .expect("a Finished in flight arms the timer"),
        );
        client.on_timeout();

        close_answered(&mut client);
        let mut sent = 0;
        for _ in 0..1000 {
            if client.send(&mut out).is_ok() {
                sent += 1;
            }
        }
        std::fs::remove_dir_all(cert_file.parent().unwrap()).ok();
        assert!(
            sent <= 3,
            "the closing client sent {sent} datagrams in 1000 calls"
        );
    }

    #[test]
    fn one_server_only() {
        let urls = ["https://a:1/x".to_string(), "https://b:1/y".to_string()];
        assert_eq!(target(&urls).err().unwrap().code, crate::cli::EXIT_USAGE);
        let urls = ["https://a:1/x".to_string(), "https://a:1/y".to_string()];
        assert_eq!(target(&urls).unwrap().paths, vec!["/x", "/y"]);
    }
}
