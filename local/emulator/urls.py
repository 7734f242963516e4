"""The route table: Call Automation REST, recording storage, callback keys and the control plane."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from . import control, keys, responses, storage
from .middleware import rest

ID = "[^/:]+"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

REST: list[tuple[str, str, responses.RestHandler]] = [
    ("POST", "/calling/callConnections", responses.create_call),
    ("POST", "/calling/callConnections:answer", responses.answer_call),
    ("GET", f"/calling/callConnections/{{connection_id:{ID}}}", responses.get_call),
    ("DELETE", f"/calling/callConnections/{{connection_id:{ID}}}", responses.hang_up),
    ("POST", f"/calling/callConnections/{{connection_id:{ID}}}:terminate", responses.hang_up),
    ("POST", "/calling/recordings", responses.start_recording),
    ("GET", f"/calling/recordings/{{recording_id:{ID}}}", responses.get_recording),
    ("DELETE", f"/calling/recordings/{{recording_id:{ID}}}", responses.stop_recording),
    ("POST", f"/calling/recordings/{{recording_id:{ID}}}:pause", responses.pause_recording),
    ("POST", f"/calling/recordings/{{recording_id:{ID}}}:resume", responses.resume_recording),
]

OTHER: list[tuple[str, str, Handler]] = [
    ("GET", "/calling/keys", keys.jwks),
    ("GET", "/calling/.well-known/acsopenidconfiguration", keys.openid_configuration),
    ("GET", f"/v1/objects/{{document_id:{ID}}}/content/{{kind:{ID}}}", storage.get_object),
    ("DELETE", f"/v1/objects/{{document_id:{ID}}}", storage.delete_object),
    ("DELETE", f"/v1/objects/{{document_id:{ID}}}/content/{{kind:{ID}}}", storage.delete_object),
    ("GET", "/_emulator/health", control.health),
    ("POST", "/_emulator/reset", control.reset),
    ("POST", "/_emulator/calls/incoming", control.incoming_call),
    ("POST", "/_emulator/calls/hangup", control.hang_up),
    ("GET", "/_emulator/calls", control.list_calls),
    ("GET", "/_emulator/recordings", control.list_recordings),
    ("POST", "/_emulator/recordings/synthetic", control.synthetic_recording),
    ("GET", f"/_emulator/objects/{{document_id:{ID}}}", control.object_digest),
    ("GET", "/_emulator/deliveries", control.list_deliveries),
    ("GET", "/_emulator/settings", control.settings),
    ("POST", "/_emulator/settings", control.settings),
    ("GET", "/_emulator/subscriptions", control.list_subscriptions),
    ("POST", "/_emulator/subscriptions", control.subscribe),
    ("DELETE", "/_emulator/subscriptions/{name}", control.unsubscribe),
    ("GET", "/_emulator/faults", control.faults),
    ("DELETE", "/_emulator/faults", control.faults),
    ("POST", "/_emulator/faults/downloads", control.download_fault),
    ("POST", "/_emulator/faults/eventgrid", control.eventgrid_fault),
    ("POST", "/_emulator/faults/recordings", control.recording_fault),
    ("POST", "/_emulator/faults/rest", control.rest_fault),
    ("GET", "/_emulator/proxy", control.proxy_log),
]


def add_routes(app: web.Application) -> None:
    for method, path, rest_handler in REST:
        app.router.add_route(method, path, rest(rest_handler))
    for method, path, handler in OTHER:
        app.router.add_route(method, path, handler)
