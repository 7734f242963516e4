"""Callback JWT verification with RSA keys made here and a JWKS served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from cryptography.x509.oid import NameOID
from jwt.algorithms import RSAAlgorithm

from shared.jwtcheck import CallbackAuthError, CallbackVerifier, JwksUnavailable

ISSUER = "https://acscallautomation.communication.azure.com"
AUDIENCE = "6f2b1e4c-0a4d-4a52-9d3e-8a1f0b2c3d4e"


class Signer:
    """An RSA key pair with a key id: signs tokens and publishes its public JWK."""

    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def token(self, **overrides: Any) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "nbf": now, "exp": now + 300} | overrides
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})


class Jwks:
    """A JWKS endpoint on a free port; counts requests; can fail on demand."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.keys: list[Any] = []
        self.requests = 0
        self.status = 200
        self.body: bytes | None = None
        self.location = ""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_port}/calling/keys"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                jwks.requests += 1
                body = jwks.body if jwks.body is not None else json.dumps({"keys": jwks.keys}).encode()
                self.send_response(jwks.status)
                self.send_header("Content-Type", "application/json")
                if jwks.location:
                    self.send_header("Location", jwks.location)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        return Handler

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer("key-1")


@pytest.fixture(scope="module")
def other_signer() -> Signer:
    return Signer("key-2")


@pytest.fixture
def jwks(signer: Signer) -> Iterator[Jwks]:
    server = Jwks()
    server.keys = [signer.jwk()]
    yield server
    server.close()


@pytest.fixture
def verifier(jwks: Jwks) -> CallbackVerifier:
    return CallbackVerifier(ISSUER, AUDIENCE, jwks.url, min_refetch_seconds=0)


def bearer(token: str) -> str:
    return f"Bearer {token}"


def test_a_valid_token_returns_its_claims(verifier: CallbackVerifier, signer: Signer) -> None:
    claims = verifier.verify(bearer(signer.token(sub="acs"))).claims
    assert (claims["iss"], claims["aud"], claims["sub"]) == (ISSUER, AUDIENCE, "acs")


def test_the_bearer_scheme_is_case_insensitive(verifier: CallbackVerifier, signer: Signer) -> None:
    assert verifier.verify(f"bearer  {signer.token()}").claims["aud"] == AUDIENCE


def test_a_token_is_known_by_its_jti_and_expires_when_its_exp_says(verifier: CallbackVerifier, signer: Signer) -> None:
    exp = int(time.time()) + 200
    verified = verifier.verify(bearer(signer.token(jti="a1b2", exp=exp)))
    assert verified.token_id == "jti:a1b2"
    assert verified.expires_at == datetime.fromtimestamp(exp, UTC)


def test_a_token_without_jti_is_known_by_its_signed_part_whatever_its_signature_text(
    verifier: CallbackVerifier, signer: Signer
) -> None:
    token = signer.token(jti=None)
    head, payload, signature = token.split(".")
    last = signature[-1]
    # The last base64url character of a 256-byte signature carries 4 unused bits: another spelling, same bytes.
    twin = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelled = twin[(twin.index(last) & ~0xF) | ((twin.index(last) + 1) & 0xF)]
    other = f"{head}.{payload}.{signature[:-1]}{respelled}"
    first = verifier.verify(bearer(token))
    assert first.token_id == "sha256:" + hashlib.sha256(f"{head}.{payload}".encode()).hexdigest()
    try:
        second: str | None = verifier.verify(bearer(other)).token_id
    except CallbackAuthError:
        second = None  # PyJWT refuses the non-canonical spelling outright
    assert other != token
    assert second in (None, first.token_id), "a respelled signature must not give the token a second id"


@pytest.mark.parametrize("header", [None, "", "   "])
def test_a_missing_token_is_refused(verifier: CallbackVerifier, header: str | None) -> None:
    with pytest.raises(CallbackAuthError, match=r"missing|not 'Bearer"):
        verifier.verify(header)


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc"])
def test_a_header_that_is_not_bearer_is_refused(verifier: CallbackVerifier, header: str) -> None:
    with pytest.raises(CallbackAuthError, match="Bearer"):
        verifier.verify(header)


@pytest.mark.parametrize("token", ["abc", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30", "....", "eyJ.eyJ.sig"])
def test_a_malformed_token_is_refused(verifier: CallbackVerifier, token: str) -> None:
    with pytest.raises(CallbackAuthError, match=r"malformed|algorithm"):
        verifier.verify(bearer(token))


def test_an_expired_token_is_refused(verifier: CallbackVerifier, signer: Signer) -> None:
    past = int(time.time()) - 600
    with pytest.raises(CallbackAuthError, match="expired"):
        verifier.verify(bearer(signer.token(iat=past - 300, nbf=past - 300, exp=past)))


def test_a_token_not_yet_valid_is_refused(verifier: CallbackVerifier, signer: Signer) -> None:
    with pytest.raises(CallbackAuthError, match="not yet valid"):
        verifier.verify(bearer(signer.token(nbf=int(time.time()) + 600, exp=int(time.time()) + 900)))


@pytest.mark.parametrize("claim", ["exp", "iss", "aud"])
def test_a_token_without_a_required_claim_is_refused(verifier: CallbackVerifier, signer: Signer, claim: str) -> None:
    with pytest.raises(CallbackAuthError, match=claim):
        verifier.verify(bearer(signer.token(**{claim: None})))


def test_a_token_for_another_audience_is_refused(verifier: CallbackVerifier, signer: Signer) -> None:
    with pytest.raises(CallbackAuthError, match="Audience"):
        verifier.verify(bearer(signer.token(aud="another-acs-resource")))


def test_a_token_from_another_issuer_is_refused(verifier: CallbackVerifier, signer: Signer) -> None:
    with pytest.raises(CallbackAuthError, match="issuer"):
        verifier.verify(bearer(signer.token(iss="https://evil.example.com")))


def test_a_token_signed_by_another_key_under_a_known_kid_is_refused(
    verifier: CallbackVerifier, other_signer: Signer
) -> None:
    forged = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300}, other_signer.key, "RS256", {"kid": "key-1"}
    )
    with pytest.raises(CallbackAuthError, match="Signature"):
        verifier.verify(bearer(forged))


def test_a_token_with_a_tampered_payload_is_refused(verifier: CallbackVerifier, signer: Signer) -> None:
    header, _, signature = signer.token().split(".")
    other_payload = signer.token(sub="admin").split(".")[1]
    with pytest.raises(CallbackAuthError, match="Signature"):
        verifier.verify(bearer(f"{header}.{other_payload}.{signature}"))


def test_an_hs256_token_keyed_with_the_public_key_is_refused(verifier: CallbackVerifier, signer: Signer) -> None:
    public_pem = signer.key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    header = _b64({"alg": "HS256", "typ": "JWT", "kid": "key-1"})
    payload = _b64({"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300})
    mac = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    with pytest.raises(CallbackAuthError, match="RS256"):
        verifier.verify(bearer(f"{header}.{payload}.{signature}"))


def _b64(document: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()


def test_an_unsigned_token_is_refused(verifier: CallbackVerifier) -> None:
    token = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300}, "", algorithm="none")
    with pytest.raises(CallbackAuthError, match="RS256"):
        verifier.verify(bearer(token))


def test_the_jwks_is_fetched_once_and_cached(verifier: CallbackVerifier, signer: Signer, jwks: Jwks) -> None:
    assert jwks.requests == 0
    for _ in range(3):
        verifier.verify(bearer(signer.token()))
    assert jwks.requests == 1


def test_an_unknown_kid_triggers_one_refetch_then_succeeds_after_rotation(
    verifier: CallbackVerifier, signer: Signer, other_signer: Signer, jwks: Jwks
) -> None:
    verifier.verify(bearer(signer.token()))
    jwks.keys = [signer.jwk(), other_signer.jwk()]
    assert verifier.verify(bearer(other_signer.token())).claims["aud"] == AUDIENCE
    assert jwks.requests == 2


def test_an_unknown_kid_still_unknown_after_one_refetch_is_refused(
    verifier: CallbackVerifier, signer: Signer, other_signer: Signer, jwks: Jwks
) -> None:
    verifier.verify(bearer(signer.token()))
    with pytest.raises(CallbackAuthError, match="unknown key id 'key-2'"):
        verifier.verify(bearer(other_signer.token()))
    assert jwks.requests == 2


def test_refetches_for_unknown_kids_are_rate_limited(signer: Signer, other_signer: Signer, jwks: Jwks) -> None:
    verifier = CallbackVerifier(ISSUER, AUDIENCE, jwks.url, min_refetch_seconds=3600)
    verifier.verify(bearer(signer.token()))
    for _ in range(3):
        with pytest.raises(CallbackAuthError, match="unknown key id"):
            verifier.verify(bearer(other_signer.token()))
    assert jwks.requests == 1


def test_the_cache_expires(signer: Signer, jwks: Jwks) -> None:
    clock = [1000.0]
    verifier = CallbackVerifier(ISSUER, AUDIENCE, jwks.url, cache_seconds=300, clock=lambda: clock[0])
    verifier.verify(bearer(signer.token()))
    clock[0] += 299
    verifier.verify(bearer(signer.token()))
    assert jwks.requests == 1
    clock[0] += 1
    verifier.verify(bearer(signer.token()))
    assert jwks.requests == 2


def test_a_token_without_kid_uses_the_only_key(verifier: CallbackVerifier, signer: Signer) -> None:
    token = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300}, signer.key, "RS256")
    assert verifier.verify(bearer(token)).claims["iss"] == ISSUER


def test_unusable_keys_in_the_jwks_are_skipped(verifier: CallbackVerifier, signer: Signer, jwks: Jwks) -> None:
    jwks.keys = [
        {"kty": "oct", "kid": "sym", "k": "c2VjcmV0"},
        {"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"},
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        "not a key",
        signer.jwk(),
    ]
    assert verifier.verify(bearer(signer.token())).claims["aud"] == AUDIENCE


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, b"{}"),
        (503, b"busy"),
        (404, b"{}"),
        (302, b'{"keys": []}'),
        (200, b"not json"),
        (200, b"[]"),
        (200, b'{"keys": "x"}'),
    ],
)
def test_a_jwks_that_cannot_be_fetched_is_transient_not_an_auth_error(
    verifier: CallbackVerifier, signer: Signer, jwks: Jwks, status: int, body: bytes
) -> None:
    jwks.status, jwks.body = status, body
    with pytest.raises(JwksUnavailable):
        verifier.verify(bearer(signer.token()))
    assert not issubclass(JwksUnavailable, CallbackAuthError)


def test_an_unreachable_jwks_is_transient(signer: Signer) -> None:
    server = Jwks()
    url = server.url
    server.close()
    verifier = CallbackVerifier(ISSUER, AUDIENCE, url, timeout_seconds=2)
    with pytest.raises(JwksUnavailable, match="cannot fetch"):
        verifier.verify(bearer(signer.token()))


def test_a_redirect_from_the_jwks_url_is_not_followed(verifier: CallbackVerifier, signer: Signer, jwks: Jwks) -> None:
    elsewhere = Jwks()
    elsewhere.keys = [signer.jwk()]
    jwks.status, jwks.body, jwks.location = 302, b"", elsewhere.url
    try:
        with pytest.raises(JwksUnavailable, match="HTTP 302"):
            verifier.verify(bearer(signer.token()))
        assert elsewhere.requests == 0
    finally:
        elsewhere.close()


def test_a_bad_token_does_not_fetch_the_jwks(verifier: CallbackVerifier, jwks: Jwks) -> None:
    with pytest.raises(CallbackAuthError):
        verifier.verify(bearer("garbage"))
    assert jwks.requests == 0


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jwks test CA")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(Encoding.PEM))
    key_path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def https_jwks(tmp_path: Path, signer: Signer) -> Iterator[tuple[Jwks, Path]]:
    cert, key = _self_signed(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server = Jwks(tls)
    server.keys = [signer.jwk()]
    yield server, cert
    server.close()


def test_an_https_jwks_is_trusted_through_requests_ca_bundle(
    https_jwks: tuple[Jwks, Path], signer: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    jwks, ca = https_jwks
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
    verifier = CallbackVerifier(ISSUER, AUDIENCE, jwks.url)
    assert verifier.verify(bearer(signer.token())).claims["aud"] == AUDIENCE


def test_an_https_jwks_with_an_untrusted_certificate_is_transient(
    https_jwks: tuple[Jwks, Path], signer: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    jwks, _ = https_jwks
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with pytest.raises(JwksUnavailable, match="cannot fetch"):
        CallbackVerifier(ISSUER, AUDIENCE, jwks.url).verify(bearer(signer.token()))
