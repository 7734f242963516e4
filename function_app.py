"""The Functions app (Python v2 model): triggers and bindings only; every decision is in ``shared.handlers``.

Importing this module builds nothing: dependencies come from ``shared.bootstrap.deps()`` on first use, and each
function imports its handler (and ``shared.telemetry``) when it first runs, so the host indexes the app at the cost
of ``azure.functions``. Each invocation runs in one span (``shared.telemetry.invocation``); chunk jobs carry its
``traceparent``, so ``archive_chunk`` continues the trace of the event that queued the chunk.
"""

from __future__ import annotations

from typing import List  # noqa: UP035 (see ChunkJobs)

import azure.functions as func

from shared import bootstrap

STORAGE = "AzureWebJobsStorage"
# A queue output of several messages. Written with typing.List: the runtime's binding validation (azure-functions-runtime,
# functions.py, validate_function_params) accepts only classes and typing generics as Out's argument and refuses the
# whole app over a builtin generic such as list[str] ("invalid non-type annotation"); tests/host/test_gate.py loads
# this module in that runtime.
ChunkJobs = func.Out[List[str]]  # noqa: UP006

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.function_name("acs_events")
@app.event_grid_trigger(arg_name="event")
@app.queue_output(arg_name="jobs", queue_name="%CHUNK_QUEUE%", connection=STORAGE)
def acs_events(event: func.EventGridEvent, jobs: ChunkJobs) -> None:
    """IncomingCall -> answer; RecordingFileStatusUpdated -> one queue message per chunk."""
    from shared.handlers.binding import grid_raw
    from shared.handlers.eventgrid import handle_grid_event
    from shared.telemetry import invocation, stamped

    raw = grid_raw(event)  # either schema: eventType (Event Grid) or type (CloudEvents)
    with invocation("acs_events", eventId=str(raw["id"]), eventType=str(raw.get("eventType") or raw.get("type"))):
        found = handle_grid_event(raw, bootstrap.deps())
        if found:
            jobs.set(stamped(found))


@app.function_name("callbacks")
@app.route(route="callbacks", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def callbacks(req: func.HttpRequest) -> func.HttpResponse:
    """Call Automation callbacks; protected by the ACS JWT, not a function key."""
    from shared.callbackguard import CALL_MAC_PARAMETER
    from shared.handlers.binding import http
    from shared.handlers.callbacks import handle_callbacks
    from shared.telemetry import SpanKind, invocation

    authorization, call_mac = req.headers.get("Authorization"), req.params.get(CALL_MAC_PARAMETER)
    with invocation("callbacks", kind=SpanKind.SERVER):
        return http(handle_callbacks(req.get_body(), authorization, call_mac, bootstrap.deps()))


@app.function_name("start_recording")
@app.route(route="calls/{callId}/recording", methods=["POST"])
def start_recording(req: func.HttpRequest) -> func.HttpResponse:
    from shared.handlers import api
    from shared.handlers.binding import http
    from shared.telemetry import SpanKind, invocation

    call_id, server_call_id = req.route_params.get("callId", ""), req.params.get("serverCallId", "")
    with invocation("start_recording", kind=SpanKind.SERVER):
        return http(api.start(call_id, req.get_body(), bootstrap.deps(), server_call_id))


@app.function_name("recording_command")
@app.route(route="calls/{callId}/recording/{action}", methods=["POST"])
def recording_command(req: func.HttpRequest) -> func.HttpResponse:
    from shared.handlers import api
    from shared.handlers.binding import http
    from shared.telemetry import SpanKind, invocation

    call_id, action = req.route_params.get("callId", ""), req.route_params.get("action", "")
    with invocation("recording_command", kind=SpanKind.SERVER, action=action):
        return http(api.command(call_id, action, bootstrap.deps(), req.params.get("serverCallId", "")))


@app.function_name("get_call")
@app.route(route="calls/{callId}", methods=["GET"])
def get_call(req: func.HttpRequest) -> func.HttpResponse:
    from shared.handlers import api
    from shared.handlers.binding import http
    from shared.telemetry import SpanKind, invocation

    with invocation("get_call", kind=SpanKind.SERVER):
        return http(
            api.get_call(req.route_params.get("callId", ""), bootstrap.deps(), req.params.get("serverCallId", ""))
        )


@app.function_name("list_calls")
@app.route(route="calls", methods=["GET"])
def list_calls(req: func.HttpRequest) -> func.HttpResponse:
    from shared.handlers import api
    from shared.handlers.binding import http
    from shared.telemetry import SpanKind, invocation

    with invocation("list_calls", kind=SpanKind.SERVER):
        return http(api.list_calls(dict(req.params), bootstrap.deps()))


@app.function_name("search_calls")
@app.route(route="search", methods=["GET"])
def search_calls(req: func.HttpRequest) -> func.HttpResponse:
    """The calls a participant took part in (``?participant=`` as typed), by time range and verdict, paged."""
    from shared.handlers.binding import http
    from shared.handlers.search import search
    from shared.telemetry import SpanKind, invocation

    with invocation("search_calls", kind=SpanKind.SERVER):
        return http(search(dict(req.params), bootstrap.deps()))


@app.function_name("recording_archive")
@app.route(route="calls/{callId}/recordings/{recordingId}/archive", methods=["GET"])
def recording_archive(req: func.HttpRequest) -> func.HttpResponse:
    """What the archive holds for one recording: pauses on the media's time axis, participants by channel."""
    from shared.domain.access import caller_of
    from shared.handlers.binding import http
    from shared.handlers.review_archive import recording_archive

    params, caller = req.route_params, caller_of(req.headers, req.params)
    return http(recording_archive(params.get("callId", ""), params.get("recordingId", ""), bootstrap.deps(), caller))


@app.function_name("chunk_media")
@app.route(route="calls/{callId}/recordings/{recordingId}/chunks/{index}", methods=["GET"])
def chunk_media(req: func.HttpRequest) -> func.HttpResponse:
    """An archived chunk's media by byte range (206, bounded pieces); ``?channel=N`` for one channel of a WAV."""
    from shared.domain.access import caller_of
    from shared.handlers.binding import served
    from shared.handlers.review_media import chunk_media

    route, caller = req.route_params, caller_of(req.headers, req.params)
    ids = (route.get("callId", ""), route.get("recordingId", ""), route.get("index", ""))
    return served(chunk_media(*ids, dict(req.params), req.headers.get("Range"), bootstrap.deps(), caller))


@app.function_name("recording_file")
@app.route(route="calls/{callId}/recordings/{recordingId}/files/{name}", methods=["GET"])
def recording_file(req: func.HttpRequest) -> func.HttpResponse:
    """One archived file of a recording (manifest, chunk media, metadata, participant file) to download, by range."""
    from shared.domain.access import caller_of
    from shared.handlers.binding import served
    from shared.handlers.review_files import recording_file

    route, caller = req.route_params, caller_of(req.headers, req.params)
    ids = (route.get("callId", ""), route.get("recordingId", ""), route.get("name", ""))
    return served(recording_file(*ids, req.headers.get("Range"), bootstrap.deps(), caller))


@app.function_name("access_log")
@app.route(route="calls/{callId}/access-log", methods=["GET"])
def access_log(req: func.HttpRequest) -> func.HttpResponse:
    """Who read the call's archived media, participant files and manifests through the app: when, which bytes."""
    from shared.handlers.access import access_log
    from shared.handlers.binding import http

    call_id, given = req.route_params.get("callId", ""), req.params.get("serverCallId", "")
    return http(access_log(call_id, bootstrap.deps(), given))


@app.function_name("list_quarantine")
@app.route(route="quarantine", methods=["GET"])
def list_quarantine(req: func.HttpRequest) -> func.HttpResponse:
    """The inputs quarantined on a day (``?date=``), with their reasons; ``&serverCallId=`` for one call's."""
    from shared.handlers.binding import http
    from shared.handlers.review_quarantine import quarantined

    return http(quarantined(dict(req.params), bootstrap.deps()))


@app.function_name("review_page")
@app.route(route="review", methods=["GET"])
def review_page(req: func.HttpRequest) -> func.HttpResponse:
    """The review page: a day's calls, one call's timeline and archive, playback."""
    from shared.handlers.binding import served
    from shared.handlers.review import page

    return served(page(dict(req.params)))


@app.function_name("review_asset")
@app.route(route="review/{asset}", methods=["GET"])
def review_asset(req: func.HttpRequest) -> func.HttpResponse:
    from shared.handlers.binding import served
    from shared.handlers.review import asset

    return served(asset(req.route_params.get("asset", "")))


@app.function_name("legal_hold")
@app.route(route="calls/{callId}/legal-hold", methods=["POST", "DELETE"])
def legal_hold(req: func.HttpRequest) -> func.HttpResponse:
    """POST sets, DELETE clears the legal hold on every archived blob of the call."""
    from shared.handlers import legal_hold
    from shared.handlers.binding import http
    from shared.telemetry import SpanKind, invocation

    call_id, held = req.route_params.get("callId", ""), req.method.upper() == "POST"
    with invocation("legal_hold", kind=SpanKind.SERVER, action="set" if held else "clear"):
        return http(
            legal_hold.change(call_id, held, req.get_body(), bootstrap.deps(), req.params.get("serverCallId", ""))
        )


@app.function_name("erase_call")
@app.route(route="calls/{callId}/erasure", methods=["POST"])
def erase_call(req: func.HttpRequest) -> func.HttpResponse:
    """Erase the call's recordings on request, leaving signed tombstones; 409 with the reason while protected."""
    from shared.handlers import erasure
    from shared.handlers.binding import http
    from shared.telemetry import SpanKind, invocation

    with invocation("erase_call", kind=SpanKind.SERVER):
        call_id = req.route_params.get("callId", "")
        return http(erasure.erase(call_id, req.get_body(), bootstrap.deps(), req.params.get("serverCallId", "")))


@app.function_name("erase_participant")
@app.route(route="participants/erasure", methods=["POST"])
def erase_participant(req: func.HttpRequest) -> func.HttpResponse:
    """Erase what holds one participant's voice in each of their calls, leaving signed tombstones; refused calls
    listed with the reason."""
    from shared.handlers import participant_erasure
    from shared.handlers.binding import http
    from shared.telemetry import SpanKind, invocation

    with invocation("erase_participant", kind=SpanKind.SERVER):
        return http(participant_erasure.erase(req.get_body(), bootstrap.deps()))


@app.function_name("archive_chunk")
@app.queue_trigger(arg_name="msg", queue_name="%CHUNK_QUEUE%", connection=STORAGE)
@app.queue_output(arg_name="verify", queue_name="%VERIFY_QUEUE%", connection=STORAGE)
@app.blob_output(arg_name="media", path="%ARCHIVE_CONTAINER%/{blobPath}", connection=STORAGE)
def archive_chunk(msg: func.QueueMessage, media: func.Out[bytes], verify: func.Out[str]) -> None:
    """Copy one chunk (small media leaves through the blob output binding, large media was streamed already) and
    ask ``verify_chunk`` to read it back: the binding writes only after this returns. The media binding is listed
    first so a host that writes outputs in order writes the blob before the verification's message; the
    verification does not rely on it (it looks again for a blob that is not there yet, then the queue retries)."""
    from dataclasses import replace

    from shared.handlers.archive import handle_chunk
    from shared.telemetry import current_traceparent, invocation, traceparent_of

    body = msg.get_body()
    with invocation("archive_chunk", traceparent=traceparent_of(body), messageId=msg.id or ""):
        found = handle_chunk(body, bootstrap.deps())
        if found.media is not None:
            media.set(found.media)
        if found.verify is not None:
            verify.set(replace(found.verify, traceparent=current_traceparent()).to_json())


@app.function_name("verify_chunk")
@app.queue_trigger(arg_name="msg", queue_name="%VERIFY_QUEUE%", connection=STORAGE)
def verify_chunk(msg: func.QueueMessage) -> None:
    """Read a copied chunk back; when it matches, record it archived, write the manifest, maybe delete at ACS."""
    from shared.handlers.verify import handle_verify
    from shared.telemetry import invocation, traceparent_of

    body = msg.get_body()
    with invocation("verify_chunk", traceparent=traceparent_of(body), messageId=msg.id or ""):
        handle_verify(body, bootstrap.deps())


@app.function_name("chunk_poison")
@app.queue_trigger(arg_name="msg", queue_name="%CHUNK_QUEUE%-poison", connection=STORAGE)
def chunk_poison(msg: func.QueueMessage) -> None:
    """A chunk job that failed on every delivery: quarantined with the reason."""
    from shared.handlers.poison import handle_chunk_poison
    from shared.telemetry import invocation, traceparent_of

    body = msg.get_body()
    with invocation("chunk_poison", traceparent=traceparent_of(body), messageId=msg.id or ""):
        handle_chunk_poison(body, bootstrap.deps())


@app.function_name("verify_poison")
@app.queue_trigger(arg_name="msg", queue_name="%VERIFY_QUEUE%-poison", connection=STORAGE)
def verify_poison(msg: func.QueueMessage) -> None:
    """A verification that failed on every delivery: one more try, else quarantined with the reason."""
    from shared.handlers.verify import handle_verify_poison
    from shared.telemetry import invocation, traceparent_of

    body = msg.get_body()
    with invocation("verify_poison", traceparent=traceparent_of(body), messageId=msg.id or ""):
        handle_verify_poison(body, bootstrap.deps())


@app.function_name("sweeper")
@app.timer_trigger(arg_name="timer", schedule="%SWEEPER_SCHEDULE%", run_on_startup=False)
@app.queue_output(arg_name="jobs", queue_name="%CHUNK_QUEUE%", connection=STORAGE)
def sweeper(timer: func.TimerRequest, jobs: ChunkJobs) -> None:
    """Reconcile quiet calls with ACS; re-enqueue stuck chunks; warn about and fail recordings past retention."""
    from shared.handlers.sweeper import sweep
    from shared.telemetry import invocation, stamped

    with invocation("sweeper"):
        found = sweep(bootstrap.deps())
        if found:
            jobs.set(stamped(found))
