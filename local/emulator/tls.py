"""A local certificate authority for the emulator's TLS endpoints, made with ``trustme``.

The CA key and certificate live in ``<state_dir>/ca.key`` and ``<state_dir>/ca.pem`` and are reused across
starts, so a client configured once with ``REQUESTS_CA_BUNDLE=<state_dir>/ca.pem`` keeps trusting the emulator.
Server certificates are issued on demand (SAN = the given DNS names and IP addresses) and cached in
``<state_dir>/certs/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.exceptions import InvalidSignature

log = logging.getLogger(__name__)

CA_NAME = "ACS emulator local CA"
LEAF_LIFETIME = dt.timedelta(days=365)
RENEW_BEFORE = dt.timedelta(days=7)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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


class LocalCA:
    """The emulator's CA (made and signed by ``trustme``): ``ca_path`` is the bundle clients trust; ``issue``
    signs server certificates."""

    def __init__(self, state_dir: Path, ca: trustme.CA) -> None:
        self.state_dir = state_dir
        self.ca_path = state_dir / "ca.pem"
        self._ca = ca
        self._certificate = x509.load_pem_x509_certificate(ca.cert_pem.bytes())

    @classmethod
    def load_or_create(cls, state_dir: Path) -> LocalCA:
        """Load ``state_dir/ca.pem`` + ``ca.key``, creating both the first time."""
        state_dir.mkdir(parents=True, exist_ok=True)
        cert_path, key_path = state_dir / "ca.pem", state_dir / "ca.key"
        with _exclusive(state_dir / ".ca.lock"):
            if not (cert_path.exists() and key_path.exists()):
                made = trustme.CA(organization_name=CA_NAME)
                _write_private(key_path, made.private_key_pem.bytes())
                _write_private(cert_path, made.cert_pem.bytes())
                log.info("created local CA %s", cert_path)
            ca = trustme.CA.from_pem(cert_path.read_bytes(), key_path.read_bytes())
        return cls(state_dir, ca)

    def issue(self, hostnames: Sequence[str], ip_addresses: Sequence[str] = ()) -> tuple[Path, Path]:
        """Return (certificate chain file, key file) for a server certificate with these SANs, reusing a fresh one."""
        if not (hostnames or ip_addresses):
            raise ValueError("a server certificate needs at least one hostname or IP address")
        folder = self.state_dir / "certs"
        folder.mkdir(exist_ok=True)
        ident = hashlib.sha256("\n".join([*hostnames, "", *ip_addresses]).encode()).hexdigest()[:16]
        cert_path, key_path = folder / f"{ident}.pem", folder / f"{ident}.key"
        with _exclusive(folder / f".{ident}.lock"):
            if not self._reusable(cert_path, key_path):
                names = [*hostnames, *ip_addresses]
                leaf = self._ca.issue_cert(
                    *names, common_name=names[0], organization_name=CA_NAME, not_after=_now() + LEAF_LIFETIME
                )
                chain = b"".join(pem.bytes() for pem in leaf.cert_chain_pems) + self._ca.cert_pem.bytes()
                _write_private(key_path, leaf.private_key_pem.bytes())
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
