"""A local certificate authority for the emulator's TLS endpoints.

The CA key and certificate live in ``<state_dir>/ca.key`` and ``<state_dir>/ca.pem`` and are reused across
starts, so a client configured once with ``REQUESTS_CA_BUNDLE=<state_dir>/ca.pem`` keeps trusting the emulator.
Server certificates are issued on demand (SAN = the given DNS names and IP addresses) and cached in
``<state_dir>/certs/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import os
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

log = logging.getLogger(__name__)

CA_NAME = "ACS emulator local CA"
CA_LIFETIME = dt.timedelta(days=3650)
LEAF_LIFETIME = dt.timedelta(days=365)
RENEW_BEFORE = dt.timedelta(days=7)
Key = ec.EllipticCurvePrivateKey


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_key() -> Key:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: Key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` atomically, readable by the owner only."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Serialise CA creation between processes sharing one state folder (a no-op where ``fcntl`` is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ca_certificate(key: Key) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - dt.timedelta(days=1))
        .not_valid_after(_now() + CA_LIFETIME)
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _alt_names(hostnames: Sequence[str], ip_addresses: Sequence[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = [x509.DNSName(host) for host in hostnames]
    names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ip_addresses]
    if not names:
        raise ValueError("a server certificate needs at least one hostname or IP address")
    return names


class LocalCA:
    """The emulator's CA: ``ca_path`` is the bundle clients trust; ``issue`` signs server certificates."""

    def __init__(self, state_dir: Path, key: Key, certificate: x509.Certificate) -> None:
        self.state_dir = state_dir
        self.ca_path = state_dir / "ca.pem"
        self._key = key
        self._certificate = certificate

    @classmethod
    def load_or_create(cls, state_dir: Path) -> LocalCA:
        """Load ``state_dir/ca.pem`` + ``ca.key``, creating both the first time."""
        state_dir.mkdir(parents=True, exist_ok=True)
        cert_path, key_path = state_dir / "ca.pem", state_dir / "ca.key"
        with _exclusive(state_dir / ".ca.lock"):
            if not (cert_path.exists() and key_path.exists()):
                key = _new_key()
                _write_private(key_path, _key_pem(key))
                _write_private(cert_path, _ca_certificate(key).public_bytes(serialization.Encoding.PEM))
                log.info("created local CA %s", cert_path)
            loaded = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
            certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{key_path} is not an EC private key")
        return cls(state_dir, loaded, certificate)

    def issue(self, hostnames: Sequence[str], ip_addresses: Sequence[str] = ()) -> tuple[Path, Path]:
        """Return (certificate chain file, key file) for a server certificate with these SANs, reusing a fresh one."""
        names = _alt_names(hostnames, ip_addresses)
        folder = self.state_dir / "certs"
        folder.mkdir(exist_ok=True)
        ident = hashlib.sha256("\n".join([*hostnames, "", *ip_addresses]).encode()).hexdigest()[:16]
        cert_path, key_path = folder / f"{ident}.pem", folder / f"{ident}.key"
        with _exclusive(folder / f".{ident}.lock"):
            if not self._reusable(cert_path, key_path):
                key = _new_key()
                chain = self._leaf(key, names).public_bytes(serialization.Encoding.PEM)
                chain += self._certificate.public_bytes(serialization.Encoding.PEM)
                _write_private(key_path, _key_pem(key))
                _write_private(cert_path, chain)
                log.info("issued server certificate %s for %s %s", cert_path.name, list(hostnames), list(ip_addresses))
        return cert_path, key_path

    def server_context(self, hostnames: Sequence[str], ip_addresses: Sequence[str] = ()) -> ssl.SSLContext:
        """A server-side TLS context presenting a certificate for these names."""
        cert_path, key_path = self.issue(hostnames, ip_addresses)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert_path, key_path)
        return context

    def _reusable(self, cert_path: Path, key_path: Path) -> bool:
        if not (cert_path.exists() and key_path.exists()):
            return False
        leaf = x509.load_pem_x509_certificate(cert_path.read_bytes())
        fresh = leaf.not_valid_after_utc - RENEW_BEFORE > _now()
        return fresh and leaf.issuer == self._certificate.subject and self._signed_by_me(leaf)

    def _signed_by_me(self, leaf: x509.Certificate) -> bool:
        try:
            leaf.verify_directly_issued_by(self._certificate)
        except (ValueError, TypeError, InvalidSignature):
            return False
        return True

    def _leaf(self, key: Key, names: list[x509.GeneralName]) -> x509.Certificate:
        first = names[0].value
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, str(first))])
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - dt.timedelta(days=1))
            .not_valid_after(_now() + LEAF_LIFETIME)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                critical=False,
            )
            .sign(self._key, hashes.SHA256())
        )
