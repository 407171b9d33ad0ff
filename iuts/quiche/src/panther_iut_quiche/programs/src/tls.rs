//! The client's certificate verification.
//!
//! quiche checks a server *name* (it hands it to BoringSSL with the SNI), but a URL
//! with an IP address has no name: such a certificate must hold that address as a
//! subjectAltName, which this module checks in the verification callback. The chain
//! is verified against the CA file given, or the system's roots when there is none.

use std::net::IpAddr;

use boring::ssl::{SslContextBuilder, SslMethod, SslVerifyMode};
use boring::x509::X509StoreContextRef;

use crate::cli::Exit;

/// What the client checks of the server's certificate.
pub enum Verification {
    /// Nothing (`--no-verify`).
    Off,
    /// The chain against `ca_file` (None: the system's roots) and, for a server
    /// reached by address, that the certificate names `address`.
    Peer {
        ca_file: Option<String>,
        address: Option<IpAddr>,
    },
}

/// The TLS context of a client that verifies as `verification` says.
pub fn client_context(verification: &Verification) -> Result<SslContextBuilder, Exit> {
    let mut builder = SslContextBuilder::new(SslMethod::tls())
        .map_err(|e| Exit::failure(format!("BoringSSL: {e}")))?;
    match verification {
        Verification::Off => builder.set_verify(SslVerifyMode::NONE),
        Verification::Peer { ca_file, address } => {
            match ca_file {
                Some(path) => builder
                    .set_ca_file(path)
                    .map_err(|e| Exit::usage(format!("cannot load the CA file {path}: {e}")))?,
                None => builder.set_default_verify_paths().map_err(|e| {
                    Exit::failure(format!("cannot load the system's CA certificates: {e}"))
                })?,
            }
            let address = *address;
            builder.set_verify_callback(SslVerifyMode::PEER, move |chain_ok, store| {
                if !chain_ok {
                    let reason = match store.verify_result() {
                        Ok(()) => "refused".to_string(),
                        Err(error) => error.to_string(),
                    };
                    log::error!(
                        "the server's certificate was refused: {reason} (depth {})",
                        store.error_depth()
                    );
                    return false;
                }
                match address {
                    Some(address) if store.error_depth() == 0 => leaf_names(store, address),
                    _ => true,
                }
            });
        }
    }
    Ok(builder)
}

fn leaf_names(store: &X509StoreContextRef, address: IpAddr) -> bool {
    let wanted = match address {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    let named = store
        .current_cert()
        .and_then(|cert| cert.subject_alt_names())
        .is_some_and(|names| {
            names
                .iter()
                .any(|name| name.ipaddress() == Some(wanted.as_slice()))
        });
    if !named {
        log::error!("the server's certificate does not name {address} (no such IP subjectAltName)");
    }
    named
}
