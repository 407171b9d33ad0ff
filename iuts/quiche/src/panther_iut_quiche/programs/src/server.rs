//! `panther-quiche-server`: serves the files of a folder over HTTP/0.9 (ALPN
//! hq-interop) and HTTP/3 (ALPN h3) to any number of clients, until SIGTERM.
//!
//! It answers unknown versions with Version Negotiation (the harness's readiness
//! probe relies on it), validates addresses with a Retry when asked (`--retry`),
//! accepts 0-RTT when asked (`--early-data`) and resumes sessions from the tickets
//! BoringSSL issues. It judges nothing: it serves what is asked and logs what happened.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use quiche::h3::NameValue;
use quiche::ConnectionId;

use crate::cli::{Args, Exit};
use crate::files::{resolve, Body, Progress, Sent};
use crate::net;
use crate::transport::{self, Evidence, Transport, H3};

const USAGE: &str = "\
usage: panther-quiche-server --listen ADDRESS:PORT --cert FILE --key FILE [options]

  --listen ADDRESS:PORT    where to listen (IPv6: [::1]:4443)
  --cert FILE, --key FILE  the certificate chain and private key (PEM)
  --root DIR               the folder to serve (default: the current folder)
  --alpn LIST              ALPNs to accept, comma-separated (default: hq-interop,h3)
  --retry                  validate every client's address with a Retry packet first
  --early-data             accept 0-RTT data from resumed clients
  --max-streams-bidi N     concurrent request streams a client may open (default: 100)
  --handshake-timeout MS   close a connection whose handshake takes longer (default: 10000)
  --idle-timeout MS        idle timeout in milliseconds (default: 30000)
  --cc NAME                congestion control: reno, cubic, bbr2_gcongestion
  --keylog-file FILE       TLS key log, NSS format (default: $SSLKEYLOGFILE)
  --qlog-dir DIR           one qlog file per connection (default: $QLOGDIR)

RUST_LOG sets the log level (default: info). SIGTERM or SIGINT stop the server
after closing its connections.";

const OPTIONS: &[&str] = &["listen", "cert", "key", "root"];
const FLAGS: &[&str] = &["retry", "early-data"];
/// Clients must send Initial packets in datagrams of at least this size (RFC 9000, 14.1).
const MIN_INITIAL_DATAGRAM: usize = 1200;
/// How long a Retry token is honoured.
const TOKEN_LIFETIME: Duration = Duration::from_secs(30);
const TOKEN_MAGIC: &[u8] = b"pq";
const MAC_LEN: usize = 32;
/// How often the server looks at the clock while a handshake is under way.
const RECHECK: Duration = Duration::from_millis(100);
/// Stream reset code for a request the server cannot answer (H3_REQUEST_REJECTED).
const REJECTED: u64 = 0x10b;

/// Runs the server; the exit code.
pub fn main() -> i32 {
    crate::run("panther-quiche-server", run)
}

fn run() -> Result<(), Exit> {
    let options: Vec<&str> = OPTIONS.iter().chain(transport::OPTIONS).copied().collect();
    let args = Args::parse(std::env::args().skip(1), &options, FLAGS, USAGE)?;
    if let Some(extra) = args.positional.first() {
        return Err(Exit::usage(format!(
            "unexpected argument {extra:?}\n\n{USAGE}"
        )));
    }
    let listen: SocketAddr = args.required("listen")?.parse().map_err(|_| {
        Exit::usage(format!(
            "--listen expects ADDRESS:PORT, got {:?}",
            args.value("listen")
        ))
    })?;
    let cert = args.required("cert")?;
    let key = args.required("key")?;
    let root = PathBuf::from(args.value("root").unwrap_or("."));
    if !root.is_dir() {
        return Err(Exit::usage(format!(
            "--root {} is not a folder",
            root.display()
        )));
    }
    let transport = Transport::from_args(&args, "hq-interop,h3", args.flag("early-data"))?;
    let evidence = Evidence::from_args(&args, "server")?;

    let mut config = quiche::Config::new(quiche::PROTOCOL_VERSION)
        .map_err(|e| Exit::failure(format!("quiche: {e}")))?;
    config
        .load_cert_chain_from_pem_file(cert)
        .map_err(|e| Exit::usage(format!("cannot load the certificate chain {cert}: {e}")))?;
    config
        .load_priv_key_from_pem_file(key)
        .map_err(|e| Exit::usage(format!("cannot load the private key {key}: {e}")))?;
    transport.apply(&mut config)?;
    if evidence.logs_keys() {
        config.log_keys();
    }
    let socket =
        net::bind(listen).map_err(|e| Exit::failure(format!("cannot listen on {listen}: {e}")))?;
    let local = socket
        .local_addr()
        .map_err(|e| Exit::failure(e.to_string()))?;
    log::info!(
        "listening on {local}, serving {} (ALPN {}, retry {}, 0-RTT {}, quiche {})",
        root.display(),
        transport
            .alpns
            .iter()
            .map(|a| String::from_utf8_lossy(a))
            .collect::<Vec<_>>()
            .join(","),
        if args.flag("retry") { "on" } else { "off" },
        if transport.early_data {
            "accepted"
        } else {
            "refused"
        },
        transport::QUICHE_VERSION,
    );
    let h3_config = quiche::h3::Config::new().map_err(|e| Exit::failure(format!("HTTP/3: {e}")))?;
    let mut server = Server {
        socket,
        local,
        config,
        h3_config,
        root,
        offered: transport.alpns.clone(),
        retry: args.flag("retry"),
        handshake_timeout: transport.handshake_timeout,
        key: net::random_bytes::<32>(),
        evidence,
        peers: HashMap::new(),
        aliases: HashMap::new(),
        out: vec![0; transport::MAX_SEND_PAYLOAD],
    };
    server.serve();
    Ok(())
}

/// One client's connection and the requests it has made.
struct Peer {
    conn: quiche::Connection,
    h3: Option<quiche::h3::Connection>,
    /// HTTP/0.9: request bytes received so far, per stream.
    requests: HashMap<u64, Vec<u8>>,
    /// Responses still being sent, per stream.
    responses: HashMap<u64, Response>,
    alpn_recorded: bool,
    accepted: Instant,
}

/// A response on its way: the HTTP/3 headers not yet accepted, then the body.
struct Response {
    headers: Option<Vec<quiche::h3::Header>>,
    body: Option<Body>,
}

struct Server {
    socket: UdpSocket,
    local: SocketAddr,
    config: quiche::Config,
    h3_config: quiche::h3::Config,
    root: PathBuf,
    offered: Vec<Vec<u8>>,
    retry: bool,
    handshake_timeout: Duration,
    /// Keys the connection IDs the server picks and the Retry tokens it mints.
    key: [u8; 32],
    evidence: Evidence,
    peers: HashMap<ConnectionId<'static>, Peer>,
    /// The spare connection IDs the server gave its clients, each to the key of its
    /// connection in `peers`: a client that migrates uses one of them.
    aliases: HashMap<ConnectionId<'static>, ConnectionId<'static>>,
    out: Vec<u8>,
}

/// What the server needs of a packet's header, owned (the header borrows the datagram).
struct Incoming {
    ty: quiche::Type,
    version: u32,
    dcid: ConnectionId<'static>,
    scid: ConnectionId<'static>,
    token: Vec<u8>,
}

impl Server {
    fn serve(&mut self) {
        let mut buf = vec![0; net::MAX_DATAGRAM];
        loop {
            if net::terminate_requested() {
                self.shut_down();
                return;
            }
            let mut timeout = self.peers.values().filter_map(|p| p.conn.timeout()).min();
            if self.peers.values().any(|p| !p.conn.is_established()) {
                // A handshake's deadline is the server's own: look at the clock again soon.
                timeout = Some(timeout.map_or(RECHECK, |t| t.min(RECHECK)));
            }
            if net::wait_readable(&self.socket, timeout) {
                self.receive(&mut buf);
            }
            let now = Instant::now();
            for (key, peer) in self.peers.iter_mut() {
                if peer.conn.timeout_instant().is_some_and(|at| at <= now) {
                    peer.conn.on_timeout();
                }
                if !peer.conn.is_established()
                    && !peer.conn.is_closed()
                    && now.duration_since(peer.accepted) > self.handshake_timeout
                {
                    log::warn!("{} handshake timeout: closing", peer.conn.trace_id());
                    peer.conn.close(false, 0, b"handshake timeout").ok();
                }
                peer.answer(&self.root, &self.h3_config, &self.offered, &mut buf);
                peer.follow_paths();
                peer.offer_connection_ids(key, &mut self.aliases);
            }
            self.flush();
            self.peers.retain(|_, peer| {
                if peer.conn.is_closed() {
                    log::info!("{} closed: {:?}", peer.conn.trace_id(), peer.conn.stats());
                }
                !peer.conn.is_closed()
            });
            let peers = &self.peers;
            self.aliases.retain(|_, key| peers.contains_key(key));
        }
    }

    fn receive(&mut self, buf: &mut [u8]) {
        loop {
            let (len, from) = match self.socket.recv_from(buf) {
                Ok(received) => received,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return,
                Err(e) => {
                    log::error!("recv failed: {e}");
                    return;
                }
            };
            self.datagram(&mut buf[..len], from);
        }
    }

    fn datagram(&mut self, data: &mut [u8], from: SocketAddr) {
        let incoming = match quiche::Header::from_slice(data, quiche::MAX_CONN_ID_LEN) {
            Ok(header) => Incoming {
                ty: header.ty,
                version: header.version,
                dcid: header.dcid.into_owned(),
                scid: header.scid.into_owned(),
                token: header.token.unwrap_or_default(),
            },
            Err(e) => {
                log::debug!("unparsable packet from {from}: {e}");
                return;
            }
        };
        let derived = self.connection_id(&incoming.dcid);
        let key = if self.peers.contains_key(&incoming.dcid) {
            incoming.dcid.clone()
        } else if let Some(key) = self.aliases.get(&incoming.dcid) {
            key.clone()
        } else if self.peers.contains_key(&derived) {
            derived
        } else {
            match self.accept(&incoming, derived, from, data.len()) {
                Some(key) => key,
                None => return,
            }
        };
        let Some(peer) = self.peers.get_mut(&key) else {
            return;
        };
        if let Err(e) = peer.conn.recv(
            data,
            quiche::RecvInfo {
                from,
                to: self.local,
            },
        ) {
            log::debug!("{} recv: {e}", peer.conn.trace_id());
        }
    }

    /// A new connection for an Initial packet, or None when the packet is answered
    /// statelessly (Version Negotiation, Retry) or dropped.
    fn accept(
        &mut self,
        incoming: &Incoming,
        derived: ConnectionId<'static>,
        from: SocketAddr,
        len: usize,
    ) -> Option<ConnectionId<'static>> {
        if incoming.ty != quiche::Type::Short && !quiche::version_is_supported(incoming.version) {
            if len >= MIN_INITIAL_DATAGRAM {
                log::info!(
                    "version {:#010x} from {from}: Version Negotiation",
                    incoming.version
                );
                match quiche::negotiate_version(&incoming.scid, &incoming.dcid, &mut self.out) {
                    Ok(n) => self.send(n, from),
                    Err(e) => log::error!("Version Negotiation: {e}"),
                }
            }
            return None;
        }
        if incoming.ty != quiche::Type::Initial || len < MIN_INITIAL_DATAGRAM {
            log::debug!(
                "dropped a {:?} packet of {len} bytes for no connection from {from}",
                incoming.ty
            );
            return None;
        }
        let (scid, odcid) = if self.retry {
            if incoming.token.is_empty() {
                let token = self.mint_token(&incoming.dcid, from);
                log::info!("Retry to {from}");
                match quiche::retry(
                    &incoming.scid,
                    &incoming.dcid,
                    &derived,
                    &token,
                    incoming.version,
                    &mut self.out,
                ) {
                    Ok(n) => self.send(n, from),
                    Err(e) => log::error!("Retry: {e}"),
                }
                return None;
            }
            let Some(odcid) = self.validate_token(&incoming.token, from) else {
                log::warn!(
                    "an Initial from {from} carries a token that is not valid here: dropped"
                );
                return None;
            };
            // The connection keeps the ID the Retry gave the client.
            (incoming.dcid.clone(), Some(odcid))
        } else {
            (derived, None)
        };
        let conn = match quiche::accept(&scid, odcid.as_ref(), self.local, from, &mut self.config) {
            Ok(conn) => conn,
            Err(e) => {
                log::error!("accepting a connection from {from} failed: {e}");
                return None;
            }
        };
        let mut peer = Peer {
            conn,
            h3: None,
            requests: HashMap::new(),
            responses: HashMap::new(),
            alpn_recorded: false,
            accepted: Instant::now(),
        };
        self.evidence.attach(&mut peer.conn);
        log::info!(
            "{} new connection from {from}{}",
            peer.conn.trace_id(),
            if odcid.is_some() {
                " (after Retry)"
            } else {
                ""
            }
        );
        self.peers.insert(scid.clone(), peer);
        Some(scid)
    }

    /// The server's connection ID for a client's first destination ID: the same for
    /// every copy of the client's first flight, so a resent Initial finds its connection.
    fn connection_id(&self, dcid: &[u8]) -> ConnectionId<'static> {
        let mac = boring::hash::hmac_sha256(&self.key, dcid).expect("HMAC-SHA256");
        ConnectionId::from_vec(mac[..quiche::MAX_CONN_ID_LEN].to_vec())
    }

    /// A Retry token: issue time, client address and original destination ID, authenticated.
    fn mint_token(&self, odcid: &[u8], from: SocketAddr) -> Vec<u8> {
        let issued = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let mut token = TOKEN_MAGIC.to_vec();
        token.extend_from_slice(&issued.to_be_bytes());
        token.extend_from_slice(&address_bytes(from));
        token.extend_from_slice(odcid);
        let mac = boring::hash::hmac_sha256(&self.key, &token).expect("HMAC-SHA256");
        token.extend_from_slice(&mac);
        token
    }

    /// The original destination ID of a token this server minted for `from`, still fresh.
    fn validate_token(&self, token: &[u8], from: SocketAddr) -> Option<ConnectionId<'static>> {
        let address = address_bytes(from);
        let fixed = TOKEN_MAGIC.len() + 8 + address.len();
        if token.len() < fixed + MAC_LEN || !token.starts_with(TOKEN_MAGIC) {
            return None;
        }
        let (signed, mac) = token.split_at(token.len() - MAC_LEN);
        let expected = boring::hash::hmac_sha256(&self.key, signed).ok()?;
        if !boring::memcmp::eq(mac, &expected) {
            return None;
        }
        let issued = u64::from_be_bytes(
            signed[TOKEN_MAGIC.len()..TOKEN_MAGIC.len() + 8]
                .try_into()
                .ok()?,
        );
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        if now.saturating_sub(issued) > TOKEN_LIFETIME.as_secs()
            || signed[TOKEN_MAGIC.len() + 8..fixed] != address[..]
        {
            return None;
        }
        Some(ConnectionId::from_vec(signed[fixed..].to_vec()))
    }

    fn send(&mut self, len: usize, to: SocketAddr) {
        if let Err(e) = net::send_to(&self.socket, &self.out[..len], to) {
            log::error!("send to {to} failed: {e}");
        }
    }

    /// Sends what every connection has to send.
    fn flush(&mut self) {
        for peer in self.peers.values_mut() {
            loop {
                match peer.conn.send(&mut self.out) {
                    Ok((len, info)) => {
                        if let Err(e) = net::send_to(&self.socket, &self.out[..len], info.to) {
                            log::error!("send to {} failed: {e}", info.to);
                            break;
                        }
                    }
                    Err(quiche::Error::Done) => break,
                    Err(e) => {
                        log::error!("{} send: {e}", peer.conn.trace_id());
                        peer.conn.close(false, 0x1, b"send failed").ok();
                        break;
                    }
                }
            }
        }
    }

    /// Closes every connection, sends the closes, and lets the qlog files flush.
    fn shut_down(&mut self) {
        log::info!("stopping: closing {} connection(s)", self.peers.len());
        for peer in self.peers.values_mut() {
            let code = transport::no_error(peer.conn.application_proto());
            peer.conn.close(true, code, b"server stopping").ok();
        }
        self.flush();
        self.peers.clear();
    }
}

fn address_bytes(address: SocketAddr) -> Vec<u8> {
    let mut bytes = match address.ip() {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    bytes.extend_from_slice(&address.port().to_be_bytes());
    bytes
}

impl Peer {
    /// Reads new requests and sends as much of every response as the connection takes.
    fn answer(
        &mut self,
        root: &Path,
        h3_config: &quiche::h3::Config,
        offered: &[Vec<u8>],
        buf: &mut [u8],
    ) {
        if !(self.conn.is_established() || self.conn.is_in_early_data()) {
            return;
        }
        if self.conn.is_established() && !self.alpn_recorded {
            self.alpn_recorded = true;
            transport::record_alpn(&mut self.conn, offered);
            log::info!(
                "{} established: ALPN {}, resumed {}",
                self.conn.trace_id(),
                String::from_utf8_lossy(self.conn.application_proto()),
                self.conn.is_resumed()
            );
        }
        if self.conn.application_proto() == H3 {
            self.http3_requests(root, h3_config, buf);
        } else {
            self.http09_requests(root, buf);
        }
        self.send_responses();
    }

    /// Logs what happened to the connection's paths: a client's new address, its
    /// validation, the move of the connection onto it.
    fn follow_paths(&mut self) {
        while let Some(event) = self.conn.path_event_next() {
            log::info!("{} path: {event:?}", self.conn.trace_id());
        }
    }

    /// Gives the client as many spare connection IDs as both sides allow (a client
    /// migrates with a fresh one), and forgets those it retired. `key` is the
    /// connection's key in the server's table, which `aliases` maps each ID to.
    fn offer_connection_ids(
        &mut self,
        key: &ConnectionId<'static>,
        aliases: &mut HashMap<ConnectionId<'static>, ConnectionId<'static>>,
    ) {
        while let Some(retired) = self.conn.retired_scid_next() {
            aliases.remove(&retired);
        }
        if !self.conn.is_established() {
            return;
        }
        while self.conn.scids_left() > 0 {
            let id =
                ConnectionId::from_vec(net::random_bytes::<{ quiche::MAX_CONN_ID_LEN }>().to_vec());
            let reset_token = u128::from_be_bytes(net::random_bytes::<16>());
            if let Err(e) = self.conn.new_scid(&id, reset_token, false) {
                log::warn!(
                    "{} a spare connection ID was not issued: {e}",
                    self.conn.trace_id()
                );
                return;
            }
            aliases.insert(id, key.clone());
        }
    }

    fn http09_requests(&mut self, root: &Path, buf: &mut [u8]) {
        for stream in self.conn.readable() {
            let mut complete = false;
            while let Ok((read, fin)) = self.conn.stream_recv(stream, buf) {
                let request = self.requests.entry(stream).or_default();
                request.extend_from_slice(&buf[..read]);
                complete |= fin || request.contains(&b'\n');
            }
            if !complete || self.responses.contains_key(&stream) {
                continue;
            }
            let request = self.requests.remove(&stream).unwrap_or_default();
            let line = String::from_utf8_lossy(&request);
            let line = line.lines().next().unwrap_or("").trim();
            let Some(path) = line.strip_prefix("GET ") else {
                log::warn!(
                    "{} stream {stream}: not an HTTP/0.9 request: {line:?}",
                    self.conn.trace_id()
                );
                self.conn
                    .stream_shutdown(stream, quiche::Shutdown::Write, REJECTED)
                    .ok();
                continue;
            };
            match self.open(root, path.trim(), stream) {
                Some(body) => {
                    self.responses.insert(
                        stream,
                        Response {
                            headers: None,
                            body: Some(body),
                        },
                    );
                }
                None => {
                    self.conn
                        .stream_shutdown(stream, quiche::Shutdown::Write, REJECTED)
                        .ok();
                }
            }
        }
    }

    fn http3_requests(&mut self, root: &Path, h3_config: &quiche::h3::Config, buf: &mut [u8]) {
        if self.h3.is_none() {
            match quiche::h3::Connection::with_transport(&mut self.conn, h3_config) {
                Ok(h3) => self.h3 = Some(h3),
                Err(e) => {
                    log::error!("{} HTTP/3 setup failed: {e}", self.conn.trace_id());
                    self.conn
                        .close(true, quiche::h3::WireErrorCode::InternalError as u64, b"")
                        .ok();
                    return;
                }
            }
        }
        loop {
            let Some(h3) = self.h3.as_mut() else { return };
            match h3.poll(&mut self.conn) {
                Ok((stream, quiche::h3::Event::Headers { list, .. })) => {
                    let header = |name: &[u8]| {
                        list.iter()
                            .find(|h| h.name() == name)
                            .map(|h| String::from_utf8_lossy(h.value()).into_owned())
                    };
                    let (method, path) = (header(b":method"), header(b":path"));
                    let response = match (method.as_deref(), path) {
                        (Some("GET"), Some(path)) => match self.open(root, &path, stream) {
                            Some(body) => Response {
                                headers: Some(vec![
                                    quiche::h3::Header::new(b":status", b"200"),
                                    quiche::h3::Header::new(
                                        b"content-length",
                                        body.size().to_string().as_bytes(),
                                    ),
                                    quiche::h3::Header::new(b"server", b"panther-quiche"),
                                ]),
                                body: Some(body),
                            },
                            None => status_only(b"404"),
                        },
                        _ => status_only(b"405"),
                    };
                    self.responses.insert(stream, response);
                }
                // Requests carry no body; whatever comes is read and dropped.
                Ok((stream, quiche::h3::Event::Data)) => {
                    while h3.recv_body(&mut self.conn, stream, buf).is_ok() {}
                }
                Ok(_) => {}
                Err(quiche::h3::Error::Done) => return,
                Err(e) => {
                    log::error!("{} HTTP/3: {e}", self.conn.trace_id());
                    return;
                }
            }
        }
    }

    /// The body for `path`, or None (logged) when there is no such file.
    fn open(&self, root: &Path, path: &str, stream: u64) -> Option<Body> {
        let file = resolve(root, path);
        match Body::open(&file) {
            Ok(body) => {
                log::info!(
                    "{} stream {stream}: GET {path} ({} bytes)",
                    self.conn.trace_id(),
                    body.size()
                );
                Some(body)
            }
            Err(e) => {
                log::warn!(
                    "{} stream {stream}: GET {path}: {}: {e}",
                    self.conn.trace_id(),
                    file.display()
                );
                None
            }
        }
    }

    fn send_responses(&mut self) {
        let Peer {
            conn,
            h3,
            responses,
            ..
        } = self;
        responses.retain(|&stream, response| {
            if let Some(headers) = &response.headers {
                let Some(h3) = h3.as_mut() else { return false };
                match h3.send_response(conn, stream, headers, response.body.is_none()) {
                    Ok(()) => response.headers = None,
                    Err(quiche::h3::Error::StreamBlocked) => return true,
                    Err(e) => {
                        log::warn!("{} stream {stream}: response headers: {e}", conn.trace_id());
                        return false;
                    }
                }
            }
            let Some(body) = response.body.as_mut() else {
                return false;
            };
            let progress = body.pump(|bytes, fin| match h3.as_mut() {
                Some(h3) => match h3.send_body(conn, stream, bytes, fin) {
                    Ok(written) => Sent::Bytes(written),
                    Err(quiche::h3::Error::Done) => Sent::Blocked,
                    Err(_) => Sent::Gone,
                },
                None => sent(conn.stream_send(stream, bytes, fin)),
            });
            match progress {
                Ok(Progress::Pending) => true,
                Ok(Progress::Done) => false,
                Ok(Progress::Abandoned) => {
                    log::warn!(
                        "{} stream {stream}: the response was abandoned",
                        conn.trace_id()
                    );
                    false
                }
                Err(e) => {
                    log::error!(
                        "{} stream {stream}: reading the file failed: {e}",
                        conn.trace_id()
                    );
                    conn.stream_shutdown(stream, quiche::Shutdown::Write, REJECTED)
                        .ok();
                    false
                }
            }
        });
    }
}

fn status_only(status: &[u8]) -> Response {
    Response {
        headers: Some(vec![quiche::h3::Header::new(b":status", status)]),
        body: None,
    }
}

fn sent(result: quiche::Result<usize>) -> Sent {
    match result {
        Ok(written) => Sent::Bytes(written),
        Err(quiche::Error::Done) => Sent::Blocked,
        Err(_) => Sent::Gone,
    }
}
