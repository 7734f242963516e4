"""The archive engine: copy recording chunks from ACS into Blob storage, verified, in bounded memory.

Public surface: ``archive_chunk``, ``ArchiveOptions``, ``RecordingSource`` / ``AcsRecordingSource`` /
``SourceStream``, and the error tree in ``shared.archive.errors``. Azure SDKs are imported on first use.
"""

from shared.archive.copy_options import ArchiveOptions
from shared.archive.engine import Archived, archive_chunk
from shared.archive.errors import ArchiveError, ArchivePermanentError, ArchiveTransientError, SourceGoneError
from shared.archive.source import AcsRecordingSource, RecordingSource, SourceStream

__all__ = [
    "AcsRecordingSource",
    "ArchiveError",
    "ArchiveOptions",
    "ArchivePermanentError",
    "ArchiveTransientError",
    "Archived",
    "RecordingSource",
    "SourceGoneError",
    "SourceStream",
    "archive_chunk",
]
