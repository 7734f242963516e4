"""Where a recording's options may send ACS: ``stateCallbackUrl`` and ``byosContainerUrl``.

ACS posts its signed callback tokens and the call's ids to the state callback URL and writes the recording into
the bring-your-own-storage container, so neither may name a host the operator did not choose:

- ``stateCallbackUrl``: this app's own callback endpoint (``{CALLBACK_BASE_URL}/api/callbacks``, as that setting
  spells it), or an https URL on a host listed in ``RECORDING_STATE_CALLBACK_HOSTS``. No query string: the app
  adds the call's own value to it (``shared.callbackguard``).
- ``byosContainerUrl``: ``https://<host>/<container>`` with a valid container name, on the archive storage
  account's blob host or on a host listed in ``RECORDING_BYOS_HOSTS``. The archive account also holds the app's
  own containers (the archive, the quarantine, the Functions host's keys and state, the deployment package, Event
  Grid's dead letters): a recording written there would sit outside the archive's retention and audit, or beside
  the host's secrets. So on the archive account only the configured ``RECORDING_BYOS_CONTAINER_URL`` takes
  recordings, and a request naming one of the app's own containers is told which one it named. A host listed in
  ``RECORDING_BYOS_HOSTS`` is an account the operator gave to bring-your-own-storage: any container there.

Both start from ``shared.urlcheck.https_host`` (https, default port, no userinfo, one hostname under both URL
parsers), the check every recording URL passes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from shared.urlcheck import UnsafeUrl, https_host

if TYPE_CHECKING:
    from shared.config import Settings

_CONTAINER = re.compile(r"(?=[a-z0-9-]{3,63}\Z)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*")
_DEVELOPMENT_ACCOUNT = "devstoreaccount1"
_DEFAULT_SUFFIX = "core.windows.net"
# Containers the Functions host, the deployment and Event Grid keep on the app's storage account (the defaults of
# infra/main.bicep), besides the archive and quarantine settings.
_HOST_CONTAINERS = {
    "azure-webjobs-secrets": "the Functions host's keys",
    "azure-webjobs-hosts": "the Functions host's state",
    "eventgrid-deadletter": "Event Grid's dead letters",
}
_DEPLOYMENT_PREFIX = "app-package-"


@dataclass(frozen=True)
class ArchiveAccount:
    """The storage account the app archives into: its blob hosts, its own containers (name -> what it holds) and
    the container configured for bring-your-own-storage (``RECORDING_BYOS_CONTAINER_URL``, "" when unset)."""

    hosts: tuple[str, ...] = ()
    own: Mapping[str, str] = field(default_factory=dict)
    byos_container_url: str = ""


def archive_account(settings: Settings) -> ArchiveAccount:
    """The archive account as ``settings`` describe it. The archive container counts as the app's own unless it is
    the configured bring-your-own-storage container (a deployment with ``RECORDING_BYOS=true`` has ACS write
    straight into it)."""
    configured = settings.recording.byos_container_url
    own = {**_HOST_CONTAINERS, settings.quarantine_container: "the quarantine"}
    if urlsplit(configured).path.strip("/") != settings.archive_container:
        own[settings.archive_container] = "the archive"
    return ArchiveAccount(hosts=settings.archive_hosts, own=own, byos_container_url=configured)


def check_state_callback_url(url: str, own_callback_url: str, allowed_hosts: Sequence[str]) -> str:
    """Return ``url`` if ACS may post recording state callbacks there, else raise ``UnsafeUrl`` saying why."""
    if url in (own_callback_url, own_callback_url + "/"):
        return url
    allowed = (
        f"must be this app's callback endpoint {own_callback_url} or an https URL on a host listed in "
        f"RECORDING_STATE_CALLBACK_HOSTS ({', '.join(allowed_hosts) or 'none'})"
    )
    try:
        host = https_host(url)
    except UnsafeUrl as exc:
        raise UnsafeUrl(f"{allowed}: {exc}") from None
    if host not in _normal(allowed_hosts):
        raise UnsafeUrl(f"{allowed}, not host {host!r}")
    if urlsplit(url).query:
        raise UnsafeUrl("must not carry a query string (the app adds the call's own value)")
    return url


def check_container_url(url: str, allowed_hosts: Sequence[str], account: ArchiveAccount | None = None) -> str:
    """Return ``url`` if it is an https Blob container URL on an allowed storage host and, on the archive account
    (``account``), the configured bring-your-own-storage container; else raise ``UnsafeUrl`` saying why."""
    host = https_host(url)
    if host not in _normal(allowed_hosts):
        listed = ", ".join(allowed_hosts) or "none"
        raise UnsafeUrl(f"host {host!r} is not the archive account or a host in RECORDING_BYOS_HOSTS ({listed})")
    parts = urlsplit(url)
    if parts.query:
        raise UnsafeUrl("must not carry a query string (ACS writes with its managed identity, not a SAS)")
    name = parts.path.strip("/")
    if not _CONTAINER.fullmatch(name) or parts.path not in (f"/{name}", f"/{name}/"):
        raise UnsafeUrl(f"must be https://<host>/<container> with a valid container name, not path {parts.path!r}")
    if account is not None and host in _normal(account.hosts):
        _check_archive_account_container(url, name, account)
    return url


def _check_archive_account_container(url: str, name: str, account: ArchiveAccount) -> None:
    held = account.own.get(name) or ("the deployment package" if name.startswith(_DEPLOYMENT_PREFIX) else "")
    if held:
        raise UnsafeUrl(
            f"container {name!r} is this app's own container ({held}): recordings written there would be outside "
            "the archive's retention and audit"
        )
    if url.rstrip("/") == account.byos_container_url.rstrip("/") != "":
        return
    configured = account.byos_container_url or "not set"
    raise UnsafeUrl(
        f"container {name!r} is on the archive storage account, where only RECORDING_BYOS_CONTAINER_URL "
        f"({configured}) takes recordings"
    )


def archive_blob_hosts(storage_connection: str, env: Mapping[str, str]) -> tuple[str, ...]:
    """The https blob host names of the archive account: from ``AzureWebJobsStorage`` (a connection string;
    Azurite's development account is ``devstoreaccount1.blob.core.windows.net``) or its identity-based form."""
    hosts: list[str] = []
    uri = env.get("AzureWebJobsStorage__blobServiceUri", "")
    if uri.lower().startswith("https://"):
        hosts.append((urlsplit(uri).hostname or "").lower())
    if env.get("AzureWebJobsStorage__accountName"):
        hosts.append(f"{env['AzureWebJobsStorage__accountName'].lower()}.blob.{_DEFAULT_SUFFIX}")
    fields = _connection_fields(storage_connection)
    if fields.get("usedevelopmentstorage", "").lower() == "true":
        fields.setdefault("accountname", _DEVELOPMENT_ACCOUNT)
    endpoint = fields.get("blobendpoint", "")
    if endpoint.lower().startswith("https://"):
        hosts.append((urlsplit(endpoint).hostname or "").lower())
    if fields.get("accountname"):
        suffix = fields.get("endpointsuffix") or _DEFAULT_SUFFIX
        hosts.append(f"{fields['accountname'].lower()}.blob.{suffix.lower()}")
    return tuple(dict.fromkeys(h for h in hosts if h))


def _connection_fields(connection: str) -> dict[str, str]:
    pairs = (part.partition("=") for part in connection.split(";") if "=" in part)
    return {key.strip().lower(): value.strip() for key, _, value in pairs}


def _normal(hosts: Sequence[str]) -> set[str]:
    return {host.strip().strip(".").lower() for host in hosts if host.strip()}
