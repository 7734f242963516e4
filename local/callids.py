"""Call ids as a person reads and types them: shortened in output; the full id, its ending (what the CLI prints), a
unique prefix, or ``last`` accepted as input.

A callId is the serverCallId made URL-safe, about 200 characters, and the calls of one ACS resource share most of
their beginning (base64 of the same conversation host), so the CLI prints a call as its last characters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from local.client import ClientError, LocalClient
from local.stackfile import PROG
from shared.layout import call_folder

SHORT = 12  # characters of an id's ending the CLI prints
ELLIPSIS = "…"
LAST = "last"
AS_TYPED = 40  # an unknown id up to this long is echoed as typed, a longer one shortened


def short(identifier: str) -> str:
    """``…`` and the last ``SHORT`` characters of a long id; a short one as it is."""
    return identifier if len(identifier) <= SHORT + 1 else ELLIPSIS + identifier[-SHORT:]


@dataclass(frozen=True)
class KnownCall:
    call_id: str
    server_call_id: str

    @property
    def short(self) -> str:
        return short(self.call_id)


def emulator_calls(client: LocalClient) -> list[KnownCall]:
    """The calls the ACS emulator knows, oldest first."""
    found: list[Mapping[str, Any]] = client.emulator("GET", "calls")
    return [KnownCall(call_folder(str(c["serverCallId"])), str(c["serverCallId"])) for c in found]


def resolve(client: LocalClient, text: str) -> KnownCall:
    """The call ``text`` names among those the stack knows; ClientError, at once, for none or several."""
    known = emulator_calls(client)
    if text == LAST:
        if not known:
            raise ClientError(f"no call placed on this stack yet (place one: {PROG} call)")
        return known[-1]
    matches = matching(known, text)
    if len(matches) == 1:
        return matches[0]
    if matches:
        shown = ", ".join(m.short for m in matches[:5])
        raise ClientError(f"{text!r} matches {len(matches)} calls ({shown}): give more of the id, or its ending")
    return _from_the_app(client, text)


def matching(known: list[KnownCall], text: str) -> list[KnownCall]:
    """Exact ids first; else the calls whose callId starts or ends with ``text`` (without a leading ``…``)."""
    exact = [k for k in known if text in (k.call_id, k.server_call_id)]
    if exact:
        return exact
    part = text.removeprefix(ELLIPSIS).removeprefix("...")
    if not part:
        return []
    return [k for k in known if k.call_id.startswith(part) or k.call_id.endswith(part)]


def _from_the_app(client: LocalClient, text: str) -> KnownCall:
    """A full callId the app has a record of (a call of an earlier run of the stack the emulator has forgotten)."""
    given = text if len(text) <= AS_TYPED else short(text)
    unknown = ClientError(f"unknown call {given!r}: no call on this stack has that id (list them: {PROG} calls)")
    if not text.isascii() or not text.replace("-", "").replace("_", "").isalnum():
        raise unknown
    answer = client.api("GET", f"calls/{text}")
    if answer.status_code != 200:
        raise unknown
    return KnownCall(text, str(answer.json()["serverCallId"]))
