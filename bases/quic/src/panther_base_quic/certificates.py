"""TLS material for a run: a fresh CA and server certificates signed by it.

A run makes its CA once (:func:`make_authority`) and issues server certificates
from it (:func:`issue_certificates`); :func:`make_certificates` does both at once.

Made with ``cryptography`` in-process (never by shelling out), so that every run
has its own keys and nothing depends on files checked into the tree. Private keys
are created with mode 0600 from the first byte: they are never world-readable,
not even for the instant between writing and a later chmod.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509
    from panther.services.context import ServiceContext

# Names every server certificate answers to, whatever the services are called:
# local runs connect by loopback address, people connect by "localhost".
DEFAULT_NAMES = ("localhost", "127.0.0.1", "::1")
_VALIDITY = datetime.timedelta(days=2)
_PADDING_NAME = "padding-{:05d}.panther.invalid"
# DER bytes of a server certificate without padding names, about.
_BASE_BYTES = 400


@dataclass(frozen=True)
class CertificateSet:
    """Paths of the CA certificate, the server certificate and the server's private key."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def copy_to(self, folder: Path) -> CertificateSet:
        """The same files copied into ``folder`` (the key stays 0600)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        copy = CertificateSet(
            ca_file=folder / self.ca_file.name,
            cert_file=folder / self.cert_file.name,
            key_file=folder / self.key_file.name,
        )
        copy.ca_file.write_bytes(self.ca_file.read_bytes())
        copy.cert_file.write_bytes(self.cert_file.read_bytes())
        _write_private(copy.key_file, self.key_file.read_bytes())
        return copy

    def copy_ca_to(self, folder: Path) -> Path:
        """Only the CA certificate copied into ``folder``: all a client needs to trust the server."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        ca_file = folder / self.ca_file.name
        ca_file.write_bytes(self.ca_file.read_bytes())
        return ca_file

    def files_for(self, service: ServiceContext) -> dict[str, str | None]:
        """The TLS arguments of ``service``, its copies made in its own ``tls/`` folder.

        A server (or a peer, which also listens) gets the certificate, its private key
        and the CA; a client gets the CA alone. The private key never enters a
        client's folder, nor, under ``docker_compose``, its container.
        """
        folder = service.host_output_dir / "tls"
        if service.role == "client":
            return {"cert_file": None, "key_file": None, "ca_file": service.service_path(self.copy_ca_to(folder))}
        copy = self.copy_to(folder)
        return {
            "cert_file": service.service_path(copy.cert_file),
            "key_file": service.service_path(copy.key_file),
            "ca_file": service.service_path(copy.ca_file),
        }


def _subject_alternative_names(names: Iterable[str], padding: int = 0) -> x509.SubjectAlternativeName:
    """The SANs of ``names`` and the default names; with ``padding``, also that many bytes
    of names under ``.invalid`` (RFC 6761: never resolved), to make the certificate large."""
    from cryptography import x509

    entries: list[x509.GeneralName] = []
    seen: set[str] = set()
    for name in [*names, *DEFAULT_NAMES]:
        if not name or name in seen:
            continue
        seen.add(name)
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    # Each name costs its length plus two bytes of DER.
    for number in range(-(-padding // (len(_PADDING_NAME.format(0)) + 2))):
        entries.append(x509.DNSName(_PADDING_NAME.format(number)))
    return x509.SubjectAlternativeName(entries)


def _write_private(path: Path, data: bytes) -> None:
    if path.exists():
        path.unlink()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


@dataclass(frozen=True)
class CertificateAuthority:
    """A CA made for one run: its certificate file and its private key (in memory, PEM)."""

    ca_file: Path
    key_pem: bytes = field(repr=False)


def make_authority(folder: Path) -> CertificateAuthority:
    """A fresh CA whose certificate is ``folder/ca.pem``; its key never touches the disk."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    not_before, not_after = _validity()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_ca_name())
        .issuer_name(_ca_name())
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    key_pem = ca_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return CertificateAuthority(ca_file=ca_file, key_pem=key_pem)


def issue_certificates(
    authority: CertificateAuthority, folder: Path, names: Iterable[str], *, min_bytes: int = 0
) -> CertificateSet:
    """A server certificate and key signed by ``authority``, in ``folder`` with a copy of
    its CA certificate. The SANs are ``names`` plus localhost, 127.0.0.1 and ::1, and
    names under ``.invalid`` until the certificate has ``min_bytes`` of DER."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    not_before, not_after = _validity()
    ca_key = serialization.load_pem_private_key(authority.key_pem, password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)  # made by make_authority
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PANTHER test server")]))
        .issuer_name(_ca_name())
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_subject_alternative_names(names, padding=max(0, min_bytes - _BASE_BYTES)), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    certificates = CertificateSet(ca_file=folder / "ca.pem", cert_file=folder / "cert.pem", key_file=folder / "key.pem")
    if certificates.ca_file != authority.ca_file:
        certificates.ca_file.write_bytes(authority.ca_file.read_bytes())
    certificates.cert_file.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    _write_private(
        certificates.key_file,
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    return certificates


def make_certificates(folder: Path, names: Iterable[str], *, min_bytes: int = 0) -> CertificateSet:
    """Create ``ca.pem``, ``cert.pem`` and ``key.pem`` (0600) in ``folder``: a fresh CA and
    a server certificate it signed.

    The server certificate's SANs are ``names`` (typically the test's service names
    and the addresses they are reached at) plus localhost, 127.0.0.1 and ::1.
    """
    return issue_certificates(make_authority(folder), folder, names, min_bytes=min_bytes)


def certificate_names(names: Iterable[str]) -> frozenset[str]:
    """Every name a certificate made for ``names`` answers to."""
    return frozenset(name for name in [*names, *DEFAULT_NAMES] if name)


def _validity() -> tuple[datetime.datetime, datetime.datetime]:
    now = datetime.datetime.now(datetime.timezone.utc)
    # Backdated a little so that a peer whose clock is slightly behind still accepts it.
    return now - datetime.timedelta(hours=1), now + _VALIDITY


def _ca_name() -> x509.Name:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PANTHER test CA")])
