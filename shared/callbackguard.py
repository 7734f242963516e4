"""Callbacks bound to their call, and each callback token used once.

- **The call's own URL.** The callback URL the app gives ACS (answering a call, starting a recording) carries
  ``callMac=<HMAC-SHA256(key, serverCallId)>``. ACS posts every callback to the URL it was given, query string
  included: Microsoft's guide to securing the webhook has the app "provide [a key] in the callback URI as a query
  parameter" and "verify the key in the webhook callback from Call Automation"
  (https://learn.microsoft.com/azure/communication-services/how-tos/call-automation/secure-webhook-endpoint).
  An event naming another call than the one its URL was made for did not come from ACS for that call.
- **One use per token.** ACS signs each callback with a fresh JWT that lives 5 minutes (same page;
  ``reference/acs-protocol.md`` section 5). Its ``jti`` is recorded with its expiry, shared by every instance,
  and a second request with the same token is refused. The docs list no ``jti`` claim, so a token without one is
  known by the SHA-256 of its signed part (header and payload: a token is new per event, and those bytes cannot
  change without breaking the signature, unlike the signature's own base64 text).
"""

from __future__ import annotations

import hashlib
import hmac
from abc import ABC, abstractmethod
from datetime import datetime

CALL_MAC_PARAMETER = "callMac"


class CallbackGuard(ABC):
    """The per-call URL value (from a key every instance shares) and the ledger of used callback tokens."""

    @abstractmethod
    def key(self) -> bytes:
        """The secret the per-call values are made with."""

    @abstractmethod
    def first_use(self, token_id: str, expires_at: datetime) -> bool:
        """Record ``token_id`` as used; False if it was already (a replay)."""

    @abstractmethod
    def release(self, token_id: str, expires_at: datetime) -> None:
        """Forget a token whose request failed before anything was applied, so the sender's retry is accepted."""

    @abstractmethod
    def purge(self, now: datetime) -> int:
        """Drop ledger entries of tokens expired well before ``now``; return how many."""

    def call_mac(self, server_call_id: str) -> str:
        return hmac.new(self.key(), server_call_id.encode("utf-8"), hashlib.sha256).hexdigest()

    def call_url(self, url: str, server_call_id: str) -> str:
        """``url`` with the call's value added to its query string."""
        separator = "&" if "?" in url else "?"
        return f"{url}{separator}{CALL_MAC_PARAMETER}={self.call_mac(server_call_id)}"

    def belongs(self, server_call_id: str, call_mac: str | None) -> bool:
        """Whether ``call_mac`` (from the request's URL) was made for ``server_call_id``."""
        if not call_mac:
            return False
        given = str(call_mac).encode("utf-8", "surrogatepass")  # bytes: compare_digest refuses non-ASCII text
        return hmac.compare_digest(self.call_mac(server_call_id).encode("ascii"), given)
