"""Values to and from FunctionRpc ``TypedData``, as the Functions host converts them.

Source: azure-functions-host, ``RpcMessageConversionExtensions`` (``ToRpc`` for what the host sends: bytes as
``bytes``, text as ``string``, anything else as ``json``; ``ToObject`` for what a worker returns: ``json`` parsed,
``bytes``/``stream`` as bytes, ``string``/``int``/``double`` as they are).
"""

from __future__ import annotations

import json
from typing import Any

from .rpc import messages


def to_typed_data(value: Any) -> Any:
    """A host value as ``TypedData``: bytes, text, or JSON for everything else."""
    rpc = messages()
    if value is None:
        return rpc.TypedData()
    if isinstance(value, (bytes, bytearray)):
        return rpc.TypedData(bytes=bytes(value))
    if isinstance(value, str):
        return rpc.TypedData(string=value)
    return rpc.TypedData(json=json.dumps(value))


def from_typed_data(data: Any) -> Any:
    """What a worker sent, as the host reads it (``None`` when nothing was set)."""
    kind = data.WhichOneof("data") if data is not None else None
    if kind is None:
        return None
    if kind == "json":
        return json.loads(data.json)
    if kind == "http":
        raise TypeError("an HTTP response is read with local.host.http_api, not as a plain value")
    if kind.startswith("collection_"):
        return list(getattr(getattr(data, kind), kind.removeprefix("collection_")))
    return getattr(data, kind)
