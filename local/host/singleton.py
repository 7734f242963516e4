"""One run per timer occurrence across host processes sharing a storage account.

Like the Functions host's schedule monitor, the last occurrence that ran is kept in a status blob under
``azure-webjobs-hosts/timers/<hostId>/<function>/status``; a host claims an occurrence under a short blob lease.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from datetime import datetime
from pathlib import Path

from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.storage.blob import BlobClient

from . import storage

CONTAINER = "azure-webjobs-hosts"
LEASE_SECONDS = 15
HOST_ID_SETTING = "AzureFunctionsWebHost__hostid"


def host_id(app_dir: Path) -> str:
    """``AzureFunctionsWebHost__hostid`` if set, else one id per app folder (so its processes share timers)."""
    configured = os.environ.get(HOST_ID_SETTING)
    return configured or "local-" + hashlib.sha256(str(app_dir).encode()).hexdigest()[:16]


class OccurrenceLock:
    def __init__(self, app_dir: Path, function_name: str) -> None:
        service = storage.blob_service(None)
        self._container = service.get_container_client(CONTAINER)
        self._blob: BlobClient = self._container.get_blob_client(f"timers/{host_id(app_dir)}/{function_name}/status")
        self._ready = False

    def claim(self, due: datetime) -> bool:
        """True for the one process that runs the occurrence due at ``due``; False for the others."""
        self._prepare()
        try:
            lease = self._blob.acquire_lease(lease_duration=LEASE_SECONDS)
        except HttpResponseError as exc:
            if exc.status_code == 409:
                return False
            raise
        try:
            last = (self._blob.get_blob_properties().metadata or {}).get("last")
            if last and datetime.fromisoformat(last) >= due:
                return False
            self._blob.set_blob_metadata({"last": due.isoformat()}, lease=lease)
            return True
        finally:
            lease.release()

    def _prepare(self) -> None:
        if self._ready:
            return
        with contextlib.suppress(ResourceExistsError):
            self._container.create_container()
        with contextlib.suppress(ResourceExistsError):
            self._blob.upload_blob(b"", overwrite=False)
        self._ready = True
