"""Archived bytes are served only once their read is in the access log: who, what, when, which bytes."""

from __future__ import annotations

import dataclasses

from shared.domain.access import Caller
from shared.handlers import review_archive, review_files, review_media
from shared.handlers.access import access_log
from shared.handlers.replies import Reply, Served
from tests.unit.handlers.fakes import MemoryAccessLog, world
from tests.unit.handlers.test_review import archived_call, media_path

AUDITOR = Caller(key="sha256:0123456789abcdef", principal_name="auditor@contoso.example", identity_provider="aad")


def test_a_media_range_is_logged_with_the_caller_the_blob_and_the_bytes_served() -> None:
    body = bytes(range(256)) * 10
    folder, deps = archived_call(world(), body)
    answer = review_media.chunk_media(folder, "rec", "0", {}, "bytes=100-199", deps, AUDITOR)
    assert isinstance(answer, Served)
    assert answer.status == 206
    (read,) = deps.access_log.recorded  # type: ignore[union-attr]
    assert (read.caller, read.route, read.blob) == (AUDITOR, "chunk_media", media_path(folder))
    assert (read.served.first, read.served.last, read.served.size) == (100, 199, len(body))  # type: ignore[union-attr]
    assert read.at == deps.now()


def test_a_downloaded_file_and_the_manifest_shown_on_the_page_are_logged() -> None:
    folder, deps = archived_call(world(), bytes(300))
    review_files.recording_file(folder, "rec", "manifest.json", None, deps, AUDITOR)
    review_archive.recording_archive(folder, "rec", deps, AUDITOR)
    reads = deps.access_log.recorded  # type: ignore[union-attr]
    assert [(r.route, r.blob.rsplit("/", 1)[-1]) for r in reads] == [
        ("recording_file", "manifest.json"), ("recording_archive", "manifest.json"),
    ]  # fmt: skip
    assert reads[1].served is None, "the whole manifest was read to show what it holds"


def test_a_refused_read_serves_no_bytes_and_logs_nothing() -> None:
    folder, deps = archived_call(world(), bytes(300))
    answer = review_media.chunk_media(folder, "rec", "0", {}, "bytes=900-", deps, AUDITOR)
    assert isinstance(answer, Served)
    assert answer.status == 416
    assert deps.access_log.recorded == []  # type: ignore[union-attr]


def test_when_the_log_cannot_be_written_no_byte_is_served() -> None:
    folder, deps = archived_call(world(), bytes(300))
    deps = dataclasses.replace(deps, access_log=MemoryAccessLog(failing=True))
    answer = review_media.chunk_media(folder, "rec", "0", {}, "bytes=0-9", deps, AUDITOR)
    assert isinstance(answer, Reply)
    assert answer.status == 503
    assert "access log cannot be written" in answer.body["error"]


def test_an_app_without_an_access_log_serves_no_archived_bytes() -> None:
    folder, deps = archived_call(world(), bytes(300))
    deps = dataclasses.replace(deps, access_log=None)
    answer = review_files.recording_file(folder, "rec", "chunk-0000.wav", None, deps, AUDITOR)
    assert isinstance(answer, Reply)
    assert answer.status == 501


def test_the_calls_reads_are_listed_and_a_bad_call_id_is_a_400() -> None:
    folder, deps = archived_call(world(), bytes(300))
    review_media.chunk_media(folder, "rec", "0", {}, "bytes=0-9", deps, AUDITOR)
    listed = access_log(folder, deps)
    assert listed.status == 200
    (read,) = listed.body["reads"]
    assert (read["caller"]["principalName"], read["bytes"]["last"]) == (AUDITOR.principal_name, 9)
    assert access_log("not/base64", deps).status == 400
