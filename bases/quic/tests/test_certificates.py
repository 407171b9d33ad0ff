"""Per-run certificates: the server certificate verifies against the CA, the key is private."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import stat
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from panther_base_quic.certificates import make_certificates


def test_files_exist_and_the_key_is_0600(tmp_path: Path) -> None:
    certificates = make_certificates(tmp_path / "tls", ["server"])
    assert certificates.ca_file.is_file() and certificates.cert_file.is_file()
    assert stat.S_IMODE(certificates.key_file.stat().st_mode) == 0o600


def test_server_certificate_is_issued_by_the_ca_with_the_right_names(tmp_path: Path) -> None:
    certificates = make_certificates(tmp_path, ["server", "quic-peer"])
    ca = x509.load_pem_x509_certificate(certificates.ca_file.read_bytes())
    server = x509.load_pem_x509_certificate(certificates.cert_file.read_bytes())
    server.verify_directly_issued_by(ca)  # raises if the signature does not verify
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(names.get_values_for_type(x509.DNSName)) == {"server", "quic-peer", "localhost"}
    assert set(names.get_values_for_type(x509.IPAddress)) == {
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    }
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True


def test_a_large_certificate_has_the_bytes_asked_for_and_still_verifies(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    certificates = make_certificates(tmp_path, ["server"], min_bytes=9000)
    ca = x509.load_pem_x509_certificate(certificates.ca_file.read_bytes())
    server = x509.load_pem_x509_certificate(certificates.cert_file.read_bytes())
    server.verify_directly_issued_by(ca)
    assert 9000 <= len(server.public_bytes(Encoding.DER)) < 9500
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    padding = [name for name in names.get_values_for_type(x509.DNSName) if name.endswith(".invalid")]
    assert padding and "server" in names.get_values_for_type(x509.DNSName)


def test_every_run_gets_a_fresh_ca(tmp_path: Path) -> None:
    first = make_certificates(tmp_path / "a", ["server"])
    second = make_certificates(tmp_path / "b", ["server"])
    assert first.ca_file.read_bytes() != second.ca_file.read_bytes()
    ca = x509.load_pem_x509_certificate(first.ca_file.read_bytes())
    other = x509.load_pem_x509_certificate(second.cert_file.read_bytes())
    with pytest.raises(InvalidSignature):
        other.verify_directly_issued_by(ca)


def test_copies_keep_the_key_private(tmp_path: Path) -> None:
    copy = make_certificates(tmp_path / "made", ["server"]).copy_to(tmp_path / "service" / "tls")
    assert stat.S_IMODE(copy.key_file.stat().st_mode) == 0o600
    assert copy.cert_file.parent == tmp_path / "service" / "tls"


def test_a_real_tls_handshake_trusts_the_server_by_name(tmp_path: Path) -> None:
    certificates = make_certificates(tmp_path, ["server"])
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(certificates.cert_file, certificates.key_file)
    client_context = ssl.create_default_context(cafile=str(certificates.ca_file))
    left, right = socket.socketpair()
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            with server_context.wrap_socket(right, server_side=True) as tls:
                tls.sendall(tls.recv(5))
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    thread = threading.Thread(target=serve)
    thread.start()
    with client_context.wrap_socket(left, server_hostname="localhost") as tls:
        tls.sendall(b"hello")
        assert tls.recv(5) == b"hello"
    thread.join(timeout=10)
    assert not errors
