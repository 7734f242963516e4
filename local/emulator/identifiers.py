"""Communication identifiers (raw ids such as ``4:+14255550100`` and ``8:acs:...``) and the emulator's ids."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from .exceptions import BadRequest


def identifier(raw_id: str) -> dict[str, Any]:
    """The response/event form of an identifier (with ``kind``)."""
    if raw_id.startswith("4:"):
        return {"kind": "phoneNumber", "rawId": raw_id, "phoneNumber": {"value": raw_id[2:]}}
    if raw_id.startswith("8:"):
        return {"kind": "communicationUser", "rawId": raw_id, "communicationUser": {"id": raw_id}}
    return {"kind": "unknown", "rawId": raw_id}


def raw_id_of(model: Any) -> str:
    """The raw id of a request identifier (``rawId`` plus one sub-object, no ``kind``)."""
    if not isinstance(model, dict):
        raise BadRequest(f"an identifier must be an object, not {type(model).__name__}")
    raw = model.get("rawId")
    if isinstance(raw, str) and raw:
        return raw
    if isinstance(model.get("communicationUser"), dict) and model["communicationUser"].get("id"):
        return str(model["communicationUser"]["id"])
    if isinstance(model.get("phoneNumber"), dict) and model["phoneNumber"].get("value"):
        return "4:" + str(model["phoneNumber"]["value"])
    raise BadRequest("an identifier needs rawId, communicationUser.id or phoneNumber.value")


def check_raw_id(raw_id: Any) -> str:
    if not isinstance(raw_id, str) or not (raw_id.startswith("4:+") or raw_id.startswith("8:")):
        raise BadRequest(f"{raw_id!r} is not a raw id (4:+E164 phone number or 8:... user)")
    return raw_id


def new_server_call_id() -> str:
    """Standard base64 of a conversation URL, as ACS makes them (may contain ``/``, ``+`` and ``=``)."""
    url = f"https://api.flightproxy.skype.com/api/v2/cp/conv-usea-01-prod-akscv/conversations/{uuid.uuid4()}"
    url += "?i=" + base64.b64encode(secrets.token_bytes(7)).decode()
    return base64.b64encode(url.encode()).decode()


def new_recording_id(platform_endpoint_id: str) -> str:
    """Unpadded base64url of ``{"PlatformEndpointId", "ResourceSpecificId"}`` (the real format)."""
    payload = json.dumps({"PlatformEndpointId": platform_endpoint_id, "ResourceSpecificId": str(uuid.uuid4())})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def new_document_id() -> str:
    return f"0-eus-d{secrets.randbelow(20) + 1}-{secrets.token_hex(16)}"


def new_incoming_call_context(server_call_id: str) -> str:
    """An opaque, JWT-like string; the emulator maps it back to its call on answer."""
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=")
    body = json.dumps({"cc": server_call_id, "n": secrets.token_hex(8)}).encode()
    return f"{header}.{base64.urlsafe_b64encode(body).decode().rstrip('=')}.{secrets.token_urlsafe(16)}"


def timestamp(seconds: float, zulu: bool = True) -> str:
    """ISO 8601 UTC with 7 fractional digits, as ACS writes them (``Z`` or ``+00:00``)."""
    moment = datetime.fromtimestamp(seconds, UTC)
    ticks = int((seconds % 1) * 10_000_000)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{ticks:07d}" + ("Z" if zulu else "+00:00")
