//! What both programs configure the same way: transport parameters, congestion
//! control, ALPN, the QUIC version, and the evidence each connection leaves behind
//! (the TLS key log and a qlog file).

use std::fs::{File, OpenOptions};
use std::path::PathBuf;

use crate::cli::{Args, Exit};

/// Largest UDP payload sent: fits every path PANTHER builds (loopback, Docker
/// bridges, the path relay) without relying on path MTU discovery.
pub const MAX_SEND_PAYLOAD: usize = 1350;
/// The largest UDP payload this endpoint receives, as its max_udp_payload_size transport
/// parameter says: RFC 9000 (section 18.2) caps UDP payloads at 65527 bytes, and peers such
/// as picoquic close the connection (TRANSPORT_PARAMETER_ERROR) on a larger value.
const MAX_RECV_PAYLOAD: usize = 65527;
/// Connection IDs (and so paths) each side may have active at once.
const ACTIVE_CONNECTION_IDS: u64 = 8;
pub const HQ_INTEROP: &[u8] = b"hq-interop";
pub const H3: &[u8] = b"h3";
/// Connection close code of a clean end: H3_NO_ERROR over HTTP/3, 0 otherwise.
pub fn no_error(alpn: &[u8]) -> u64 {
    if alpn == H3 {
        0x100
    } else {
        0
    }
}

/// Options both programs take (each is `--name VALUE` or a flag).
pub const OPTIONS: &[&str] = &[
    "alpn",
    "handshake-timeout",
    "cc",
    "idle-timeout",
    "max-streams-bidi",
    "keylog-file",
    "qlog-dir",
];

/// The ALPN value for a name of the command line: `hq-interop` or `h3`.
pub fn parse_alpn(name: &str) -> Result<Vec<u8>, Exit> {
    match name {
        "hq-interop" => Ok(HQ_INTEROP.to_vec()),
        "h3" => Ok(H3.to_vec()),
        other => Err(Exit::unsupported(format!(
            "ALPN {other:?} is not supported (these programs speak hq-interop and h3)"
        ))),
    }
}

/// A QUIC version written in hexadecimal (`1`, `00000001`, `0x00000001`).
pub fn parse_version(text: &str) -> Result<u32, Exit> {
    let digits = text.trim_start_matches("0x");
    let version = u32::from_str_radix(digits, 16).map_err(|_| {
        Exit::usage(format!(
            "--version expects a hexadecimal QUIC version, got {text:?}"
        ))
    })?;
    // Reserved versions (0x?a?a?a?a) are accepted: a client sends them to provoke
    // Version Negotiation.
    let reserved = version & 0x0f0f_0f0f == 0x0a0a_0a0a;
    if !reserved && !quiche::version_is_supported(version) {
        return Err(Exit::unsupported(format!(
            "QUIC version {version:#010x} is not supported: quiche {} speaks QUIC v1 (0x00000001) only",
            QUICHE_VERSION
        )));
    }
    Ok(version)
}

/// The quiche release these programs are built against (Cargo.toml pins it).
pub const QUICHE_VERSION: &str = "0.29.3";

/// Transport settings shared by both roles, read from the command line.
pub struct Transport {
    pub alpns: Vec<Vec<u8>>,
    idle_timeout_ms: u64,
    congestion_control: Option<String>,
    max_streams_bidi: u64,
    pub early_data: bool,
    /// How long a connection may take to complete its handshake.
    pub handshake_timeout: std::time::Duration,
}

impl Transport {
    /// `--alpn` (comma-separated; `default_alpns` when absent), `--idle-timeout MS`,
    /// `--handshake-timeout MS`, `--cc NAME`, `--max-streams-bidi N`.
    pub fn from_args(
        args: &Args,
        default_alpns: &str,
        early_data: bool,
    ) -> Result<Transport, Exit> {
        let alpns = args
            .value("alpn")
            .unwrap_or(default_alpns)
            .split(',')
            .map(parse_alpn)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Transport {
            alpns,
            idle_timeout_ms: args.number("idle-timeout", 30_000)?,
            congestion_control: args.value("cc").map(str::to_string),
            max_streams_bidi: args.number("max-streams-bidi", 100)?,
            early_data,
            handshake_timeout: std::time::Duration::from_millis(
                args.number("handshake-timeout", 10_000)?,
            ),
        })
    }

    /// Applies the settings to `config`.
    pub fn apply(&self, config: &mut quiche::Config) -> Result<(), Exit> {
        let alpns: Vec<&[u8]> = self.alpns.iter().map(Vec::as_slice).collect();
        config
            .set_application_protos(&alpns)
            .map_err(|e| Exit::usage(format!("invalid ALPN list: {e}")))?;
        if let Some(name) = &self.congestion_control {
            config.set_cc_algorithm_name(name).map_err(|_| {
                Exit::unsupported(format!(
                    "congestion control {name:?} is not known to quiche (reno, cubic, bbr2_gcongestion)"
                ))
            })?;
        }
        config.set_max_idle_timeout(self.idle_timeout_ms);
        config.set_max_recv_udp_payload_size(MAX_RECV_PAYLOAD);
        config.set_max_send_udp_payload_size(MAX_SEND_PAYLOAD);
        config.set_initial_max_data(16 << 20);
        config.set_initial_max_stream_data_bidi_local(8 << 20);
        config.set_initial_max_stream_data_bidi_remote(8 << 20);
        config.set_initial_max_stream_data_uni(1 << 20);
        config.set_initial_max_streams_bidi(self.max_streams_bidi);
        // HTTP/3 needs three unidirectional streams per side (control, QPACK encoder, decoder).
        config.set_initial_max_streams_uni(16);
        // Room for a path per NAT rebinding or migration: quiche keeps at most this many
        // paths per connection (and asks the peer for as many connection IDs), so with the
        // default of 2 a server drops every packet of a client's second new address.
        config.set_active_connection_id_limit(ACTIVE_CONNECTION_IDS);
        if self.early_data {
            config.enable_early_data();
        }
        Ok(())
    }
}

/// Where a connection's evidence goes: the TLS key log (NSS format, appended to by
/// every connection) and one qlog file per connection.
pub struct Evidence {
    keylog: Option<File>,
    qlog_dir: Option<PathBuf>,
    role: &'static str,
}

impl Evidence {
    /// `--keylog-file` (else `SSLKEYLOGFILE`) and `--qlog-dir` (else `QLOGDIR`).
    pub fn from_args(args: &Args, role: &'static str) -> Result<Evidence, Exit> {
        let keylog_path = args.value("keylog-file").map(str::to_string).or_else(|| {
            std::env::var("SSLKEYLOGFILE")
                .ok()
                .filter(|v| !v.is_empty())
        });
        let keylog = match keylog_path {
            None => None,
            Some(path) => Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .map_err(|e| Exit::usage(format!("cannot open the key log {path}: {e}")))?,
            ),
        };
        let qlog_dir = args
            .value("qlog-dir")
            .map(str::to_string)
            .or_else(|| std::env::var("QLOGDIR").ok().filter(|v| !v.is_empty()))
            .map(PathBuf::from);
        if let Some(dir) = &qlog_dir {
            if !cfg!(feature = "qlog") {
                return Err(Exit::unsupported(format!(
                    "qlog files were asked for ({}) but this build has no qlog (cargo feature \"qlog\")",
                    dir.display()
                )));
            }
            std::fs::create_dir_all(dir).map_err(|e| {
                Exit::usage(format!(
                    "cannot create the qlog folder {}: {e}",
                    dir.display()
                ))
            })?;
        }
        Ok(Evidence {
            keylog,
            qlog_dir,
            role,
        })
    }

    /// Whether quiche must hand out TLS secrets (`Config::log_keys`).
    pub fn logs_keys(&self) -> bool {
        self.keylog.is_some()
    }

    /// Starts the key log and the qlog file of a new connection.
    pub fn attach(&self, conn: &mut quiche::Connection) {
        if let Some(keylog) = &self.keylog {
            match keylog.try_clone() {
                Ok(file) => conn.set_keylog(Box::new(file)),
                Err(e) => log::warn!("key log not written for {}: {e}", conn.trace_id()),
            }
        }
        #[cfg(feature = "qlog")]
        if let Some(dir) = &self.qlog_dir {
            let path = dir.join(format!("{}-{}.sqlog", self.role, conn.trace_id()));
            match File::create(&path) {
                Ok(file) => conn.set_qlog(
                    Box::new(std::io::BufWriter::new(file)),
                    format!("panther-quiche-{}", self.role),
                    format!(
                        "panther-quiche-{} {} over quiche {QUICHE_VERSION}",
                        self.role,
                        conn.trace_id()
                    ),
                ),
                Err(e) => log::warn!("qlog {} not written: {e}", path.display()),
            }
        }
    }
}

/// Adds the negotiated ALPN to the connection's qlog (quiche's own events leave it
/// out): what TLS agreed on, as BoringSSL reports it, next to what this side offered.
#[cfg(feature = "qlog")]
pub fn record_alpn(conn: &mut quiche::Connection, offered: &[Vec<u8>]) {
    use qlog::events::quic::{AlpnIdentifier, AlpnInformation};
    use qlog::events::EventData;

    let identifier = |alpn: &[u8]| AlpnIdentifier {
        byte_value: None,
        string_value: Some(String::from_utf8_lossy(alpn).into_owned()),
    };
    let offered = Some(offered.iter().map(|alpn| identifier(alpn)).collect());
    let chosen = Some(identifier(conn.application_proto()));
    let server = conn.is_server();
    let information = AlpnInformation {
        server_alpns: if server { offered.clone() } else { None },
        client_alpns: if server { None } else { offered },
        chosen_alpn: chosen,
    };
    if let Some(streamer) = conn.qlog_streamer() {
        if let Err(e) = streamer.add_event_data_now(EventData::QuicAlpnInformation(information)) {
            log::warn!("qlog: the ALPN event was not written: {e:?}");
        }
    }
}

#[cfg(not(feature = "qlog"))]
pub fn record_alpn(_conn: &mut quiche::Connection, _offered: &[Vec<u8>]) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse_version("1").unwrap(), 1);
        assert_eq!(parse_version("0x00000001").unwrap(), 1);
        assert_eq!(parse_version("1a2a3a4a").unwrap(), 0x1a2a_3a4a);
        assert_eq!(
            parse_version("6b3343cf").err().unwrap().code,
            crate::cli::EXIT_UNSUPPORTED
        );
        assert_eq!(
            parse_version("zz").err().unwrap().code,
            crate::cli::EXIT_USAGE
        );
    }

    #[test]
    fn alpns() {
        assert_eq!(parse_alpn("h3").unwrap(), b"h3");
        assert_eq!(
            parse_alpn("h3-29").err().unwrap().code,
            crate::cli::EXIT_UNSUPPORTED
        );
    }
}
