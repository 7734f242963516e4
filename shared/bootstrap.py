"""The composition root: settings, storage clients, ACS, the store, the archive engine -> ``Deps``.

Nothing is built at import time (an exception while the host indexes ``function_app.py`` would register no
function at all); ``deps()`` builds everything on first use, once per process, and SDKs are imported then.
Storage is a connection string (``AzureWebJobsStorage``) or, in Azure, identity-based
(``AzureWebJobsStorage__blobServiceUri`` / ``__tableServiceUri`` with the managed identity).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shared import config

if TYPE_CHECKING:
    from azure.data.tables import TableClient
    from azure.storage.blob import ContainerClient

    from shared.config import Settings
    from shared.handlers.deps import Deps
    from shared.messages import ArchivedChunk, ChunkJob

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
    from shared.acs import AcsCallAutomation, client_from_settings
    from shared.archive import AcsRecordingSource, ArchiveOptions, archive_chunk
    from shared.handlers.deps import Deps
    from shared.jwtcheck import CallbackVerifier
    from shared.legalhold import BlobLegalHolds
    from shared.quarantine import BlobQuarantine
    from shared.review.blobs import BlobArchiveReader
    from shared.store.table import TableCallStore

    env = os.environ if env is None else env
    acs_client = client_from_settings(settings)
    source = AcsRecordingSource(acs_client)
    archive_container = _container(settings, env, settings.archive_container)
    options = ArchiveOptions.from_settings(settings)

    def archive(job: ChunkJob) -> ArchivedChunk:
        return archive_chunk(job, source, archive_container, options)

    verifier = None
    if not settings.callback_auth_disabled:
        verifier = CallbackVerifier(settings.jwt_issuer, settings.jwt_audience, settings.jwks_url)
    quarantine_container = _container(settings, env, settings.quarantine_container)
    return Deps(
        settings=settings,
        store=TableCallStore(_table(settings, env)),
        acs=AcsCallAutomation(acs_client),
        quarantine=BlobQuarantine(quarantine_container),
        archive=archive,
        source=source,
        verifier=verifier,
        archived=BlobArchiveReader(archive_container),
        quarantined=BlobArchiveReader(quarantine_container),
        holds=BlobLegalHolds(archive_container),
    )


def _credential(settings: Settings) -> Any:
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(managed_identity_client_id=settings.azure_client_id or None)


def _table(settings: Settings, env: Mapping[str, str]) -> TableClient:
    from azure.core.exceptions import ResourceExistsError
    from azure.data.tables import TableServiceClient

    if settings.storage_connection:
        service = TableServiceClient.from_connection_string(settings.storage_connection)
    else:
        service = TableServiceClient(env["AzureWebJobsStorage__tableServiceUri"], credential=_credential(settings))
    with contextlib.suppress(ResourceExistsError):
        service.create_table(settings.calls_table)
    return service.get_table_client(settings.calls_table)


def _container(settings: Settings, env: Mapping[str, str], name: str) -> ContainerClient:
    from azure.core.exceptions import ResourceExistsError
    from azure.storage.blob import BlobServiceClient

    if settings.storage_connection:
        service = BlobServiceClient.from_connection_string(settings.storage_connection)
    else:
        service = BlobServiceClient(env["AzureWebJobsStorage__blobServiceUri"], credential=_credential(settings))
    container = service.get_container_client(name)
    with contextlib.suppress(ResourceExistsError):
        container.create_container()
    return container
