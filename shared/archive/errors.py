"""Errors of the archive engine.

```
ArchiveError                      base: something stopped one chunk from being archived
 ├── ArchiveTransientError        raise to the platform so the queue message is retried:
 │                                  ACS or Storage 5xx / 408 / 429, timeouts, connection resets,
 │                                  a body shorter than declared, a manifest that kept changing under us,
 │                                  a manifest signer (Key Vault) that did not sign
 └── ArchivePermanentError        retrying cannot help: mark the recording failed with ``reason``
     └── SourceGoneError            the recording is gone at ACS (404 / 410: deleted or past retention)
```
"""

from __future__ import annotations


class ArchiveError(Exception):
    """Base of the tree; ``reason`` is a short, log- and state-friendly explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ArchiveTransientError(ArchiveError):
    """Temporary: the same job may succeed later (let the queue retry it)."""


class ArchivePermanentError(ArchiveError):
    """Final: the same job will fail the same way (the orchestrator marks the recording failed)."""


class SourceGoneError(ArchivePermanentError):
    """ACS no longer serves the recording (404 or 410)."""
