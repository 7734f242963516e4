"""Storage connections for triggers and bindings: ``connection="X"`` names the setting X holding a connection string."""

from __future__ import annotations

import ipaddress
import threading
from urllib.parse import urlparse

from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueServiceClient

from local.azurite import connection_string as azurite_connection_string

from .settings import SettingError, setting

DEFAULT_CONNECTION = "AzureWebJobsStorage"
DEVELOPMENT_STORAGE = azurite_connection_string(10000, 10001, 10002)

_lock = threading.Lock()
_queues: dict[str, QueueServiceClient] = {}
_blobs: dict[str, BlobServiceClient] = {}


def connection_string(connection: str | None) -> str:
    """The connection string a binding's ``connection`` names (default ``AzureWebJobsStorage``)."""
    name = connection or DEFAULT_CONNECTION
    try:
        value = setting(name)
    except SettingError:
        value = ""
    if not value.strip():
        raise SettingError(f"storage connection setting {name!r} is missing or empty (a connection string is needed)")
    if value.replace(" ", "").lower().startswith("usedevelopmentstorage=true"):
        return DEVELOPMENT_STORAGE
    return value


def queue_service(connection: str | None) -> QueueServiceClient:
    text = connection_string(connection)
    with _lock:
        if text not in _queues:
            _queues[text] = QueueServiceClient.from_connection_string(text, use_env_settings=not _is_local(text))
        return _queues[text]


def blob_service(connection: str | None) -> BlobServiceClient:
    text = connection_string(connection)
    with _lock:
        if text not in _blobs:
            _blobs[text] = BlobServiceClient.from_connection_string(text, use_env_settings=not _is_local(text))
        return _blobs[text]


def _is_local(text: str) -> bool:
    """True when every endpoint in the connection string is on loopback (then proxy variables are ignored)."""
    parts = dict(part.split("=", 1) for part in text.split(";") if "=" in part)
    endpoints = [value for key, value in parts.items() if key.endswith("Endpoint")]
    return bool(endpoints) and all(_loopback(urlparse(url).hostname or "") for url in endpoints)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
