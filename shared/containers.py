"""The one place the app creates its blob containers (the archive and the quarantine).

The composition root creates both when it builds the app; a writer that finds its container gone (deleted while
the app runs) creates it again through the same function before it retries its write.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient

log = logging.getLogger(__name__)


def ensure_container(container: ContainerClient) -> None:
    """Create ``container`` unless it exists (one request; a concurrent creation is fine)."""
    from azure.core.exceptions import ResourceExistsError

    try:
        container.create_container()
        log.info("created container %s", container.container_name)
    except ResourceExistsError:
        return
