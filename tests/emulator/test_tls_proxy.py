"""The local CA and the CONNECT proxy that lets the unmodified SDK reach recording storage on loopback."""

from __future__ import annotations

import asyncio
import base64
import socket
import ssl
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from aiohttp import web
from azure.communication.callautomation import CallAutomationClient

from local.emulator.proxy import ConnectProxy
from local.emulator.tls import LocalCA
from tests.fixtures.loopthread import LoopThread

RECORDING_URL = "https://us-storage.asm.skype.com/v1/objects/0-eus-d1-abc/content/audio"
ACCESS_KEY = base64.b64encode(b"emulator-test-key-0123456789abcdef").decode()


def _big_body(size: int) -> bytes:
    return (bytes(range(256)) * (size // 256 + 1))[:size]


@dataclass
class Upstream:
    """A plain-HTTP stand-in for the emulator's storage API that records what reached it."""

    seen: list[dict[str, str]] = field(default_factory=list)
    runner: web.AppRunner | None = None

    async def start(self) -> int:
        app = web.Application()
        app.router.add_get("/v1/objects/{doc}/content/{kind}", self._content)
        app.router.add_delete("/v1/objects/{doc}", self._delete)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    def _record(self, request: web.Request) -> None:
        self.seen.append({"method": request.method, "path": request.path, **request.headers})

    async def _content(self, request: web.Request) -> web.Response:
        self._record(request)
        doc = request.match_info["doc"]
        body = _big_body(int(doc[4:])) if doc.startswith("big-") else b"media of " + doc.encode()
        return web.Response(body=body, content_type="application/octet-stream")

    async def _delete(self, request: web.Request) -> web.Response:
        self._record(request)
        return web.Response(status=200)


@dataclass
class Stack:
    ca: LocalCA
    upstream: Upstream
    proxy: ConnectProxy
    proxy_url: str


@pytest.fixture(scope="module")
def loop_thread() -> Iterator[LoopThread]:
    runner = LoopThread()
    yield runner
    runner.close()


@pytest.fixture(scope="module")
def stack(loop_thread: LoopThread, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    ca = LocalCA.load_or_create(tmp_path_factory.mktemp("ca"))
    upstream = Upstream()
    up_port = loop_thread.run(upstream.start())
    proxy = ConnectProxy(ca, ("127.0.0.1", up_port))
    port = loop_thread.run(proxy.start("127.0.0.1", 0))
    yield Stack(ca, upstream, proxy, f"http://127.0.0.1:{port}")
    loop_thread.run(proxy.stop())
    assert upstream.runner is not None
    loop_thread.run(upstream.runner.cleanup())


def _verified_handshake(ca: LocalCA, server_name: str, connect_to: str = "127.0.0.1") -> str:
    """Serve TLS with a cert for *.asm.skype.com + 127.0.0.1 and return the peer subject seen by a verifying client."""

    async def scenario() -> str:
        context = ca.server_context(["*.asm.skype.com"], ["127.0.0.1"])
        server = await asyncio.start_server(_close_after_handshake, "127.0.0.1", 0, ssl=context)
        port = server.sockets[0].getsockname()[1]
        client = ssl.create_default_context(cafile=str(ca.ca_path))
        try:
            _, writer = await asyncio.open_connection(connect_to, port, ssl=client, server_hostname=server_name)
            subject = str(writer.get_extra_info("peercert")["subject"])
            writer.close()
            return subject
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(scenario())


async def _close_after_handshake(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


def test_ca_is_persisted_and_reused_across_starts(tmp_path: Path) -> None:
    first = LocalCA.load_or_create(tmp_path)
    pem = first.ca_path.read_bytes()
    second = LocalCA.load_or_create(tmp_path)
    assert second.ca_path == tmp_path / "ca.pem"
    assert second.ca_path.read_bytes() == pem
    assert (tmp_path / "ca.key").stat().st_mode & 0o077 == 0
    cert_from_first, _ = first.issue(["x.asm.skype.com"])
    assert second.issue(["x.asm.skype.com"])[0] == cert_from_first


def test_server_certificate_verifies_for_asm_skype_hosts_and_loopback_ip(tmp_path: Path) -> None:
    ca = LocalCA.load_or_create(tmp_path)
    assert "asm.skype.com" in _verified_handshake(ca, "x.asm.skype.com")
    assert _verified_handshake(ca, "127.0.0.1")


def test_server_certificate_is_rejected_for_other_hosts(tmp_path: Path) -> None:
    ca = LocalCA.load_or_create(tmp_path)
    with pytest.raises(ssl.SSLCertVerificationError):
        _verified_handshake(ca, "evil.example.com")


def test_certificate_from_another_ca_is_not_trusted(tmp_path: Path) -> None:
    LocalCA.load_or_create(tmp_path / "one")
    other = LocalCA.load_or_create(tmp_path / "two")
    other.ca_path.write_bytes((tmp_path / "one" / "ca.pem").read_bytes())
    with pytest.raises(ssl.SSLCertVerificationError):
        _verified_handshake(other, "x.asm.skype.com")


def test_requests_get_through_proxy_reaches_upstream_with_original_host(stack: Stack) -> None:
    response = requests.get(RECORDING_URL, proxies={"https": stack.proxy_url}, verify=str(stack.ca.ca_path), timeout=30)
    assert response.status_code == 200
    assert response.content == b"media of 0-eus-d1-abc"
    last = stack.upstream.seen[-1]
    assert (last["method"], last["path"], last["Host"]) == (
        "GET",
        "/v1/objects/0-eus-d1-abc/content/audio",
        "us-storage.asm.skype.com",
    )
    assert stack.proxy.tunnels >= 1


def test_concurrent_large_downloads_through_the_proxy_arrive_intact(stack: Stack) -> None:
    sizes = [3_000_001, 2_500_000, 1_000_003, 17]

    def fetch(size: int) -> bytes:
        url = f"https://eu-storage.asm.skype.com/v1/objects/big-{size}/content/video"
        with requests.Session() as session:
            response = session.get(url, proxies={"https": stack.proxy_url}, verify=str(stack.ca.ca_path), timeout=60)
        response.raise_for_status()
        return response.content

    with ThreadPoolExecutor(max_workers=len(sizes)) as pool:
        bodies = list(pool.map(fetch, sizes))
    assert bodies == [_big_body(size) for size in sizes]


@pytest.mark.parametrize(
    ("request_head", "host", "reason"),
    [
        (b"CONNECT evil.example.com:443 HTTP/1.1\r\nHost: evil.example.com:443\r\n\r\n", "evil.example.com", "suffix"),
        (b"CONNECT us-storage.asm.skype.com:8443 HTTP/1.1\r\n\r\n", "us-storage.asm.skype.com", "port"),
        (b"CONNECT x.asm.skype.com.evil.net:443 HTTP/1.1\r\n\r\n", "x.asm.skype.com.evil.net", "suffix"),
        (
            b"GET http://us-storage.asm.skype.com/v1/objects/x HTTP/1.1\r\nHost: us-storage.asm.skype.com\r\n\r\n",
            "us-storage.asm.skype.com",
            "CONNECT",
        ),
    ],
)
def test_other_requests_are_refused_with_403_and_recorded(
    stack: Stack, request_head: bytes, host: str, reason: str
) -> None:
    port = int(stack.proxy_url.rsplit(":", 1)[1])
    before = len(stack.upstream.seen)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(request_head)
        answer = conn.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.1 403 ")
    refused = stack.proxy.refused[-1]
    assert refused["host"] == host
    assert reason in refused["reason"]
    assert refused["time"]
    assert len(stack.upstream.seen) == before


def test_requests_to_a_refused_host_fail_with_a_proxy_error(stack: Stack) -> None:
    with pytest.raises(requests.exceptions.ProxyError):
        requests.get("https://evil.example.com/", proxies={"https": stack.proxy_url}, timeout=30)
    assert stack.proxy.refused[-1]["host"] == "evil.example.com"


def _with_proxy_env(monkeypatch: pytest.MonkeyPatch, stack: Stack) -> CallAutomationClient:
    monkeypatch.setenv("HTTPS_PROXY", stack.proxy_url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(stack.ca.ca_path))
    return CallAutomationClient.from_connection_string(
        f"endpoint=https://127.0.0.1:1/;accesskey={ACCESS_KEY}", retry_total=0
    )


def test_unmodified_sdk_downloads_a_recording_through_the_env_proxy(
    monkeypatch: pytest.MonkeyPatch, stack: Stack
) -> None:
    client = _with_proxy_env(monkeypatch, stack)
    body = b"".join(client.download_recording(RECORDING_URL).iter_bytes())  # type: ignore[attr-defined]
    assert body == b"media of 0-eus-d1-abc"
    last = stack.upstream.seen[-1]
    assert last["Host"] == "us-storage.asm.skype.com"
    assert last["Authorization"].startswith("HMAC-SHA256 ")


def test_unmodified_sdk_deletes_a_recording_through_the_env_proxy(
    monkeypatch: pytest.MonkeyPatch, stack: Stack
) -> None:
    client = _with_proxy_env(monkeypatch, stack)
    client.delete_recording("https://us-storage.asm.skype.com/v1/objects/0-eus-d1-abc")
    last = stack.upstream.seen[-1]
    assert (last["method"], last["path"]) == ("DELETE", "/v1/objects/0-eus-d1-abc")


def test_stop_cuts_open_tunnels(loop_thread: LoopThread, tmp_path: Path) -> None:
    async def scenario() -> tuple[bytes, int]:
        proxy = ConnectProxy(LocalCA.load_or_create(tmp_path), ("127.0.0.1", 1))
        port = await proxy.start("127.0.0.1", 0)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"CONNECT a.asm.skype.com:443 HTTP/1.1\r\n\r\n")
        status = await reader.readuntil(b"\r\n\r\n")
        await proxy.stop()
        rest = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        return status + rest, proxy.tunnels

    answer, tunnels = loop_thread.run(scenario())
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert tunnels == 1
