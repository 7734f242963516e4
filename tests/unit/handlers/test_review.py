"""The review endpoints: a day's calls page by page, a chunk's media by range, a recording's archive, the page."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain import ChunkFile, FilesInfo
from shared.domain import inputs as ev
from shared.domain.model import ChunkCopy
from shared.handlers import api, review, review_archive, review_files, review_media, review_quarantine
from shared.handlers.deps import Deps
from shared.handlers.replies import Reply, Served
from shared.layout import call_folder, chunk_paths, server_call_id
from shared.review.blobs import Listed, Piece
from tests.unit.handlers import payloads as p
from tests.unit.handlers.fakes import MemoryAccessLog, World, world
from tests.unit.review.test_wav import interleaved

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def media_path(folder: str) -> str:
    """Where the layout puts the media of chunk 0 of recording ``rec`` of the call ``folder`` names."""
    return chunk_paths(T0, server_call_id(folder), "rec", 0, "wav").media


class MemoryArchive:
    """``ArchiveReader`` over a dict of blob paths to bytes."""

    def __init__(self, blobs: dict[str, bytes]) -> None:
        self.blobs = blobs
        self.reads: list[tuple[str, int, int]] = []

    def read(self, path: str, offset: int, length: int) -> Piece | None:
        self.reads.append((path, offset, length))
        data = self.blobs.get(path)
        return None if data is None else Piece(data[offset : offset + length], len(data))

    def names(self, prefix: str, limit: int) -> list[Listed]:
        return [Listed(n, len(d)) for n, d in sorted(self.blobs.items()) if n.startswith(prefix)][:limit]


def archived_call(w: World, media: bytes, fmt: str = "wav", channel: str = "unmixed") -> tuple[str, Deps]:
    """A call whose one-chunk recording ``rec`` is archived with ``media``."""
    sid = p.server_call_id()
    store = w.store
    store.apply(sid, ev.CallRinging("r", T0, "eventgrid", caller="4:+1", callee="4:+2"))
    store.apply(sid, ev.RecordingStateReported("a", T0, "callback", recording_id="rec", active=True))
    info = FilesInfo(
        recording_start=T0, duration_ms=1000, content_type="audio", channel_type=channel, format=fmt,
        session_end_reason="CallEnded", storage_type="acs", ready_at=T0,
    )  # fmt: skip
    file = ChunkFile(
        index=0, document_id="doc", end_reason="SessionEnded", content_location="c", metadata_location="m",
        delete_location="d",
    )  # fmt: skip
    store.apply(sid, ev.FilesReady("f", T0, "eventgrid", recording_id="rec", info=info, chunks=(file,)))
    sha = hashlib.sha256(media).hexdigest()
    metadata = json.dumps({"chunkStartTime": T0.isoformat(), "chunkDuration": 1000, "participants": []}).encode()
    copy = ChunkCopy(size=len(media), sha256=sha, metadata_sha256=hashlib.sha256(metadata).hexdigest(), streamed=False)
    archived = ev.ChunkArchived(
        "x", T0, "verify", recording_id="rec", index=0, document_id="doc", recording_start=T0, format=fmt, copy=copy
    )
    store.apply(sid, archived)
    manifest = {"chunks": [{"index": 0, "size": len(media), "sha256": sha,
                            "metadataSha256": hashlib.sha256(metadata).hexdigest()}]}  # fmt: skip
    paths = chunk_paths(T0, sid, "rec", 0, fmt)
    blobs = {paths.media: media, paths.metadata: metadata, paths.manifest: json.dumps(manifest).encode()}
    return call_folder(sid), dataclasses.replace(w.deps, archived=MemoryArchive(blobs), access_log=MemoryAccessLog())


def media(deps: Deps, folder: str, range_header: str | None, **params: str) -> Reply | Served:
    return review_media.chunk_media(folder, "rec", "0", params, range_header, deps)


def test_a_range_is_answered_206_with_the_bytes_and_where_they_lie() -> None:
    body = bytes(range(256)) * 10
    folder, deps = archived_call(world(), body)
    answer = media(deps, folder, "bytes=100-199")
    assert isinstance(answer, Served)
    assert (answer.status, answer.body) == (206, body[100:200])
    assert answer.headers["Content-Range"] == f"bytes 100-199/{len(body)}"
    assert answer.headers["Content-Type"] == "audio/wav"


def test_an_open_range_of_a_large_chunk_gets_one_bounded_piece(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review_media, "PIECE_BYTES", 1000)
    body = bytes(5000)
    folder, deps = archived_call(world(), body)
    answer = media(deps, folder, "bytes=1500-")
    assert isinstance(answer, Served)
    assert (answer.status, len(answer.body), answer.headers["Content-Range"]) == (206, 1000, "bytes 1500-2499/5000")
    assert deps.archived.reads == [(media_path(folder), 1500, 1000)]  # type: ignore[union-attr]


def test_without_a_range_small_media_is_a_200_and_large_media_a_400(monkeypatch: pytest.MonkeyPatch) -> None:
    folder, deps = archived_call(world(), bytes(500))
    whole = media(deps, folder, None)
    assert isinstance(whole, Served)
    assert (whole.status, len(whole.body), "Content-Range" in whole.headers) == (200, 500, False)
    monkeypatch.setattr(review_media, "PIECE_BYTES", 100)
    refused = media(deps, folder, None)
    assert isinstance(refused, Reply)
    assert (refused.status, "Range" in refused.body["error"]) == (400, True)


def test_a_range_past_the_end_is_a_416_that_names_the_size() -> None:
    folder, deps = archived_call(world(), bytes(500))
    answer = media(deps, folder, "bytes=500-")
    assert isinstance(answer, Served)
    assert (answer.status, answer.headers["Content-Range"]) == (416, "bytes */500")


def test_media_that_changed_since_it_was_verified_is_not_served() -> None:
    folder, deps = archived_call(world(), bytes(500))
    deps.archived.blobs[media_path(folder)] = bytes(501)  # type: ignore[union-attr]
    answer = media(deps, folder, "bytes=0-")
    assert isinstance(answer, Reply)
    assert answer.status == 409


def test_unknown_chunks_and_unarchived_ones_are_named_in_the_error() -> None:
    w = world()
    folder, deps = archived_call(w, bytes(10))
    missing = review_media.chunk_media(folder, "rec", "7", {}, "bytes=0-", deps)
    assert isinstance(missing, Reply)
    assert (missing.status, "chunk '7'" in missing.body["error"]) == (404, True)
    assert isinstance(review_media.chunk_media(folder, "other", "0", {}, None, deps), Reply)
    for odd in ("\u0663", "9" * 5000, "-1"):
        assert review_media.chunk_media(folder, "rec", odd, {}, None, deps).status == 404
    assert review_media.chunk_media("not/base64", "rec", "0", {}, None, deps).status == 400  # type: ignore[union-attr]


def test_one_channel_of_an_unmixed_wav_is_served_as_a_mono_wav() -> None:
    source = interleaved(3, 200)
    folder, deps = archived_call(world(), source)
    answer = media(deps, folder, "bytes=0-", channel="1")
    assert isinstance(answer, Served)
    assert answer.status == 206
    assert answer.headers["Content-Range"] == f"bytes 0-{44 + 400 - 1}/{44 + 400}"
    assert answer.body[:4] == b"RIFF"
    assert answer.body[44:50] == bytes([1, 0, 9, 0, 17, 0])  # frame f, channel 1: 8f + 1


def test_a_channel_choice_that_cannot_be_served_is_a_400() -> None:
    folder, deps = archived_call(world(), interleaved(2, 10))
    for channel in ("2", "x", "\u0661", "1" * 5000, "0\n", "1\n"):
        answer = media(deps, folder, "bytes=0-", channel=channel)
        assert isinstance(answer, Reply)
        assert (answer.status, "0 to 1" in answer.body["error"]) == (400, True)
    folder, deps = archived_call(world(), bytes(100), fmt="mp3")
    answer = media(deps, folder, "bytes=0-", channel="0")
    assert isinstance(answer, Reply)
    assert answer.status == 400


def test_the_recording_archive_lists_each_chunk_with_its_facts() -> None:
    folder, deps = archived_call(world(), bytes(10))
    reply = review_archive.recording_archive(folder, "rec", deps)
    assert reply.status == 200
    assert reply.body["manifestFound"] is True
    assert [(c["index"], c["durationMs"], c["problems"]) for c in reply.body["chunks"]] == [(0, 1000, [])]


def test_the_recording_archive_names_the_files_to_download() -> None:
    folder, deps = archived_call(world(), bytes(10))
    reply = review_archive.recording_archive(folder, "rec", deps)
    assert reply.body["files"] == ["chunk-0000.metadata.json", "chunk-0000.wav", "manifest.json"]


def test_a_file_of_the_recording_downloads_by_range_as_an_attachment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review_media, "PIECE_BYTES", 1000)
    body = bytes(range(256)) * 10
    folder, deps = archived_call(world(), body)
    pieces = [
        review_files.recording_file(folder, "rec", "chunk-0000.wav", f"bytes={at}-", deps) for at in (0, 1000, 2000)
    ]
    assert all(isinstance(p, Served) and p.status == 206 for p in pieces)
    assert b"".join(p.body for p in pieces) == body  # type: ignore[union-attr]
    assert pieces[2].headers["Content-Range"] == f"bytes 2000-2559/{len(body)}"  # type: ignore[union-attr]
    assert pieces[0].headers["Content-Disposition"] == 'attachment; filename="chunk-0000.wav"'  # type: ignore[union-attr]
    manifest = review_files.recording_file(folder, "rec", "manifest.json", None, deps)
    assert isinstance(manifest, Served)
    assert (manifest.status, manifest.headers["Content-Type"]) == (200, "application/json")
    assert json.loads(manifest.body)["chunks"][0]["sha256"] == hashlib.sha256(body).hexdigest()


@pytest.mark.parametrize("name", ["../../../other/manifest.json", "chunk-0001.wav", "chunk-0000.mp3", "x", ""])
def test_a_name_the_recording_does_not_have_is_a_404(name: str) -> None:
    folder, deps = archived_call(world(), bytes(10))
    answer = review_files.recording_file(folder, "rec", name, None, deps)
    assert isinstance(answer, Reply)
    assert answer.status == 404
    assert deps.archived.reads == []  # type: ignore[union-attr]


def test_the_day_list_pages_newest_first_and_continues_where_it_ended() -> None:
    w = world()
    made = [p.server_call_id() for _ in range(5)]
    for n, sid in enumerate(made):
        w.store.apply(sid, ev.CallRinging(f"r{n}", T0 + timedelta(minutes=n), "eventgrid", caller=f"4:+{n}"))
    first = api.list_calls({"date": "2026-11-23", "limit": "2"}, w.deps)
    second = api.list_calls({"date": "2026-11-23", "limit": "2", "continuation": first.body["continuation"]}, w.deps)
    third = api.list_calls({"date": "2026-11-23", "limit": "2", "continuation": second.body["continuation"]}, w.deps)
    pages = [[c["serverCallId"] for c in page.body["calls"]] for page in (first, second, third)]
    assert pages == [made[4:2:-1], made[2:0:-1], made[:1]]
    assert "continuation" not in third.body
    assert first.body["calls"][0]["caller"] == "4:+4"


def test_a_filtered_day_list_fills_its_page_from_further_store_pages() -> None:
    w = world()
    wanted = p.server_call_id()
    w.store.apply(wanted, ev.CallRinging("w", T0, "eventgrid"))
    w.store.apply(wanted, ev.CallAnswered("a", T0, "eventgrid", call_connection_id="conn"))
    for n in range(3):
        w.store.apply(p.server_call_id(), ev.CallRinging(f"r{n}", T0 + timedelta(minutes=1 + n), "eventgrid"))
    page = api.list_calls({"date": "2026-11-23", "limit": "1", "state": "answered"}, w.deps)
    assert [c["serverCallId"] for c in page.body["calls"]] == [wanted]


def test_the_call_view_says_which_chunks_are_verified() -> None:
    folder, deps = archived_call(world(), bytes(10))
    view = api.get_call(folder, deps).body
    assert [c["verified"] for r in view["recordings"] for c in r["chunks"]] == [True]


def test_the_day_list_names_every_state_its_filter_accepts() -> None:
    page = api.list_calls({"date": "2026-11-23"}, world().deps)
    assert "no_media" in page.body["states"]
    for name in page.body["states"]:
        assert api.list_calls({"date": "2026-11-23", "state": name}, world().deps).status == 200


@pytest.mark.parametrize(
    ("params", "named"),
    [({"limit": "0"}, "limit"), ({"limit": "201"}, "limit"), ({"limit": "9" * 5000}, "limit"), ({"continuation": "%%%"}, "continuation"),
     ({"continuation": "bm90LWEta2V5"}, "continuation")],
)  # fmt: skip
def test_a_bad_paging_parameter_is_a_400_that_names_it(params: dict[str, str], named: str) -> None:
    reply = api.list_calls({"date": "2026-11-23", **params}, world().deps)
    assert reply.status == 400
    assert named in reply.body["error"]


def test_the_page_passes_its_key_on_to_its_script_and_style_sheet() -> None:
    served = review.page({"code": "abc_DEF-12"})
    text = served.body.decode()
    assert 'src="review/review.js?code=abc_DEF-12"' in text
    assert 'href="review/review.css?code=abc_DEF-12"' in text
    assert "default-src 'none'" in served.headers["Content-Security-Policy"]
    assert 'src="review/review.js?code=a%2Bb%2Fc%3D"' in review.page({"code": "a+b/c="}).body.decode()
    hostile = review.page({"code": '"><script>alert(1)</script>'}).body.decode()
    assert "<script>alert" not in hostile
    assert 'src="review/review.js"' in hostile


def test_only_the_pages_own_assets_are_served() -> None:
    script = review.asset("review.js")
    assert isinstance(script, Served)
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert review.asset("../bootstrap.py").status == 404


def quarantine_record(reason: str, payload: str) -> bytes:
    body = {"reason": reason, "source": "acs_events", "receivedAt": "2026-11-23T10:00:00+00:00",
            "payloadEncoding": "utf-8", "payload": payload}  # fmt: skip
    return json.dumps(body).encode()


def test_the_quarantine_of_a_day_lists_each_input_with_its_reason_and_can_keep_one_calls() -> None:
    sid = p.server_call_id()
    blobs = {
        "2026/11/23/eventgrid/1.json": quarantine_record(
            "no recordingChunks", f'{{"subject": "/serverCallId/{sid}/"}}'
        ),
        "2026/11/23/callback/2.json": quarantine_record("bad token", '{"serverCallId": "someone else"}'),
        "2026/11/23/chunk-job/3.json": quarantine_record("unsafe URL", f'{{"callFolder": "{call_folder(sid)}"}}'),
        "2026/11/24/eventgrid/4.json": quarantine_record("next day", sid),
    }
    deps = dataclasses.replace(world().deps, quarantined=MemoryArchive(blobs))
    day = review_quarantine.quarantined({"date": "2026-11-23"}, deps)
    assert [(i["kind"], i["reason"]) for i in day.body["inputs"]] == [
        ("callback", "bad token"), ("chunk-job", "unsafe URL"), ("eventgrid", "no recordingChunks"),
    ]  # fmt: skip
    assert "payload" not in day.body["inputs"][0]
    mine = review_quarantine.quarantined({"date": "2026-11-23", "serverCallId": sid}, deps)
    assert [i["reason"] for i in mine.body["inputs"]] == ["unsafe URL", "no recordingChunks"]
    assert review_quarantine.quarantined({"date": "x"}, deps).status == 400


def test_a_quarantine_record_too_large_to_read_is_listed_without_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review_quarantine, "RECORD_LIMIT_BYTES", 10)
    blobs = {"2026/11/23/eventgrid/1.json": quarantine_record("why", "x" * 100)}
    deps = dataclasses.replace(world().deps, quarantined=MemoryArchive(blobs))
    (item,) = review_quarantine.quarantined({"date": "2026-11-23"}, deps).body["inputs"]
    assert "not read" in item["reason"]


@pytest.mark.parametrize(
    "overwritten",
    [
        b'{"chunkDuration": 1e999, "participants": []}',
        b'{"chunkDuration": NaN, "participants": []}',
        b'{"chunkDuration": 1000, "participants": [{"participantId": "4:+1", "channel": -Infinity}]}',
        b'{"x":' * 100_000 + b"1" + b"}" * 100_000,
    ],
)
def test_an_overwritten_metadata_document_shows_as_differing_from_the_manifest(overwritten: bytes) -> None:
    folder, deps = archived_call(world(), bytes(10))
    assert isinstance(deps.archived, MemoryArchive)
    deps.archived.blobs[chunk_paths(T0, server_call_id(folder), "rec", 0, "wav").metadata] = overwritten
    reply = review_archive.recording_archive(folder, "rec", deps)
    assert reply.status == 200
    ((chunk),) = reply.body["chunks"]
    assert any("differs from the manifest" in problem for problem in chunk["problems"]), chunk


@pytest.mark.parametrize("manifest", [b'{"chunks": [{"index": 1e999}]}', b"[" * 100_000 + b"]" * 100_000])
def test_an_overwritten_manifest_is_shown_as_unreadable_not_an_error(manifest: bytes) -> None:
    folder, deps = archived_call(world(), bytes(10))
    assert isinstance(deps.archived, MemoryArchive)
    deps.archived.blobs[chunk_paths(T0, server_call_id(folder), "rec", 0, "wav").manifest] = manifest
    reply = review_archive.recording_archive(folder, "rec", deps)
    assert reply.status == 200
    assert reply.body["manifestFound"] is False
