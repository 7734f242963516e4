"""ACS Call Automation behind a small port: answer a call, start/pause/resume/stop a recording, and read the
current state of a call connection or a recording (the sweeper's reconciliation after lost callbacks).

Errors::

    AcsError
     +-- AcsTransient   ACS 5xx / 408 / 429, network failure, timeout: raise so the platform retries
     +-- AcsRejected    any other 4xx: the request cannot succeed as it is (``status`` says which)

Start and answer are repeatable requests (OASIS Repeatable Requests 1.0, as ACS applies them:
https://learn.microsoft.com/en-us/rest/api/communication/repeatable-requests): ``Repeatability-Request-ID`` is a
version-4 UUID derived from the app's request id, and ``Repeatability-First-Sent`` the time the app first made the
request (IMF-fixdate), the same on every retry, so ACS recognises a retried request (after a crash or a redelivered
event) instead of starting a second recording. ACS tracks a request for 5 minutes; a retry after that is refused
with 412, which the app takes as a refusal. The SDK itself sends a fresh ``uuid4`` and the current time
(``_generated/operations/_operations.py``; reference/acs-captures/sdk_requests_v160_https_connstr.json).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any, Protocol

from shared.domain import RecordingOptions

if TYPE_CHECKING:
    from azure.communication.callautomation import CallAutomationClient, CommunicationIdentifier

    from shared.config import Settings

log = logging.getLogger(__name__)

_REQUEST_NAMESPACE = uuid.UUID("1b4e28ba-2fa1-11d2-883f-0016d3cca427")
_TRANSIENT_STATUSES = frozenset({408, 429})


class AcsError(Exception):
    """A Call Automation request failed."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AcsTransient(AcsError):
    """Worth retrying later."""


class AcsRejected(AcsError):
    """ACS refused the request (4xx other than 408/429)."""


@dataclass(frozen=True)
class AnsweredCall:
    call_connection_id: str
    server_call_id: str
    correlation_id: str


class CallAutomation(Protocol):
    """``request_id`` names a repeatable request; ``first_sent`` is when the app first made it (None: now)."""

    def answer(
        self, incoming_call_context: str, callback_url: str, *, request_id: str, first_sent: datetime | None = None
    ) -> AnsweredCall: ...

    def start_recording(
        self,
        server_call_id: str,
        options: RecordingOptions,
        *,
        request_id: str,
        call_connection_id: str = "",
        first_sent: datetime | None = None,
    ) -> str:
        """Start recording; return the recordingId."""
        ...

    def pause_recording(self, recording_id: str) -> None: ...

    def resume_recording(self, recording_id: str) -> None: ...

    def stop_recording(self, recording_id: str) -> None: ...

    def get_call_properties(self, call_connection_id: str) -> str | None:
        """The connection's ``callConnectionState`` (``connecting``, ``connected``, ..., ``disconnected``);
        None when ACS no longer knows the connection (404: the call has ended)."""
        ...

    def get_recording_state(self, recording_id: str) -> str | None:
        """``active`` or ``inactive`` as ACS reports the recording now; None when ACS does not know it (404)."""
        ...


def repeatability_id(request_id: str) -> str:
    """A stable version-4 UUID for an app request id: the first 16 bytes of a SHA-256 of the id, with the version
    and variant bits of a random UUID set (RFC 9562 section 5.4), so the same request always carries the same id."""
    digest = bytearray(hashlib.sha256(f"{_REQUEST_NAMESPACE}:{request_id}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x40
    digest[8] = (digest[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(digest)))


def first_sent_header(first_sent: datetime) -> str:
    """``Repeatability-First-Sent``: an IMF-fixdate in GMT (``Mon, 23 Nov 2026 19:05:33 GMT``)."""
    return format_datetime(first_sent.astimezone(UTC).replace(microsecond=0), usegmt=True)


class AcsCallAutomation:
    """``CallAutomation`` over the Call Automation SDK's ``CallAutomationClient``."""

    def __init__(self, client: CallAutomationClient) -> None:
        self._client = client

    def answer(
        self, incoming_call_context: str, callback_url: str, *, request_id: str, first_sent: datetime | None = None
    ) -> AnsweredCall:
        headers = _headers(request_id, first_sent)
        with _mapped("answer"):
            result = self._client.answer_call(
                incoming_call_context, callback_url, operation_context=request_id, headers=headers
            )
        return AnsweredCall(
            call_connection_id=str(result.call_connection_id or ""),
            server_call_id=str(result.server_call_id or ""),
            correlation_id=str(result.correlation_id or ""),
        )

    def start_recording(
        self,
        server_call_id: str,
        options: RecordingOptions,
        *,
        request_id: str,
        call_connection_id: str = "",
        first_sent: datetime | None = None,
    ) -> str:
        where: dict[str, str] = (
            {"call_connection_id": call_connection_id} if call_connection_id else {"server_call_id": server_call_id}
        )
        start: Callable[..., Any] = self._client.start_recording  # overloads by locator keyword
        with _mapped("start recording"):
            result = start(**where, **start_options(options), headers=_headers(request_id, first_sent))
        return str(result.recording_id)

    def pause_recording(self, recording_id: str) -> None:
        self._call("pause recording", self._client.pause_recording, recording_id)

    def resume_recording(self, recording_id: str) -> None:
        self._call("resume recording", self._client.resume_recording, recording_id)

    def stop_recording(self, recording_id: str) -> None:
        self._call("stop recording", self._client.stop_recording, recording_id)

    def get_call_properties(self, call_connection_id: str) -> str | None:
        try:
            with _mapped("get call properties"):
                properties = self._client.get_call_connection(call_connection_id).get_call_properties()
        except AcsRejected as exc:
            if exc.status == 404:
                return None
            raise
        return _value(properties.call_connection_state)

    def get_recording_state(self, recording_id: str) -> str | None:
        try:
            with _mapped("get recording state"):
                properties = self._client.get_recording_properties(recording_id)
        except AcsRejected as exc:
            if exc.status == 404:
                return None
            raise
        return _value(properties.recording_state)

    @staticmethod
    def _call(what: str, operation: Callable[[str], Any], recording_id: str) -> None:
        with _mapped(what):
            operation(recording_id)


def start_options(options: RecordingOptions) -> dict[str, Any]:
    """``start_recording`` keyword arguments for ``options`` (optional ones only when set)."""
    from azure.communication.callautomation import AzureBlobContainerRecordingStorage, ChannelAffinity

    kwargs: dict[str, Any] = {
        "recording_content_type": options.content,
        "recording_channel_type": options.channel,
        "recording_format_type": options.format,
        "pause_on_start": options.pause_on_start,
    }
    if options.state_callback_url:
        kwargs["recording_state_callback_url"] = options.state_callback_url
    if options.channel_affinity:
        kwargs["channel_affinity"] = [
            ChannelAffinity(target_participant=identifier(raw), channel=channel)
            for channel, raw in options.channel_affinity
        ]
    if options.participant_ordering:
        kwargs["audio_channel_participant_ordering"] = [identifier(raw) for raw in options.participant_ordering]
    if options.byos_container_url:
        kwargs["recording_storage"] = AzureBlobContainerRecordingStorage(container_url=options.byos_container_url)
    return kwargs


def identifier(raw_id: str) -> CommunicationIdentifier:
    """A communication identifier from its raw id (``4:+1...`` phone, ``8:acs:...`` user, else unknown)."""
    from azure.communication.callautomation import (
        CommunicationUserIdentifier,
        PhoneNumberIdentifier,
        UnknownIdentifier,
    )

    if raw_id.startswith("4:"):
        return PhoneNumberIdentifier(raw_id[2:])
    if raw_id.startswith(("8:acs:", "8:spool:", "8:dod-acs:", "8:gcch-acs:")):
        return CommunicationUserIdentifier(raw_id)
    return UnknownIdentifier(raw_id)


def client_from_settings(settings: Settings) -> CallAutomationClient:
    """A connection-string client, or endpoint + ``DefaultAzureCredential`` (managed identity in Azure)."""
    from azure.communication.callautomation import CallAutomationClient

    if settings.acs_connection_string:
        return CallAutomationClient.from_connection_string(settings.acs_connection_string, retry_total=3)
    from azure.identity import DefaultAzureCredential

    credential = DefaultAzureCredential(managed_identity_client_id=settings.azure_client_id or None)
    return CallAutomationClient(settings.acs_endpoint, credential, retry_total=3)


def _value(state: Any) -> str:
    """An SDK enum member's wire value (``str()`` of one gives its Python name), or the text as given."""
    return str(getattr(state, "value", state) or "")


def _headers(request_id: str, first_sent: datetime | None) -> dict[str, str]:
    """The repeatability headers; without ``first_sent`` (a request made for the first time) it is now."""
    return {
        "Repeatability-Request-ID": repeatability_id(request_id),
        "Repeatability-First-Sent": first_sent_header(first_sent or datetime.now(UTC)),
    }


@contextmanager
def _mapped(what: str) -> Iterator[None]:
    """Turn SDK / transport errors into ``AcsTransient`` or ``AcsRejected``."""
    from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

    try:
        yield
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise AcsTransient(f"{what}: {exc}") from exc
    except HttpResponseError as exc:
        status = exc.status_code
        kind = AcsTransient if status is None or status >= 500 or status in _TRANSIENT_STATUSES else AcsRejected
        raise kind(f"{what}: {status} {exc.message}", status) from exc
