"""The composition root: settings, storage clients, ACS, the store, the archive engine -> ``Deps``.

Nothing is built at import time (an exception while the host indexes ``function_app.py`` would register no
function at all); ``deps()`` builds everything on first use, once per process, and SDKs are imported then.
Storage is a connection string (``AzureWebJobsStorage``) or, in Azure, identity-based
(``AzureWebJobsStorage__blobServiceUri`` / ``__tableServiceUri`` with the managed identity).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from shared import config

if TYPE_CHECKING:
    from azure.data.tables import TableClient
    from azure.storage.blob import ContainerClient

    from shared.archive import Archived
    from shared.config import Settings
    from shared.handlers.deps import Deps
    from shared.messages import ChunkJob, VerifyJob
    from shared.signing import Signer

log = logging.getLogger(__name__)
_lock = threading.Lock()
_built: Deps | None = None


def deps() -> Deps:
    """The process's dependencies, built on first call from the app settings (environment)."""
    global _built
    with _lock:
        if _built is None:
            _built = build(config.from_env())
        return _built


def use(prepared: Deps) -> None:
    """Serve ``prepared`` from ``deps()`` instead of building from the settings (tests, embedding hosts)."""
    global _built
    with _lock:
        _built = prepared


def reset() -> None:
    """Forget the built dependencies (the next ``deps()`` reads the settings again)."""
    global _built
    with _lock:
        _built = None


def build(settings: Settings, env: Mapping[str, str] | None = None) -> Deps:
    from shared.accesslog import BlobAccessLog
    from shared.acs import AcsCallAutomation, client_from_settings
    from shared.archive import AcsRecordingSource, ArchiveOptions, archive_chunk, readback
    from shared.archive.erase import ArchiveEraser
    from shared.archive.publish import manifest_publisher
    from shared.handlers.deps import Deps
    from shared.jwtcheck import CallbackVerifier
    from shared.legalhold import BlobLegalHolds
    from shared.quarantine import BlobQuarantine
    from shared.review.blobs import BlobArchiveReader
    from shared.store.callback_guard_table import TableCallbackGuard
    from shared.store.table import TableCallStore

    env = os.environ if env is None else env
    acs_client = client_from_settings(settings)
    source = AcsRecordingSource(acs_client)
    archive_container = _container(settings, env, settings.archive_container)
    options = ArchiveOptions.from_settings(settings)

    def archive(job: ChunkJob) -> Archived:
        return archive_chunk(job, source, archive_container, options)

    def read_back(job: VerifyJob) -> None:
        readback.read_back(job, archive_container, options)

    table = _table(settings, env)
    store = TableCallStore(table)

    signer = _signer(settings)

    publish_manifest = manifest_publisher(archive_container, store.timeline, signer, settings.retention_class_rules)
    verifier = None
    if not settings.callback_auth_disabled:
        verifier = CallbackVerifier(settings.jwt_issuer, settings.jwt_audience, settings.jwks_url)
    quarantine_container = _container(settings, env, settings.quarantine_container)
    return Deps(
        settings=settings,
        store=store,
        acs=AcsCallAutomation(acs_client),
        quarantine=BlobQuarantine(quarantine_container),
        archive=archive,
        read_back=read_back,
        publish_manifest=publish_manifest,
        chunk_backlog=_backlog(settings, env),
        source=source,
        verifier=verifier,
        archived=BlobArchiveReader(archive_container),
        quarantined=BlobArchiveReader(quarantine_container),
        holds=BlobLegalHolds(archive_container),
        eraser=ArchiveEraser(archive_container, signer),
        guard=TableCallbackGuard(table),
        access_log=BlobAccessLog(archive_container),
    )


def _service(kind: Any, settings: Settings, env: Mapping[str, str], uri_setting: str) -> Any:
    """A storage service client (connection string, else endpoint + credential) that reads the environment's proxy
    and CA settings once for its endpoint instead of on every request (``shared.transport``)."""
    from shared.transport import environment_options

    if settings.storage_connection:
        url = kind.from_connection_string(settings.storage_connection).url
        return kind.from_connection_string(settings.storage_connection, **environment_options(url))
    url = env[uri_setting]
    return kind(url, credential=_credential(settings), **environment_options(url))


def _signer(settings: Settings) -> Signer | None:
    """The manifest signer MANIFEST_SIGNING_KEY names: Key Vault (managed identity), a local key file, or none."""
    from shared.keyvault import named_signer
    from shared.signing import SigningError

    key = settings.manifest_signing_key
    if not key:
        log.warning("MANIFEST_SIGNING_KEY is not set: manifests are not signed, and the audit fails them")
        return None
    try:
        return named_signer(key, lambda: _credential(settings))
    except SigningError as exc:
        raise config.ConfigError(f"MANIFEST_SIGNING_KEY: {exc}") from exc


def _credential(settings: Settings) -> Any:
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(managed_identity_client_id=settings.azure_client_id or None)


def _backlog(settings: Settings, env: Mapping[str, str]) -> Callable[[], int]:
    """How many messages CHUNK_QUEUE and VERIFY_QUEUE hold (approximate, never lower than the truth; invisible
    messages, those a function is running, count)."""
    from azure.storage.queue import QueueServiceClient

    service: QueueServiceClient = _service(QueueServiceClient, settings, env, "AzureWebJobsStorage__queueServiceUri")
    queues = [service.get_queue_client(name) for name in (settings.chunk_queue, settings.verify_queue)]

    def one(queue: Any) -> int:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return int(queue.get_queue_properties().approximate_message_count or 0)
        except ResourceNotFoundError:
            return 0  # no queue yet: nothing waits in it

    def count() -> int:
        return sum(one(queue) for queue in queues)

    return count


def _table(settings: Settings, env: Mapping[str, str]) -> TableClient:
    from azure.core.exceptions import ResourceExistsError
    from azure.data.tables import TableServiceClient

    service: TableServiceClient = _service(TableServiceClient, settings, env, "AzureWebJobsStorage__tableServiceUri")
    with contextlib.suppress(ResourceExistsError):
        service.create_table(settings.calls_table)
    return service.get_table_client(settings.calls_table)


def _container(settings: Settings, env: Mapping[str, str], name: str) -> ContainerClient:
    from azure.storage.blob import BlobServiceClient

    from shared.containers import ensure_container

    service: BlobServiceClient = _service(BlobServiceClient, settings, env, "AzureWebJobsStorage__blobServiceUri")
    container = service.get_container_client(name)
    ensure_container(container)
    return container
