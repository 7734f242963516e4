"""Map what the Azure SDKs raise onto the archive's error tree (see ``errors``)."""

from __future__ import annotations

from shared.archive.errors import ArchiveError, ArchivePermanentError, ArchiveTransientError, SourceGoneError

_RETRYABLE_STATUS = frozenset({408, 409, 412, 425, 429})


def status_of(exc: BaseException) -> int | None:
    """HTTP status carried by an azure-core ``HttpResponseError`` (None for connection-level errors)."""
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def is_transport_failure(exc: BaseException) -> bool:
    """Connection reset, timeout, or a body cut short: worth another attempt."""
    from azure.core.exceptions import DecodeError, ServiceRequestError, ServiceResponseError

    return isinstance(exc, ServiceRequestError | ServiceResponseError | DecodeError | ConnectionError | TimeoutError)


def is_retryable(exc: BaseException) -> bool:
    if is_transport_failure(exc):
        return True
    status = status_of(exc)
    return status is None or status >= 500 or status in _RETRYABLE_STATUS


def is_redirect(exc: BaseException) -> bool:
    """A 3xx answer (never followed: a redirect could point anywhere, see ``source``)."""
    status = status_of(exc)
    return status is not None and 300 <= status < 400


def from_source(exc: BaseException, url: str) -> ArchiveError:
    """An error from ACS while downloading ``url``.

    A redirect is unexpected from ACS storage and is not followed; it is transient, so the queue's redelivery
    and the sweeper's retention rules decide what becomes of the recording rather than one odd answer.
    """
    if isinstance(exc, ArchiveError):
        return exc
    status = status_of(exc)
    if not is_transport_failure(exc) and status in (404, 410):
        return SourceGoneError(f"recording gone at ACS ({status}): {url}")
    if is_redirect(exc):
        return ArchiveTransientError(f"ACS answered the download with a redirect ({status}), not followed: {url}")
    if is_retryable(exc):
        return ArchiveTransientError(f"ACS download failed ({status or type(exc).__name__}): {exc}")
    return ArchivePermanentError(f"ACS refused the download ({status or type(exc).__name__}): {exc}")


def from_storage(exc: BaseException, what: str) -> ArchiveError:
    """An error from Blob storage while doing ``what``."""
    if isinstance(exc, ArchiveError):
        return exc
    status = status_of(exc)
    if is_retryable(exc):
        return ArchiveTransientError(f"storage failed to {what} ({status or type(exc).__name__}): {exc}")
    return ArchivePermanentError(f"storage refused to {what} ({status}): {exc}")
