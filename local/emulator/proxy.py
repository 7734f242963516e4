"""An HTTPS (CONNECT) proxy that stands in for ACS recording storage on ``*.asm.skype.com``.

A client configured with ``HTTPS_PROXY=http://127.0.0.1:<port>`` and ``REQUESTS_CA_BUNDLE=<local CA>`` sends
``CONNECT us-storage.asm.skype.com:443``; the proxy answers 200, completes the TLS handshake itself with a
certificate from the local CA, and pipes the decrypted HTTP bytes, unchanged, to a plain-HTTP upstream on
loopback. So the unmodified Call Automation SDK downloads and deletes recordings from the emulator.

Anything else (a non-CONNECT request, a host outside the allowed suffixes, a port other than 443) is answered
403, logged and recorded in ``refused``. Nothing is ever forwarded to the host the client named.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import ssl
from collections.abc import Sequence

from local.emulator.tls import LocalCA

log = logging.getLogger(__name__)

HEAD_LIMIT = 64 * 1024
HEAD_TIMEOUT = 30.0
PIPE_CHUNK = 64 * 1024
STOP_TIMEOUT = 5.0
_HOST_RE = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


class Refused(Exception):
    """A request the proxy will not tunnel; ``host`` is what the client asked for."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(reason)
        self.host = host
        self.reason = reason


def parse_connect(head: bytes, allowed_suffixes: Sequence[str]) -> str:
    """Return the host of an acceptable ``CONNECT host:443`` request head, or raise ``Refused``."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise Refused("", f"malformed request line {lines[0][:200]!r}")
    method, target, _ = parts
    if method.upper() != "CONNECT":
        raise Refused(_host_header(lines[1:]) or target[:200], f"{method[:20]} is not CONNECT")
    host, sep, port = target.rpartition(":")
    host = host.lower().rstrip(".")
    if not sep or not _HOST_RE.fullmatch(host):
        raise Refused(target[:200], "CONNECT target is not host:port")
    if port != "443":
        raise Refused(host, f"port {port[:10]} is not 443")
    if _suffix_of(host, allowed_suffixes) is None:
        raise Refused(host, "host is outside the allowed suffixes")
    return host


def _suffix_of(host: str, allowed_suffixes: Sequence[str]) -> str | None:
    """The allowed domain (without leading dot) that ``host`` is a strict subdomain of."""
    for suffix in allowed_suffixes:
        domain = suffix.lower().strip(".")
        if host.endswith("." + domain):
            return domain
    return None


def _host_header(lines: list[str]) -> str:
    for line in lines:
        name, _, value = line.partition(":")
        if name.strip().lower() == "host":
            return value.strip()[:200]
    return ""


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy bytes until EOF, then pass the EOF on (or close where the transport cannot half-close)."""
    try:
        while data := await reader.read(PIPE_CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError) as exc:
        log.debug("tunnel side closed: %r", exc)
    finally:
        if writer.can_write_eof() and not writer.is_closing():
            with contextlib.suppress(OSError):
                writer.write_eof()
        else:
            writer.close()


class ConnectProxy:
    """CONNECT proxy terminating TLS for ``allowed_suffixes`` and piping plaintext to ``upstream``."""

    def __init__(
        self, ca: LocalCA, upstream: tuple[str, int], allowed_suffixes: Sequence[str] = (".asm.skype.com",)
    ) -> None:
        self.ca = ca
        self.upstream = upstream
        self.allowed_suffixes = tuple(allowed_suffixes)
        self.refused: list[dict[str, str]] = []
        self.tunnels = 0
        self._server: asyncio.Server | None = None
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._connections: set[asyncio.Task[None]] = set()
        self._streams: set[asyncio.StreamWriter] = set()

    async def start(self, host: str, port: int) -> int:
        """Listen on ``host:port`` (0 = a free port) and return the bound port."""
        self._server = await asyncio.start_server(self._serve, host, port, limit=HEAD_LIMIT)
        bound = int(self._server.sockets[0].getsockname()[1])
        log.info("CONNECT proxy on %s:%s -> %s:%s for %s", host, bound, *self.upstream, self.allowed_suffixes)
        return bound

    async def stop(self) -> None:
        """Stop listening and cut every open tunnel."""
        if self._server is not None:
            self._server.close()
        for stream in list(self._streams):
            stream.transport.abort()
        if self._connections:
            _, stuck = await asyncio.wait(list(self._connections), timeout=STOP_TIMEOUT)
            for task in stuck:
                task.cancel()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        self._streams.add(writer)
        try:
            await self._handle(reader, writer)
        except TimeoutError:
            log.info("proxy client too slow (request head or TLS handshake over %ss)", HEAD_TIMEOUT)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            log.info("proxy connection dropped: %r", exc)
        finally:
            writer.close()
            self._streams.discard(writer)
            self._connections.discard(task)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT)
        try:
            host = parse_connect(head, self.allowed_suffixes)
        except Refused as refused:
            await self._refuse(writer, refused)
            return
        self.tunnels += 1
        writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        await writer.drain()
        tls_reader, tls_writer = await self._start_tls(writer, host)
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        self._streams.update((tls_writer, up_writer))
        try:
            await asyncio.gather(_pipe(tls_reader, up_writer), _pipe(up_reader, tls_writer))
        finally:
            up_writer.close()
            self._streams.difference_update((tls_writer, up_writer))

    async def _start_tls(
        self, writer: asyncio.StreamWriter, host: str
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Handshake as ``host`` on the client connection and return streams over the decrypted bytes."""
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=HEAD_LIMIT)
        protocol = asyncio.StreamReaderProtocol(reader)
        transport = await loop.start_tls(
            writer.transport, protocol, self._context(host), server_side=True, ssl_handshake_timeout=HEAD_TIMEOUT
        )
        if transport is None:
            raise ConnectionError(f"client left during the TLS handshake for {host}")
        protocol.connection_made(transport)
        return reader, asyncio.StreamWriter(transport, protocol, reader, loop)

    async def _refuse(self, writer: asyncio.StreamWriter, refused: Refused) -> None:
        log.warning("proxy refused %r: %s", refused.host, refused.reason)
        self.refused.append(
            {"host": refused.host, "reason": refused.reason, "time": dt.datetime.now(dt.UTC).isoformat()}
        )
        body = f"refused: {refused.reason}\n".encode()
        writer.write(
            b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()

    def _context(self, host: str) -> ssl.SSLContext:
        """One server context per host: SAN = the host and the wildcard of its allowed suffix."""
        if host not in self._contexts:
            domain = _suffix_of(host, self.allowed_suffixes)
            self._contexts[host] = self.ca.server_context(sorted({host, f"*.{domain}"}))
        return self._contexts[host]
