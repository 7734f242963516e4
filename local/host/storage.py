"""Storage connections for triggers and bindings: ``connection="X"`` names the setting X holding a connection string."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlparse

from azure.storage.blob import BlobServiceClient, ContainerClient
from azure.storage.blob import ExponentialRetry as BlobRetry
from azure.storage.queue import ExponentialRetry as QueueRetry
from azure.storage.queue import QueueClient, QueueServiceClient

from local.azurite import connection_string as azurite_connection_string

from .settings import SettingError, setting

DEFAULT_CONNECTION = "AzureWebJobsStorage"
DEVELOPMENT_STORAGE = azurite_connection_string(10000, 10001, 10002)

# Triggers and output bindings retry storage as the Functions host does. Its storage extensions use the Azure SDK for
# .NET, whose clients retry 5 times with an exponential back-off from 0.8 s, at most 1 min apart (RetryOptions
# defaults: https://learn.microsoft.com/azure/storage/blobs/storage-retry-policy). The Python SDK's default waits 15 s
# before its first retry, so a binding written just after a storage blip could outlast Event Grid's 30 s delivery
# timeout. Back-offs here: about 1, 3, 5, 9 and 17 s.
RETRY_TOTAL, FIRST_BACKOFF, BACKOFF_BASE, JITTER = 5, 1, 2, 1

_Client = TypeVar("_Client", QueueClient, ContainerClient)

_lock = threading.Lock()
_queues: dict[str, QueueServiceClient] = {}
_blobs: dict[str, BlobServiceClient] = {}
_queue_clients: dict[tuple[str, str], QueueClient] = {}
_containers: dict[tuple[str, str], ContainerClient] = {}


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
            _queues[text] = QueueServiceClient.from_connection_string(
                text,
                use_env_settings=not _is_local(text),
                retry_policy=QueueRetry(FIRST_BACKOFF, BACKOFF_BASE, RETRY_TOTAL, random_jitter_range=JITTER),
            )
        return _queues[text]


def blob_service(connection: str | None) -> BlobServiceClient:
    text = connection_string(connection)
    with _lock:
        if text not in _blobs:
            _blobs[text] = BlobServiceClient.from_connection_string(
                text,
                use_env_settings=not _is_local(text),
                retry_policy=BlobRetry(FIRST_BACKOFF, BACKOFF_BASE, RETRY_TOTAL, random_jitter_range=JITTER),
            )
        return _blobs[text]


def queue_client(connection: str | None, name: str) -> QueueClient:
    """One client per queue for the process, as the Functions host's storage extensions keep one client per
    connection (``StorageClientProvider`` in Azure/azure-sdk-for-net, ``Microsoft.Azure.WebJobs.Extensions.Storage``):
    an SDK client parses its URL and builds its pipeline when it is made, which an output binding would otherwise pay
    on every write."""
    return _cached(
        _queue_clients, (connection_string(connection), name), lambda: queue_service(connection).get_queue_client(name)
    )


def container_client(connection: str | None, name: str) -> ContainerClient:
    """One client per container for the process (as ``queue_client``)."""
    return _cached(
        _containers, (connection_string(connection), name), lambda: blob_service(connection).get_container_client(name)
    )


def _cached(cache: dict[tuple[str, str], _Client], key: tuple[str, str], make: Callable[[], _Client]) -> _Client:
    client = cache.get(key)
    if client is None:
        made = make()  # outside the lock: the service client takes it itself
        with _lock:
            client = cache.setdefault(key, made)
    return client


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
