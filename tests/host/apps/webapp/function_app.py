"""A toy app for the local host's tests: HTTP routes and auth levels, an Event Grid function, a timer."""

import json
import logging
import os

import azure.functions as func

log = logging.getLogger("toy.webapp")
app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
seen: list[dict[str, object]] = []


@app.route(route="hello/{name}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"hello {req.route_params['name']}{req.params.get('suffix', '')}")


@app.route(route="calls/{callId}/recording/pause", methods=["POST"])
def pause(req: func.HttpRequest) -> func.HttpResponse:
    body = {"callId": req.route_params["callId"], "sent": req.get_json(), "method": req.method}
    return func.HttpResponse(json.dumps(body), status_code=202, mimetype="application/json", headers={"X-Toy": "1"})


@app.route(route="calls/active", methods=["GET"])
def active(req: func.HttpRequest) -> str:
    return "literal route"


@app.route(route="calls/{callId}", methods=["GET"])
def call(req: func.HttpRequest) -> str:
    return f"call {req.route_params['callId']}"


@app.route(route="secret", auth_level=func.AuthLevel.ADMIN)
def secret(req: func.HttpRequest) -> str:
    return "admin only"


@app.route(route="settings/{name}", auth_level=func.AuthLevel.ANONYMOUS)
def setting(req: func.HttpRequest) -> str:
    return os.environ.get(req.route_params["name"], "<unset>")


@app.route(route="slow", auth_level=func.AuthLevel.ANONYMOUS)
async def slow(req: func.HttpRequest) -> func.HttpResponse:
    log.info("async function ran")
    return func.HttpResponse("async ok")


@app.route(route="whoami", auth_level=func.AuthLevel.ANONYMOUS)
def whoami(req: func.HttpRequest, context: func.Context) -> str:
    return f"{context.function_name} {context.invocation_id}"


@app.route(route="boom", auth_level=func.AuthLevel.ANONYMOUS)
def boom(req: func.HttpRequest) -> str:
    raise RuntimeError("the function failed")


@app.route(route="seen", auth_level=func.AuthLevel.ANONYMOUS)
def seen_events(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(seen), mimetype="application/json")


@app.function_name("acs_events")
@app.event_grid_trigger(arg_name="event")
def acs_events(event: func.EventGridEvent) -> None:
    data = event.get_json()
    kind = getattr(event, "event_type", None) or getattr(event, "type", None)
    log.info("event %s of type %s", event.id, kind)
    if isinstance(data, dict) and data.get("fail"):
        raise ValueError(f"event {event.id} asked to fail")
    seen.append({"id": event.id, "type": kind, "class": type(event).__name__, "data": data})


@app.timer_trigger(arg_name="timer", schedule="%TICK_SCHEDULE%", run_on_startup=True)
def tick(timer: func.TimerRequest) -> None:
    schedule = os.environ.get("TICK_SCHEDULE")
    seen.append({"id": "tick", "type": "timer", "class": type(timer).__name__, "data": schedule})


@app.function_name("returns_a_value")
@app.event_grid_trigger(arg_name="event")
def returns_a_value(event: func.EventGridEvent) -> None:
    """Returns a value with no ``$return`` binding: the runtime fails the invocation."""
    return event.id  # type: ignore[return-value]
