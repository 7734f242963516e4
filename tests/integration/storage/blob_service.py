"""A small Blob service that records every request and answers List Blobs and Set Blob Legal Hold as documented.

Azurite does not implement legal holds (its README lists "Version Level Worm" as not supported; Azure/Azurite#2648
says the handlers are stubs), so the exact requests the Storage SDK sends are checked here instead. Only what the
legal-hold code path uses is served, each as Microsoft's REST reference describes it:

- List Blobs, https://learn.microsoft.com/rest/api/storageservices/list-blobs:
  ``GET /{account}/{container}?restype=container&comp=list[&prefix=][&include=versions][&marker=]``, 200 with an
  ``EnumerationResults`` XML body; a ``NextMarker`` continues the listing (the service may return fewer results
  than asked for, with a marker). With ``include=versions`` every version is listed with ``VersionId`` and
  ``IsCurrentVersion``; with ``include=immutabilitypolicy`` a protected version's properties carry
  ``ImmutabilityPolicyUntilDate`` and ``ImmutabilityPolicyMode`` (``unlocked``/``locked``), and with
  ``include=legalhold`` ``LegalHold`` (``true``/``false``).
- Set Blob Legal Hold, https://learn.microsoft.com/rest/api/storageservices/set-blob-legal-hold:
  ``PUT /{account}/{container}/{blob}?comp=legalhold[&versionid=]`` with ``x-ms-legal-hold: true|false``, 200 with
  ``x-ms-legal-hold``, ``x-ms-request-id``, ``x-ms-version`` and ``Date``.
- Errors, https://learn.microsoft.com/rest/api/storageservices/status-and-error-codes2: the status, the error code
  in ``x-ms-error-code`` and an ``<Error><Code/><Message/></Error>`` body; the reason phrase is the message.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

ACCOUNT = "devstoreaccount1"
PAGE = 2  # versions per List Blobs page, so a listing of more than two spans pages
VERSION = "2026-02-06"


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # unquoted, without the query
    query: dict[str, str]
    legal_hold: str | None  # the x-ms-legal-hold header
    api_version: str | None  # the x-ms-version header


@dataclass
class Refusal:
    status: int
    code: str
    message: str


@dataclass(frozen=True)
class Answer:
    body: bytes
    headers: dict[str, str]


@dataclass
class Backend:
    """Containers of blobs, each blob a list of version ids (the last is the current one), and the holds set."""

    blobs: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    held: dict[tuple[str, str, str], bool] = field(default_factory=dict)  # (container, blob, version id)
    retained: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # (blob, version): (until, mode)
    requests: list[Request] = field(default_factory=list)
    refuse_legal_hold: Refusal | None = None


class BlobService:
    """The service on a free local port, on a thread; ``account_url`` points the SDK at it (anonymous requests)."""

    def __init__(self) -> None:
        self.backend = Backend()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.backend))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def account_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/{ACCOUNT}"

    def start(self) -> BlobService:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(backend: Backend) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            self._send(_list_blobs(backend, self._record()))

        def do_PUT(self) -> None:
            self._send(_set_legal_hold(backend, self._record()))

        def _record(self) -> Request:
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            found = Request(
                self.command,
                unquote(url.path),
                query,
                self.headers.get("x-ms-legal-hold"),
                self.headers.get("x-ms-version"),
            )
            backend.requests.append(found)
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            return found

        def _send(self, outcome: Answer | Refusal) -> None:
            headers = _common()
            if isinstance(outcome, Refusal):
                body = _error_body(outcome)
                self.send_response(outcome.status, outcome.message)
                headers |= {"x-ms-error-code": outcome.code, "Content-Type": "application/xml"}
            else:
                body = outcome.body
                self.send_response(200)
                headers |= outcome.headers
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _list_blobs(backend: Backend, request: Request) -> Answer | Refusal:
    container = request.path.removeprefix(f"/{ACCOUNT}/")
    if request.query.get("restype") != "container" or request.query.get("comp") != "list":
        return Refusal(400, "UnsupportedQueryParameter", "Only List Blobs is served here.")
    if container not in backend.blobs:
        return Refusal(404, "ContainerNotFound", "The specified container does not exist.")
    listing = _listing(backend.blobs[container], request.query, _protection(backend, container))
    return Answer(listing, {"Content-Type": "application/xml"})


def _protection(backend: Backend, container: str) -> Callable[[str, str | None, set[str]], str]:
    """The retention and legal-hold properties of one version, as far as ``include`` asks for them."""

    def properties(name: str, version: str | None, include: set[str]) -> str:
        found = ""
        retained = backend.retained.get((name, version or ""))
        if "immutabilitypolicy" in include and retained:
            found += f"<ImmutabilityPolicyUntilDate>{retained[0]}</ImmutabilityPolicyUntilDate>"
            found += f"<ImmutabilityPolicyMode>{retained[1]}</ImmutabilityPolicyMode>"
        if "legalhold" in include:
            held = backend.held.get((container, name, version or ""), False)
            found += f"<LegalHold>{str(held).lower()}</LegalHold>"
        return found

    return properties


def _set_legal_hold(backend: Backend, request: Request) -> Answer | Refusal:
    container, _, name = request.path.removeprefix(f"/{ACCOUNT}/").partition("/")
    versions = backend.blobs.get(container, {}).get(name)
    if request.query.get("comp") != "legalhold":
        return Refusal(400, "UnsupportedQueryParameter", "Only Set Blob Legal Hold is served here.")
    if backend.refuse_legal_hold is not None:
        return backend.refuse_legal_hold
    version = request.query.get("versionid") or (versions[-1] if versions else "")
    if versions is None or version not in versions:
        return Refusal(404, "BlobNotFound", "The specified blob does not exist.")
    held = request.legal_hold == "true"
    backend.held[(container, name, version)] = held
    return Answer(b"", {"x-ms-legal-hold": "true" if held else "false"})


def _error_body(refusal: Refusal) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f"<Error><Code>{refusal.code}</Code><Message>{escape(refusal.message)}\n"
        f"RequestId:{uuid.uuid4()}\nTime:{formatdate(usegmt=True)}</Message></Error>"
    ).encode()


def _common() -> dict[str, str]:
    return {"x-ms-request-id": str(uuid.uuid4()), "x-ms-version": VERSION, "Date": formatdate(usegmt=True)}


def _listing(
    blobs: dict[str, list[str]], query: dict[str, str], protection: Callable[[str, str | None, set[str]], str]
) -> bytes:
    """One page of List Blobs: current versions only, or every version with ``include=versions``."""
    include = set(query.get("include", "").split(","))
    every = "versions" in include
    prefix = query.get("prefix", "")
    rows = [
        (name, version, version == ids[-1])
        for name, ids in sorted(blobs.items())
        if name.startswith(prefix)
        for version in (ids if every else ids[-1:])
    ]
    start = int(query.get("marker") or 0)
    page, rest = rows[start : start + PAGE], rows[start + PAGE :]
    items = "".join(
        _blob(name, version if every else None, current, protection(name, version, include))
        for name, version, current in page
    )
    marker = str(start + PAGE) if rest else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<EnumerationResults ServiceEndpoint="http://127.0.0.1/{ACCOUNT}/" ContainerName="c">'
        f"<Prefix>{escape(prefix)}</Prefix><Blobs>{items}</Blobs><NextMarker>{marker}</NextMarker>"
        "</EnumerationResults>"
    ).encode()


def _blob(name: str, version: str | None, current: bool, protected: str = "") -> str:
    versioned = f"<VersionId>{version}</VersionId><IsCurrentVersion>{str(current).lower()}</IsCurrentVersion>"
    return (
        f"<Blob><Name>{escape(name)}</Name>{versioned if version else ''}<Properties>"
        f"<Last-Modified>{formatdate(usegmt=True)}</Last-Modified><Etag>0x8DD000000000001</Etag>"
        "<Content-Length>10</Content-Length><Content-Type>application/octet-stream</Content-Type>"
        "<BlobType>BlockBlob</BlobType><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState>"
        f"{protected}</Properties></Blob>"
    )
