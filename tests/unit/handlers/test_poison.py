"""The poison handlers never fail on a message's shape: each keeps the raw message with a reason."""

from __future__ import annotations

import dataclasses
import json

import pytest

from shared.domain.model import ChunkCopy
from shared.handlers.poison import handle_chunk_poison
from shared.handlers.verify import handle_verify_poison
from shared.messages import VerifyJob
from shared.telemetry import traceparent_of
from tests.unit.handlers.fakes import world
from tests.unit.test_messages import REF

DEEP = "[" * 25_000 + "]" * 25_000
SHAPES = [DEEP, '{"a":' * 25_000 + "1" + "}" * 25_000, "[]", "null", "\ud800", '{"recordingId": "a/b"}', "\xff"]


def verify_job(**participant: object) -> str:
    copy = ChunkCopy(size=5, sha256="a" * 64, metadata_sha256="b" * 64, streamed=False)
    found = json.loads(VerifyJob(chunk=REF, document_id="doc-2", copy=copy).to_json())
    found["participantFiles"] = [participant]
    return json.dumps(found)


@pytest.mark.parametrize("body", SHAPES)
def test_a_chunk_poison_message_of_any_shape_is_kept_with_a_reason(body: str) -> None:
    w = world()
    handle_chunk_poison(body.encode("utf-8", "surrogatepass"), w.deps)
    ((kind, reason, payload),) = w.quarantine.kept
    assert (kind, bool(reason)) == ("chunk-poison", True)
    assert payload == body.encode("utf-8", "surrogatepass")


@pytest.mark.parametrize("body", SHAPES)
def test_a_verify_poison_message_of_any_shape_is_kept_with_a_reason(body: str) -> None:
    w = world()
    handle_verify_poison(body.encode("utf-8", "surrogatepass"), w.deps)
    ((_, reason, payload),) = w.quarantine.kept
    assert reason
    assert payload == body.encode("utf-8", "surrogatepass")


def test_a_verification_whose_participant_file_lacks_its_sha256_is_quarantined_naming_it() -> None:
    w = world()
    handle_verify_poison(verify_job(participantId="4:+1", blobPath="x.wav", size=4), w.deps)
    ((_, reason, _),) = w.quarantine.kept
    assert "participantFiles[0] lacks sha256" in reason


def test_a_verification_that_fails_unexpectedly_on_its_last_try_is_quarantined_not_lost() -> None:
    w = world()

    def broken(job: VerifyJob) -> None:
        raise KeyError("sha256")

    deps = dataclasses.replace(w.deps, read_back=broken)
    body = verify_job(participantId="4:+1", blobPath="x.wav", size=4, sha256="c" * 64)
    handle_verify_poison(body, deps)
    ((kind, reason, _),) = w.quarantine.kept
    assert (kind, "KeyError" in reason) == ("verify-poison", True)


def test_the_trace_of_a_deeply_nested_message_is_none_rather_than_an_error() -> None:
    assert traceparent_of(DEEP) == ""
