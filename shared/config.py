"""Typed settings, read once from the environment (``local.settings.json`` locally, app settings in Azure).

Every setting the app reads is declared in ``SPECS``; ``local.settings.json.example``, the README's table
and the Bicep ``appSettings`` mirror this list one to one (tests check it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final

from shared.formats import FORMATS


@dataclass(frozen=True)
class Spec:
    """One setting: its name, default (None = required or optional with no default) and meaning."""

    name: str
    default: str | None
    help: str


ACS_HOST_SUFFIXES: Final = ".asm.skype.com,.asyncgw.teams.microsoft.com,.ams.gov.teams.microsoft.us"

SPECS: Final[tuple[Spec, ...]] = (
    Spec(
        "AzureWebJobsStorage",
        None,
        "Storage for bindings, state table, queues and archive (connection string, "
        "or identity-based `AzureWebJobsStorage__blobServiceUri`/`__queueServiceUri`/`__tableServiceUri`).",
    ),
    Spec(
        "ACS_CONNECTION_STRING",
        None,
        "ACS connection string (`endpoint=...;accesskey=...`); leave empty to use ACS_ENDPOINT.",
    ),
    Spec(
        "ACS_ENDPOINT",
        None,
        "ACS endpoint used with managed identity (DefaultAzureCredential) when no connection string.",
    ),
    Spec(
        "ACS_RESOURCE_ID",
        "",
        "ARM id of the ACS resource (`/subscriptions/.../communicationServices/<name>`); when set, an Event Grid "
        "event whose `topic` (or CloudEvents `source`) names another resource is quarantined.",
    ),
    Spec("AZURE_CLIENT_ID", None, "Client id of the user-assigned managed identity (Azure only)."),
    Spec(
        "CALLBACK_BASE_URL", None, "Public base URL of this app; callbacks go to `{CALLBACK_BASE_URL}/api/callbacks`."
    ),
    Spec(
        "ANSWER_POLICY", "*", "Which incoming calls to answer: `*`, or a comma list of target rawIds / phone numbers."
    ),
    Spec("RECORDING_CONTENT", "audio", "Recording content: `audio` or `audioVideo`."),
    Spec("RECORDING_CHANNEL", "unmixed", "Recording channel: `mixed` or `unmixed`."),
    Spec("RECORDING_FORMAT", "wav", "Recording format: `wav`, `mp3` or `mp4`."),
    Spec("RECORDING_PAUSE_ON_START", "false", "Start recordings paused (`true`/`false`)."),
    Spec(
        "RECORDING_CHANNEL_AFFINITY",
        "",
        "Unmixed channel affinity: `0=<rawId>,1=<rawId>`; `caller`/`callee` name the call's parties.",
    ),
    Spec(
        "RECORDING_PARTICIPANT_ORDERING",
        "",
        "Unmixed channel ordering: comma list of rawIds (`caller`/`callee` allowed).",
    ),
    Spec(
        "RECORDING_BYOS_CONTAINER_URL",
        "",
        "Bring-your-own-storage container URL; empty = ACS storage. On the archive account it is the only container "
        "an API body may name; the app's own containers (quarantine, host keys and state, deployment) are refused.",
    ),
    Spec(
        "RECORDING_STATE_CALLBACK_URL", "", "Recording state callback URL; empty = `{CALLBACK_BASE_URL}/api/callbacks`."
    ),
    Spec(
        "RECORDING_STATE_CALLBACK_HOSTS",
        "",
        "Comma list of further https hosts a state callback URL may name (setting or API body); this app's own "
        "callback endpoint is always allowed.",
    ),
    Spec(
        "RECORDING_BYOS_HOSTS",
        "",
        "Comma list of further storage accounts' blob hosts given to BYOS: a BYOS container URL (setting or API "
        "body) may name any container there.",
    ),
    Spec(
        "CALLBACK_JWT_ISSUER", "https://acscallautomation.communication.azure.com", "Expected `iss` of callback JWTs."
    ),
    Spec("CALLBACK_JWT_AUDIENCE", None, "Expected `aud` of callback JWTs: the ACS resource's immutable id."),
    Spec(
        "CALLBACK_JWKS_URL", "https://acscallautomation.communication.azure.com/calling/keys", "JWKS of callback JWTs."
    ),
    Spec(
        "CALLBACK_AUTH_DISABLED",
        "false",
        "`true` switches callback JWT checks off (local use only; logs a warning on every request).",
    ),
    Spec("ARCHIVE_CONTAINER", "recordings", "Blob container of the archive."),
    Spec("QUARANTINE_CONTAINER", "quarantine", "Blob container for rejected events, with their reason."),
    Spec("CHUNK_QUEUE", "recording-chunks", "Queue of chunk copy jobs (its poison queue is `<name>-poison`)."),
    Spec(
        "VERIFY_QUEUE",
        "chunk-verifications",
        "Queue of chunk verifications: read each copied chunk back and match it before it counts as archived "
        "(its poison queue is `<name>-poison`).",
    ),
    Spec(
        "RETENTION_CLASS_RULES",
        "",
        "Blob index tag `retentionClass` of a call's archived blobs: comma list of `<prefix>=<class>`, the first "
        "whose prefix starts the callee's rawId or phone number wins (`+44=uk-7y,8:acs:=internal,*=standard`); "
        "empty or no match: no such tag. Classes use letters, digits and `+-.:_/`.",
    ),
    Spec(
        "MANIFEST_SIGNING_KEY",
        "",
        "Key that signs every manifest (ES256), so the audit tells a manifest the app wrote from one edited and "
        "re-sealed: a versioned Key Vault key id (`https://<vault>.vault.azure.net/keys/<name>/<version>`, the app's "
        "identity may only sign with it), or locally the path of a P-256 private key PEM file. Empty: manifests are "
        "not signed, and the audit fails them.",
    ),
    Spec("CALLS_TABLE", "calls", "Table of per-call state, history and event-id ledger."),
    Spec("ACS_ALLOWED_HOST_SUFFIXES", ACS_HOST_SUFFIXES, "Host suffixes a recording URL may have."),
    Spec(
        "STREAMING_THRESHOLD_BYTES",
        "8388608",
        "Chunks above this size are streamed with the Storage SDK instead of the blob output binding.",
    ),
    Spec("ARCHIVE_BLOCK_SIZE_BYTES", "16777216", "Block size of ranged downloads and staged blocks."),
    Spec("ARCHIVE_CONCURRENCY", "1", "Lanes per chunk, each downloading, hashing and staging one block at a time."),
    Spec(
        "PARTICIPANT_FILES",
        "true",
        "Beside each unmixed WAV chunk, write one mono WAV per participant (`chunk-NNNN.<participant>.wav`), "
        "listed and verified like the chunk; `false` turns it off.",
    ),
    Spec(
        "DELETE_SOURCE_AFTER_ARCHIVE",
        "false",
        "Delete a recording at ACS once it is complete and every chunk was read back from the archive and matched.",
    ),
    Spec(
        "STUCK_CHUNK_AFTER_SECONDS",
        "900",
        "The sweeper re-enqueues a chunk not archived this long after its job was enqueued, once the chunk and "
        "verification queues are empty (no job of it can still wait or run).",
    ),
    Spec("RETENTION_HOURS", "24", "How long ACS keeps recordings."),
    Spec("RETENTION_WARNING_HOURS", "20", "Warn about unarchived recordings this many hours after files-ready."),
    Spec("SWEEPER_SCHEDULE", "0 */5 * * * *", "NCRONTAB schedule of the sweeper."),
    Spec(
        "RECONCILE_AFTER_SECONDS",
        "120",
        "The sweeper asks ACS about a call left answered or connected without its recording, or a recording left "
        "starting/active/paused, this long after the app last heard of it, and applies what ACS reports.",
    ),
)

SETTING_NAMES: Final = tuple(spec.name for spec in SPECS)
_DEFAULTS: Final = {spec.name: spec.default for spec in SPECS}


class ConfigError(ValueError):
    """A setting is missing or has a value the app cannot use."""


def _text(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if value is None or value == "":
        value = _DEFAULTS[name] or ""
    return value.strip()


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = _text(env, name).lower()
    if value not in ("true", "false", "1", "0", "yes", "no", ""):
        raise ConfigError(f"{name} must be true or false, not {value!r}")
    return value in ("true", "1", "yes")


def _int(env: Mapping[str, str], name: str) -> int:
    value = _text(env, name)
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, not {value!r}") from None
    if number < 0:
        raise ConfigError(f"{name} must not be negative")
    return number


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = _text(env, name)
    for option in allowed:
        if value.lower() == option.lower():
            return option
    raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")


def _csv(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in _text(env, name).split(",") if part.strip())


@dataclass(frozen=True)
class RecordingDefaults:
    """Options every recording starts with unless an API request overrides them."""

    content: str = "audio"
    channel: str = "unmixed"
    format: str = "wav"
    pause_on_start: bool = False
    channel_affinity: tuple[tuple[int, str], ...] = ()
    participant_ordering: tuple[str, ...] = ()
    byos_container_url: str = ""
    state_callback_url: str = ""


@dataclass(frozen=True)
class Settings:
    storage_connection: str
    acs_connection_string: str
    acs_endpoint: str
    azure_client_id: str
    callback_base_url: str
    answer_policy: tuple[str, ...]
    recording: RecordingDefaults
    jwt_issuer: str
    jwt_audience: str
    jwks_url: str
    callback_auth_disabled: bool
    archive_container: str = "recordings"
    quarantine_container: str = "quarantine"
    chunk_queue: str = "recording-chunks"
    verify_queue: str = "chunk-verifications"
    calls_table: str = "calls"
    retention_class_rules: tuple[tuple[str, str], ...] = ()
    allowed_host_suffixes: tuple[str, ...] = field(default=tuple(ACS_HOST_SUFFIXES.split(",")))
    streaming_threshold_bytes: int = 8 * 1024 * 1024
    block_size_bytes: int = 16 * 1024 * 1024
    archive_concurrency: int = 1
    participant_files: bool = True
    delete_source_after_archive: bool = False
    stuck_chunk_after_seconds: int = 900
    retention_hours: int = 24
    retention_warning_hours: int = 20
    reconcile_after_seconds: int = 120
    state_callback_hosts: tuple[str, ...] = ()
    byos_hosts: tuple[str, ...] = ()  # the archive account's blob hosts and RECORDING_BYOS_HOSTS
    archive_hosts: tuple[str, ...] = ()  # the archive account's blob hosts
    acs_resource_id: str = ""  # empty: the topic of Event Grid events is not checked
    manifest_signing_key: str = ""  # a versioned Key Vault key id, or a local key file's path; empty: unsigned

    @property
    def callback_url(self) -> str:
        return self.callback_base_url.rstrip("/") + "/api/callbacks"


def _affinity(env: Mapping[str, str]) -> tuple[tuple[int, str], ...]:
    pairs: list[tuple[int, str]] = []
    for item in _csv(env, "RECORDING_CHANNEL_AFFINITY"):
        channel, sep, participant = item.partition("=")
        if not sep or not (channel.strip().isascii() and channel.strip().isdigit()) or not participant.strip():
            raise ConfigError(f"RECORDING_CHANNEL_AFFINITY entries look like 0=<rawId>, not {item!r}")
        pairs.append((int(channel), participant.strip()))
    return tuple(pairs)


_TAG_VALUE = re.compile(r"[A-Za-z0-9+\-.:_/]{1,256}")  # a blob index tag value (no space or `=` here)


def _retention_rules(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    rules: list[tuple[str, str]] = []
    for item in _csv(env, "RETENTION_CLASS_RULES"):
        prefix, sep, name = item.rpartition("=")
        if not sep or not prefix.strip() or not _TAG_VALUE.fullmatch(name.strip()):
            raise ConfigError(
                f"RETENTION_CLASS_RULES entries look like <prefix>=<class> (class: letters, digits, +-.:_/), "
                f"not {item!r}"
            )
        rules.append((prefix.strip(), name.strip()))
    return tuple(rules)


def _recording(env: Mapping[str, str]) -> RecordingDefaults:
    return RecordingDefaults(
        content=_choice(env, "RECORDING_CONTENT", ("audio", "audioVideo")),
        channel=_choice(env, "RECORDING_CHANNEL", ("mixed", "unmixed")),
        format=_choice(env, "RECORDING_FORMAT", tuple(FORMATS)),
        pause_on_start=_flag(env, "RECORDING_PAUSE_ON_START"),
        channel_affinity=_affinity(env),
        participant_ordering=_csv(env, "RECORDING_PARTICIPANT_ORDERING"),
        byos_container_url=_text(env, "RECORDING_BYOS_CONTAINER_URL"),
        state_callback_url=_text(env, "RECORDING_STATE_CALLBACK_URL"),
    )


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Read and check every setting; raise ConfigError naming the first bad one."""
    env = os.environ if env is None else env
    if not _text(env, "ACS_CONNECTION_STRING") and not _text(env, "ACS_ENDPOINT"):
        raise ConfigError("set ACS_CONNECTION_STRING, or ACS_ENDPOINT to use a managed identity")
    return _with_checked_option_urls(_read(env), env)


def _read(env: Mapping[str, str]) -> Settings:
    return Settings(
        storage_connection=_text(env, "AzureWebJobsStorage"),
        acs_connection_string=_text(env, "ACS_CONNECTION_STRING"),
        acs_endpoint=_text(env, "ACS_ENDPOINT"),
        azure_client_id=_text(env, "AZURE_CLIENT_ID"),
        callback_base_url=_text(env, "CALLBACK_BASE_URL"),
        answer_policy=_csv(env, "ANSWER_POLICY"),
        recording=_recording(env),
        jwt_issuer=_text(env, "CALLBACK_JWT_ISSUER"),
        jwt_audience=_text(env, "CALLBACK_JWT_AUDIENCE"),
        jwks_url=_text(env, "CALLBACK_JWKS_URL"),
        callback_auth_disabled=_flag(env, "CALLBACK_AUTH_DISABLED"),
        archive_container=_text(env, "ARCHIVE_CONTAINER"),
        quarantine_container=_text(env, "QUARANTINE_CONTAINER"),
        chunk_queue=_text(env, "CHUNK_QUEUE"),
        verify_queue=_text(env, "VERIFY_QUEUE"),
        calls_table=_text(env, "CALLS_TABLE"),
        retention_class_rules=_retention_rules(env),
        allowed_host_suffixes=_csv(env, "ACS_ALLOWED_HOST_SUFFIXES"),
        streaming_threshold_bytes=_int(env, "STREAMING_THRESHOLD_BYTES"),
        block_size_bytes=max(1, _int(env, "ARCHIVE_BLOCK_SIZE_BYTES")),
        archive_concurrency=max(1, _int(env, "ARCHIVE_CONCURRENCY")),
        participant_files=_flag(env, "PARTICIPANT_FILES"),
        delete_source_after_archive=_flag(env, "DELETE_SOURCE_AFTER_ARCHIVE"),
        stuck_chunk_after_seconds=_int(env, "STUCK_CHUNK_AFTER_SECONDS"),
        retention_hours=_int(env, "RETENTION_HOURS"),
        retention_warning_hours=_int(env, "RETENTION_WARNING_HOURS"),
        reconcile_after_seconds=_int(env, "RECONCILE_AFTER_SECONDS"),
        state_callback_hosts=_csv(env, "RECORDING_STATE_CALLBACK_HOSTS"),
        byos_hosts=_csv(env, "RECORDING_BYOS_HOSTS"),
        acs_resource_id=_text(env, "ACS_RESOURCE_ID"),
        manifest_signing_key=_signing_key(env),
    )


def _signing_key(env: Mapping[str, str]) -> str:
    """A versioned Key Vault key id, or a path (anything not a URL); a URL of another shape is refused."""
    from shared.keyvault import is_key_id

    value = _text(env, "MANIFEST_SIGNING_KEY")
    if "://" in value and not is_key_id(value):
        raise ConfigError(
            "MANIFEST_SIGNING_KEY must be a versioned Key Vault key id "
            f"(https://<vault>.vault.azure.net/keys/<name>/<version>) or a key file's path, not {value!r}"
        )
    return value


def _with_checked_option_urls(settings: Settings, env: Mapping[str, str]) -> Settings:
    """The default option URLs pass the checks an API body's do (``shared.optionurls``)."""
    # Imported here: urllib3 (in shared.urlcheck) costs as much as indexing the whole app (python -X importtime).
    from shared.optionurls import archive_account, archive_blob_hosts, check_container_url, check_state_callback_url
    from shared.urlcheck import UnsafeUrl

    archive_hosts = archive_blob_hosts(settings.storage_connection, env)
    hosts = (*archive_hosts, *settings.byos_hosts)
    settings = replace(settings, byos_hosts=hosts, archive_hosts=archive_hosts)
    recording = settings.recording
    try:
        if recording.state_callback_url:
            check_state_callback_url(recording.state_callback_url, settings.callback_url, settings.state_callback_hosts)
    except UnsafeUrl as exc:
        raise ConfigError(f"RECORDING_STATE_CALLBACK_URL {exc}") from None
    try:
        if recording.byos_container_url:
            check_container_url(recording.byos_container_url, hosts, archive_account(settings))
    except UnsafeUrl as exc:
        raise ConfigError(f"RECORDING_BYOS_CONTAINER_URL {exc}") from None
    return settings
