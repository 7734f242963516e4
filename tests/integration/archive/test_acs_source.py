"""``AcsRecordingSource`` with the unmodified Call Automation SDK, through the emulator's TLS-terminating proxy to a
loopback store that answers ranges like ACS storage (206 + Content-Range, 404 when gone, optional cut bodies)."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from azure.communication.callautomation import CallAutomationClient
from azure.storage.blob import ContainerClient

from local.emulator.proxy import ConnectProxy
from local.emulator.tls import LocalCA
from shared.archive import AcsRecordingSource, ArchiveOptions, ArchiveTransientError, SourceGoneError, archive_chunk
from shared.archive import fetch as fetch_module
from shared.archive.source import SourceStream
from tests.fixtures.loopthread import LoopThread
from tests.integration.archive.test_archive_chunk import make_job

ACCESS_KEY = base64.b64encode(b"archive-test-key-0123456789abcdef").decode()
OPTIONS = ArchiveOptions(streaming_threshold_bytes=256 * 1024, block_size_bytes=64 * 1024, concurrency=4)


@dataclass
class Store:
    """Recording storage on plain HTTP: ``/v1/objects/{doc}/content/{kind}`` with byte ranges."""

    objects: dict[str, bytes] = field(default_factory=dict)
    ranges: list[str | None] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    cut_after: int | None = None  # send this many body bytes of each answer, then drop the connection

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v1/objects/{doc}/content/{kind}", self._content)
        app.router.add_delete("/v1/objects/{doc}", self._delete)
        return app

    async def _content(self, request: web.Request) -> web.StreamResponse:
        key = f"{request.match_info['doc']}/{request.match_info['kind']}"
        self.ranges.append(request.headers.get("Range"))
        if key not in self.objects:
            return web.json_response({"error": {"code": "NotFound", "message": "gone"}}, status=404)
        data = self.objects[key]
        start, end, status = 0, len(data) - 1, 200
        if request.http_range.start is not None:
            start = request.http_range.start
            end = min(end, (request.http_range.stop or len(data)) - 1)
            status = 206
        headers = {"Content-Range": f"bytes {start}-{end}/{len(data)}", "Content-Type": "application/octet-stream"}
        response = web.StreamResponse(status=status, headers=headers)
        response.content_length = end - start + 1
        await response.prepare(request)
        body = data[start : end + 1]
        if self.cut_after is not None:
            await response.write(body[: self.cut_after])
            assert request.transport is not None
            request.transport.close()
            return response
        await response.write(body)
        return response

    async def _delete(self, request: web.Request) -> web.Response:
        self.deleted.append(request.match_info["doc"])
        return web.Response(status=200)


@dataclass
class Acs:
    store: Store
    proxy_url: str
    ca_path: str


@pytest.fixture(scope="module")
def acs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Acs]:
    loop = LoopThread()
    store = Store()
    runner = web.AppRunner(store.app())

    async def start() -> int:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    ca = LocalCA.load_or_create(tmp_path_factory.mktemp("ca"))
    proxy = ConnectProxy(ca, ("127.0.0.1", loop.run(start())))
    port = loop.run(proxy.start("127.0.0.1", 0))
    yield Acs(store, f"http://127.0.0.1:{port}", str(ca.ca_path))
    loop.run(proxy.stop())
    loop.run(runner.cleanup())
    loop.close()


@pytest.fixture
def source(acs: Acs, monkeypatch: pytest.MonkeyPatch) -> AcsRecordingSource:
    acs.store.cut_after = None
    acs.store.ranges.clear()
    monkeypatch.setenv("HTTPS_PROXY", acs.proxy_url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", acs.ca_path)
    monkeypatch.setattr(fetch_module, "RETRY_DELAY_SECONDS", 0.0)
    client = CallAutomationClient.from_connection_string(
        f"endpoint=https://127.0.0.1:1/;accesskey={ACCESS_KEY}", retry_total=0
    )
    return AcsRecordingSource(client)


def publish(acs: Acs, index: int, media: bytes) -> None:
    job = make_job(index)
    acs.store.objects[f"{job.file.document_id}/audiowav"] = media
    acs.store.objects[f"{job.file.document_id}/acsmetadata"] = b'{"chunkDuration": 1000, "participants": []}'


def test_a_range_from_offset_zero_is_sent_as_an_explicit_range(acs: Acs, source: AcsRecordingSource) -> None:
    media = os.urandom(5000)
    publish(acs, 0, media)
    stream = source.download(make_job(0).file.content_location, 0, 1000)
    assert isinstance(stream, SourceStream)
    assert (b"".join(stream), stream.partial, stream.start, stream.total) == (media[:1000], True, 0, 5000)
    assert acs.store.ranges == ["bytes=0-999"]


def test_a_streamed_chunk_goes_from_acs_to_storage_through_the_sdk(
    acs: Acs, source: AcsRecordingSource, container: ContainerClient
) -> None:
    media = os.urandom(1_000_000)
    publish(acs, 1, media)
    result = archive_chunk(make_job(1), source, container, OPTIONS)
    assert result.copy.streamed
    assert container.download_blob(make_job(1).chunk.paths.media).readall() == media
    assert result.copy.sha256 == hashlib.sha256(media).hexdigest()
    assert "bytes=0-65535" in acs.store.ranges
    assert "bytes=983040-999999" in acs.store.ranges


def test_a_recording_gone_at_acs_raises_source_gone(acs: Acs, source: AcsRecordingSource) -> None:
    with pytest.raises(SourceGoneError, match="404"):
        source.download("https://us-storage.asm.skype.com/v1/objects/missing/content/audiowav", 0, 10)


def test_a_body_cut_by_a_dropped_connection_is_transient(
    acs: Acs, source: AcsRecordingSource, container: ContainerClient
) -> None:
    publish(acs, 2, os.urandom(500_000))
    acs.store.cut_after = 1000
    with pytest.raises(ArchiveTransientError):
        archive_chunk(make_job(2), source, container, OPTIONS)
    assert not container.get_blob_client(make_job(2).chunk.paths.media).exists()


def test_delete_reaches_the_delete_location(acs: Acs, source: AcsRecordingSource) -> None:
    source.delete(make_job(3).file.delete_location)
    assert acs.store.deleted[-1] == make_job(3).file.document_id
