"""Spans per invocation and the trace context a chunk job carries from acs_events to archive_chunk."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from opentelemetry.trace import SpanKind

from shared import telemetry
from shared.domain import ChunkFile
from shared.messages import ChunkJob, ChunkRef
from tests.fixtures.telemetry import Exported

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def job(traceparent: str = "") -> ChunkJob:
    ref = ChunkRef(
        server_call_id="x", recording_id="x", index=0, format="wav", recording_start=datetime(2026, 12, 1, tzinfo=UTC)
    )
    file = ChunkFile(
        index=0, document_id="x", end_reason="", content_location="c", metadata_location="m", delete_location="d"
    )
    return ChunkJob(chunk=ref, file=file, traceparent=traceparent)


def test_a_job_queued_inside_an_invocation_carries_its_traceparent(exported: Exported) -> None:
    with telemetry.invocation("acs_events", eventType="Microsoft.Communication.RecordingFileStatusUpdated") as span:
        (message,) = telemetry.stamped([job()])
    context = span.get_span_context()
    carried = json.loads(message)["traceparent"]
    assert carried == f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"
    assert ChunkJob.from_json(message).traceparent == carried


def test_a_job_that_carries_a_trace_keeps_it() -> None:
    (message,) = telemetry.stamped([job(traceparent=TRACEPARENT)])
    assert json.loads(message)["traceparent"] == TRACEPARENT


def test_the_archive_invocation_is_a_child_of_the_span_that_queued_the_chunk(exported: Exported) -> None:
    with telemetry.invocation("acs_events"):
        (message,) = telemetry.stamped([job()])
    with telemetry.invocation("archive_chunk", traceparent=telemetry.traceparent_of(message.encode())):
        pass
    queued, archived = exported.spans.get_finished_spans()
    assert archived.parent is not None
    assert archived.context.trace_id == queued.context.trace_id
    assert archived.parent.span_id == queued.context.span_id
    assert archived.kind is SpanKind.CONSUMER


def test_without_a_traceparent_an_invocation_starts_its_own_trace(exported: Exported) -> None:
    with telemetry.invocation("archive_chunk", traceparent=telemetry.traceparent_of(b"not json")):
        pass
    (span,) = exported.spans.get_finished_spans()
    assert span.parent is None


def test_an_invocation_that_raises_is_marked_failed(exported: Exported) -> None:
    try:
        with telemetry.invocation("archive_chunk"):
            raise RuntimeError("storage down")
    except RuntimeError:
        pass
    (span,) = exported.spans.get_finished_spans()
    assert not span.status.is_ok
    assert [e.name for e in span.events] == ["exception"]


def test_only_non_empty_attributes_are_set(exported: Exported) -> None:
    with telemetry.invocation("acs_events", eventId="e1", eventType=""):
        pass
    (span,) = exported.spans.get_finished_spans()
    assert dict(span.attributes or {}) == {"eventId": "e1"}


def test_nothing_is_exported_without_a_connection_string() -> None:
    assert telemetry.configure({}) is False


def test_the_exporter_signs_in_with_the_managed_identity_the_authentication_string_names() -> None:
    credential = telemetry._credential({telemetry.AUTHENTICATION_STRING: "ClientId=abc;Authorization=AAD"})
    assert type(credential).__name__ == "ManagedIdentityCredential"
    assert telemetry._credential({}) is None
