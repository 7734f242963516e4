"""A Key Vault data plane on loopback that records every request and answers Get Key and Sign as documented.

There is no Key Vault emulator, so the requests the Key Vault SDK sends for a manifest signature are checked here.
The service is also an HTTPS proxy: a client with ``HTTPS_PROXY`` pointing at it sends ``CONNECT
<vault>.vault.azure.net:443``, and the service completes the TLS handshake itself with a certificate for that host
from a local CA (``local.emulator.tls``), so the SDK talks to the vault's real URL, with its own TLS and challenge
checks, unchanged. Only what the signing path uses is served, as Microsoft's REST specification
(Azure/azure-rest-api-specs, ``specification/keyvault/data-plane/Microsoft.KeyVault/stable/2025-07-01/keys.json``
and its ``examples/sign-example.json``) and reference describe it:

- Sign, https://learn.microsoft.com/rest/api/keyvault/keys/sign/sign:
  ``POST /keys/{key-name}/{key-version}/sign?api-version=`` with ``KeySignParameters`` ``{"alg", "value"}``
  (base64url digest), 200 with ``KeyOperationResult`` ``{"kid", "value"}`` (base64url signature; for ES256 the
  JWS form ``r || s``).
- Get Key, https://learn.microsoft.com/rest/api/keyvault/keys/get-key/get-key: ``GET /keys/{key-name}/{key-version}``;
  a caller whose role holds only ``keys/sign/action`` is answered 403 (RBAC checks every data action:
  https://learn.microsoft.com/azure/key-vault/general/rbac-guide).
- Errors: ``KeyVaultError`` ``{"error": {"code", "message", "innererror"}}`` (``common.json`` of the same folder).
- Authentication, https://learn.microsoft.com/azure/key-vault/general/authentication-requests-and-responses: a
  request without a bearer token is answered 401 with ``WWW-Authenticate: Bearer authorization="<authority>/<tenant>",
  resource="https://vault.azure.net"``.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from local.emulator.tls import LocalCA
from shared.signing import b64url, from_b64url, raw_signature

SUFFIX = ".vault.azure.net"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
TOKEN = "local-vault-token"
CHALLENGE = f'Bearer authorization="https://login.microsoftonline.com/{TENANT}", resource="https://vault.azure.net"'


@dataclass(frozen=True)
class Request:
    host: str
    method: str
    path: str
    query: dict[str, str]
    authorization: str | None
    content_type: str | None
    body: Any  # the parsed JSON body, or None


@dataclass
class Refusal:
    status: int
    code: str
    message: str
    inner: str = ""


@dataclass
class Backend:
    """Keys by (name, version) and the requests seen; ``sign_only``: the caller's role holds keys/sign only."""

    keys: dict[tuple[str, str], ec.EllipticCurvePrivateKey] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    sign_only: bool = True
    refuse_sign: Refusal | None = None


class KeyVaultService:
    """The service on a free local port; ``proxy_url`` and ``ca_path`` are what a client's environment needs."""

    def __init__(self, state_dir: Path) -> None:
        self.backend = Backend()
        self.ca = LocalCA.load_or_create(state_dir)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.backend, self.ca))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def ca_path(self) -> Path:
        return self.ca.ca_path

    def add_key(self, vault: str, name: str, version: str) -> ec.EllipticCurvePublicKey:
        """A new P-256 key version (as ``kty: EC-HSM, crv: P-256``); its key id is ``key_id(vault, name, version)``."""
        key = ec.generate_private_key(ec.SECP256R1())
        self.backend.keys[(name, version)] = key
        return key.public_key()

    def start(self) -> KeyVaultService:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def key_id(vault: str, name: str, version: str) -> str:
    return f"https://{vault}{SUFFIX}/keys/{name}/{version}"


def _handler(backend: Backend, ca: LocalCA) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        vault_host = ""  # set on the TLS side of a CONNECT

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_CONNECT(self) -> None:
            host, _, port = self.path.rpartition(":")
            if not host.endswith(SUFFIX) or port != "443":
                self._json(403, {"error": {"code": "Forbidden", "message": f"no tunnel to {self.path}"}})
                return
            self.send_response(200, "Connection established")
            self.end_headers()
            self.close_connection = True
            _serve_tls(self.connection, host, self.client_address, self.server, ca)

        def do_GET(self) -> None:
            self._answer(_get_key)

        def do_POST(self) -> None:
            self._answer(_sign)

        def _answer(self, operation: Any) -> None:
            request = self._record()
            if request.authorization != f"Bearer {TOKEN}":
                self._json(
                    401, _error("Unauthorized", "AKV10000: Request is missing a Bearer or PoP token."), CHALLENGE
                )
                return
            status, body = operation(backend, request)
            self._json(status, body)

        def _record(self) -> Request:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            found = Request(
                host=self.vault_host,
                method=self.command,
                path=url.path,
                query={k: v[-1] for k, v in parse_qs(url.query).items()},
                authorization=self.headers.get("Authorization"),
                content_type=self.headers.get("Content-Type"),
                body=json.loads(raw) if raw else None,
            )
            backend.requests.append(found)
            return found

        def _json(self, status: int, body: dict[str, Any], challenge: str = "") -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            if challenge:
                self.send_header("WWW-Authenticate", challenge)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _serve_tls(connection: socket.socket, host: str, client: Any, server: ThreadingHTTPServer, ca: LocalCA) -> None:
    """Serve the requests inside the tunnel as the vault ``host`` (TLS with a certificate for it)."""
    try:
        tls = ca.server_context([host]).wrap_socket(connection, server_side=True)
    except (ssl.SSLError, OSError):
        return
    inner = type("VaultHandler", (server.RequestHandlerClass,), {"vault_host": host})
    try:
        inner(tls, client, server)
    finally:
        tls.close()


def _error(code: str, message: str, inner: str = "") -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if inner:
        error["innererror"] = {"code": inner}
    return {"error": error}


def _refusal(refusal: Refusal) -> tuple[int, dict[str, Any]]:
    return refusal.status, _error(refusal.code, refusal.message, refusal.inner)


def _parts(path: str) -> list[str]:
    return path.strip("/").split("/")


def _get_key(backend: Backend, request: Request) -> tuple[int, dict[str, Any]]:
    if backend.sign_only:
        return _refusal(Refusal(403, "Forbidden", "Caller is not authorized to perform action on resource.\r\n"
                                "Action: 'Microsoft.KeyVault/vaults/keys/read'", "ForbiddenByRbac"))  # fmt: skip
    return 501, _error("NotImplemented", "Get Key with key material is not served here")


def _sign(backend: Backend, request: Request) -> tuple[int, dict[str, Any]]:
    parts = _parts(request.path)
    if len(parts) != 4 or parts[0] != "keys" or parts[3] != "sign":
        return 404, _error("NotFound", f"no operation at {request.path}")
    if "api-version" not in request.query:
        return 400, _error("BadParameter", "The api-version query parameter is missing.")
    if backend.refuse_sign is not None:
        return _refusal(backend.refuse_sign)
    key = backend.keys.get((parts[1], parts[2]))
    if key is None:
        return 404, _error(
            "KeyNotFound", f"A key with (name/id) {parts[1]}/{parts[2]} was not found in this key vault."
        )
    return _signature(key, request)


def _signature(key: ec.EllipticCurvePrivateKey, request: Request) -> tuple[int, dict[str, Any]]:
    body = request.body if isinstance(request.body, dict) else {}
    if body.get("alg") != "ES256":
        return 400, _error("BadParameter", f"Algorithm {body.get('alg')!r} is not supported by a P-256 key.")
    try:
        digest = from_b64url(body.get("value", ""))
    except ValueError:
        return 400, _error("BadParameter", "The value is not base64url.")
    if len(digest) != 32:
        return 400, _error("BadParameter", "Invalid length of the digest for ES256.")
    signature = raw_signature(key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256()))))
    path = "/".join(_parts(request.path)[:3])
    return 200, {"kid": f"https://{request.host}/{path}", "value": b64url(signature)}
