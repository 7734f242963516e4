"""One trace per files-ready delivery: acs_events, and every archive_chunk it queued as a child, with the call's
ids as span and log attributes (what Application Insights shows as customDimensions)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from azure.core.settings import settings

from shared.layout import call_folder
from tests.fixtures.telemetry import Exported
from tests.integration.app.emulated import Acs
from tests.integration.app.flow import stopped_recording
from tests.integration.app.functions import App


def test_files_ready_and_each_chunk_copy_form_one_trace_with_the_calls_ids(
    app: App, acs: Acs, exported: Exported
) -> None:
    sid, recording_id, files_ready = stopped_recording(app, acs)
    exported.spans.clear()
    jobs = app.grid(files_ready)
    assert jobs
    for job in jobs:
        app.run_chunk(job)
    spans = exported.spans.get_finished_spans()
    (delivery,) = [s for s in spans if s.name == "acs_events"]
    copies = [s for s in spans if s.name == "archive_chunk"]
    assert len(copies) == len(jobs)
    for copy in copies:
        assert copy.parent is not None
        assert copy.parent.span_id == delivery.context.span_id
        assert copy.context.trace_id == delivery.context.trace_id
    for span in (delivery, *copies):
        attributes = dict(span.attributes or {})
        assert (attributes["callFolder"], attributes["serverCallId"]) == (call_folder(sid), sid)
        assert attributes["recordingId"] == recording_id
    assert dict(delivery.attributes or {})["eventType"] == "Microsoft.Communication.RecordingFileStatusUpdated"


def test_the_archive_lines_carry_the_ids_as_attributes_not_as_text(app: App, acs: Acs, exported: Exported) -> None:
    sid, recording_id, files_ready = stopped_recording(app, acs)
    for job in app.grid(files_ready):
        app.run_chunk(job)
    archived = [
        d.log_record
        for d in exported.logs.get_finished_logs()
        if str(d.log_record.body).startswith("chunk ") and "archived" in str(d.log_record.body)
    ]
    assert archived
    for record in archived:
        attributes = dict(record.attributes or {})
        assert (attributes["callFolder"], attributes["recordingId"], attributes["serverCallId"]) == (
            call_folder(sid),
            recording_id,
            sid,
        )
        assert sid not in str(record.body)
        assert call_folder(sid) not in str(record.body)
        assert record.trace_id != 0


@pytest.fixture
def sdk_spans() -> Iterator[None]:
    """The Azure SDKs' own spans, as the distro turns them on (``azure_sdk`` instrumentation)."""
    settings.tracing_implementation = "opentelemetry"
    try:
        yield
    finally:
        settings.tracing_implementation = None


@pytest.mark.usefixtures("sdk_spans")
def test_every_storage_and_acs_request_of_a_chunk_copy_joins_its_trace(app: App, acs: Acs, exported: Exported) -> None:
    _, _, files_ready = stopped_recording(app, acs)
    exported.spans.clear()
    for job in app.grid(files_ready):
        app.run_chunk(job)
    spans = exported.spans.get_finished_spans()
    expected = {"archive_chunk": "CallAutomationClient.download_recording", "verify_chunk": "BlobClient.download_blob"}
    for name, request in expected.items():
        invocations = [s for s in spans if s.name == name]
        assert invocations
        for invocation in invocations:
            assert invocation.start_time is not None
            assert invocation.end_time is not None
            inside = [
                s
                for s in spans
                if s is not invocation and invocation.start_time <= (s.start_time or 0) <= invocation.end_time
            ]
            assert request in {s.name for s in inside}
            assert all(s.context.trace_id == invocation.context.trace_id for s in inside), "a request left the trace"


def test_each_verification_continues_the_trace_of_the_copy_that_queued_it(
    app: App, acs: Acs, exported: Exported
) -> None:
    _, _, files_ready = stopped_recording(app, acs)
    exported.spans.clear()
    for job in app.grid(files_ready):
        app.run_chunk(job)
    spans = exported.spans.get_finished_spans()
    copies = {s.context.span_id: s for s in spans if s.name == "archive_chunk"}
    verifications = [s for s in spans if s.name == "verify_chunk"]
    assert len(verifications) == len(copies) > 0
    for verification in verifications:
        assert verification.parent is not None
        parent = copies[verification.parent.span_id]
        assert verification.context.trace_id == parent.context.trace_id
