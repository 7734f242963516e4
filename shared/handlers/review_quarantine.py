"""``GET /api/quarantine?date=YYYY-MM-DD[&serverCallId=...]``: the inputs quarantined on a day, with their reasons.

The quarantine keeps one JSON record per rejected input under ``{yyyy}/{MM}/{dd}/{kind}/`` (``shared.quarantine``).
At most ``SCAN_LIMIT`` records of the day are read (in name order; ``truncated`` says when there were more), each
whole when it is at most ``RECORD_LIMIT_BYTES`` (a larger one is listed without its reason). With ``serverCallId``
only the records whose payload names that call (its serverCallId or callFolder) are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from azure.core.exceptions import AzureError

from shared import boundedjson
from shared.handlers.deps import Deps
from shared.handlers.replies import Reply, error
from shared.layout import LayoutError, call_folder
from shared.review.blobs import ArchiveReader, Listed

SCAN_LIMIT = 200
RECORD_LIMIT_BYTES = 256 * 1024
_ID_LIMIT = 2048


def quarantined(params: Mapping[str, str], deps: Deps) -> Reply:
    text, server_call_id = params.get("date", ""), params.get("serverCallId", "")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return error(400, f"date: must be YYYY-MM-DD, not {text!r}")
    if len(server_call_id) > _ID_LIMIT:
        return error(400, f"serverCallId: longer than {_ID_LIMIT} characters")
    if deps.quarantined is None:
        return error(501, "this app serves no quarantine reads")
    try:
        listed = deps.quarantined.names(f"{day:%Y/%m/%d}/", SCAN_LIMIT + 1)
        inputs = [_view(item, _record(deps.quarantined, item)) for item in listed[:SCAN_LIMIT]]
    except AzureError as exc:
        return error(503, f"quarantine storage unavailable: {exc}")
    names = _names(server_call_id) if server_call_id else ()
    kept = [i for i in inputs if not names or any(name in i["payload"] for name in names)]
    shown = [{k: v for k, v in i.items() if k != "payload"} for i in kept]
    return Reply(200, {"date": day.isoformat(), "inputs": shown, "truncated": len(listed) > SCAN_LIMIT})


def _record(reader: ArchiveReader, item: Listed) -> dict[str, Any] | None:
    if item.size > RECORD_LIMIT_BYTES:
        return None
    piece = reader.read(item.name, 0, RECORD_LIMIT_BYTES)
    try:
        record = boundedjson.loads(piece.data, max_bytes=RECORD_LIMIT_BYTES) if piece is not None else None
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _view(item: Listed, record: dict[str, Any] | None) -> dict[str, Any]:
    parts = item.name.split("/")
    found = record or {}
    payload = found.get("payload") if found.get("payloadEncoding") == "utf-8" else ""
    return {
        "name": item.name,
        "kind": parts[3] if len(parts) > 4 else "",
        "receivedAt": found.get("receivedAt"),
        "source": found.get("source"),
        "reason": found.get("reason") if record is not None else f"not read: larger than {RECORD_LIMIT_BYTES} bytes",
        "payload": payload if isinstance(payload, str) else "",
    }


def _names(server_call_id: str) -> tuple[str, ...]:
    try:
        return (server_call_id, call_folder(server_call_id))
    except LayoutError:
        return (server_call_id,)
