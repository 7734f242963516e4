"""What the handlers depend on, passed explicitly (built once by ``shared.bootstrap``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from shared.acs import CallAutomation
from shared.callbackguard import CallbackGuard
from shared.clock import utcnow
from shared.config import Settings
from shared.domain import Call, Recording
from shared.messages import ChunkJob, VerifyJob
from shared.store import CallStore

if TYPE_CHECKING:
    from shared.accesslog import AccessLog
    from shared.archive import Archived
    from shared.handlers.erasure import Erasing
    from shared.jwtcheck import VerifiedToken
    from shared.legalhold import LegalHolds
    from shared.quarantine import Quarantine
    from shared.review.blobs import ArchiveReader


class Verifier(Protocol):
    def verify(self, authorization: str | None) -> VerifiedToken: ...


class RecordingFiles(Protocol):
    """Recording files at ACS (``shared.archive.RecordingSource``): read some bytes of one (to learn what a lean
    files-ready event leaves out), or delete one through its ``deleteLocation``."""

    def download(self, url: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]: ...

    def delete(self, url: str) -> None: ...


@dataclass(frozen=True)
class Deps:
    settings: Settings
    store: CallStore
    acs: CallAutomation
    quarantine: Quarantine
    archive: Callable[[ChunkJob], Archived]  # shared.archive.archive_chunk with its source/container/options
    read_back: Callable[[VerifyJob], None]  # shared.archive.readback.read_back: raises NotVerified
    publish_manifest: Callable[[Call, Recording, int], None]  # shared.archive.manifest.publish (state version)
    chunk_backlog: Callable[[], int]  # approximate messages on CHUNK_QUEUE + VERIFY_QUEUE, running ones included
    source: RecordingFiles
    verifier: Verifier | None  # None: callback JWT checks are switched off (local use only)
    guard: CallbackGuard  # per-call callback URLs and the used-token ledger
    now: Callable[[], datetime] = field(default=utcnow)
    archived: ArchiveReader | None = None  # byte ranges of the archive, for review (None: review is not served)
    quarantined: ArchiveReader | None = None  # the quarantine container, for review
    holds: LegalHolds | None = None  # legal holds on the archive container (None: not wired, the API answers 503)
    eraser: Erasing | None = None  # erasure on request in the archive container (None: not wired, 503)
    access_log: AccessLog | None = None  # who read what (None: archived bytes are not served)
