"""Verification of the ``Authorization: Bearer <JWT>`` that Call Automation puts on every callback.

Errors::

    CallbackAuthError   the request is not from ACS: answer 401 and change nothing
    JwksUnavailable     the signing keys could not be fetched: transient, answer 5xx so ACS retries

The token must be RS256, signed by a key of the issuer's JWKS, unexpired, with the configured ``iss`` and
``aud`` (the ACS resource's immutable id). The JWKS is fetched lazily with ``requests`` (so
``REQUESTS_CA_BUNDLE`` trusts a local emulator's CA), cached, and fetched again once when a token names a
key id the cache does not hold (key rotation). A verified token carries the id the replay ledger knows it by
(``shared.callbackguard``): its ``jti``, or the hash of its signed part when it has none.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
import requests

log = logging.getLogger(__name__)

_ALGORITHM = "RS256"


class CallbackAuthError(Exception):
    """The callback's token is missing or invalid (HTTP 401)."""


class JwksUnavailable(Exception):
    """The JWKS could not be fetched or read; not the caller's fault, retry later (HTTP 503)."""


@dataclass(frozen=True)
class VerifiedToken:
    """A callback token that passed every check: the id the replay ledger knows it by, its expiry, its claims."""

    token_id: str
    expires_at: datetime
    claims: Mapping[str, Any]


class CallbackVerifier:
    """Verify callback JWTs against an issuer, an audience and the issuer's JWKS."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        jwks_url: str,
        *,
        cache_seconds: int = 300,
        min_refetch_seconds: float = 10.0,
        leeway_seconds: int = 30,
        timeout_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._issuer = issuer
        self._audience = audience
        self._jwks_url = jwks_url
        self._cache_seconds = cache_seconds
        self._min_refetch_seconds = min_refetch_seconds
        self._leeway = leeway_seconds
        self._timeout = timeout_seconds
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def verify(self, authorization: str | None) -> VerifiedToken:
        """Return the checked token, or raise ``CallbackAuthError`` (401) / ``JwksUnavailable`` (transient)."""
        token = _bearer_token(authorization)
        kid = _unverified_kid(token)
        key = self._key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=[_ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise CallbackAuthError(f"invalid callback token: {exc}") from None
        return VerifiedToken(
            token_id=_token_id(token, claims),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            claims=claims,
        )

    def _key(self, kid: str | None) -> jwt.PyJWK:
        with self._lock:
            if self._stale():
                self._refresh()
            key = self._find(kid)
            if key is None and self._may_refetch():
                log.info("callback token names unknown key id %s; fetching the JWKS again", kid)
                self._refresh()
                key = self._find(kid)
        if key is None:
            raise CallbackAuthError(f"callback token is signed with an unknown key id {kid!r}")
        return key

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None:
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)

    def _stale(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self._cache_seconds

    def _may_refetch(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self._min_refetch_seconds

    def _refresh(self) -> None:
        self._keys = _fetch_keys(self._jwks_url, self._timeout)
        self._fetched_at = self._clock()
        log.debug("fetched %d signing keys from %s", len(self._keys), self._jwks_url)


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise CallbackAuthError("missing Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise CallbackAuthError("Authorization header is not 'Bearer <token>'")
    return token.strip()


def _token_id(token: str, claims: Mapping[str, Any]) -> str:
    """``jti:<jti>``, or for a token without one ``sha256:<hash of its signed header and payload>``."""
    jti = claims.get("jti")
    if isinstance(jti, str) and jti:
        return f"jti:{jti}"
    signed, _, _ = token.rpartition(".")
    return "sha256:" + hashlib.sha256(signed.encode("ascii", "replace")).hexdigest()


def _unverified_kid(token: str) -> str | None:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise CallbackAuthError(f"malformed callback token: {exc}") from None
    if header.get("alg") != _ALGORITHM:
        raise CallbackAuthError(f"callback token algorithm must be {_ALGORITHM}, not {header.get('alg')!r}")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise CallbackAuthError("callback token key id must be a string")
    return kid


def _fetch_keys(url: str, timeout: float) -> dict[str, jwt.PyJWK]:
    """Fetch the JWKS and keep its RSA signing keys by key id; any failure is ``JwksUnavailable``."""
    try:
        response = requests.get(url, timeout=timeout, allow_redirects=False)
        if response.status_code != 200:
            raise JwksUnavailable(f"cannot fetch the callback JWKS from {url}: HTTP {response.status_code}")
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise JwksUnavailable(f"cannot fetch the callback JWKS from {url}: {exc}") from None
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise JwksUnavailable(f"the callback JWKS from {url} has no 'keys' array")
    keys: dict[str, jwt.PyJWK] = {}
    for entry in entries:
        key = _rsa_key(entry)
        if key is not None:
            keys[key.key_id or ""] = key
    return keys


def _rsa_key(entry: Any) -> jwt.PyJWK | None:
    if not isinstance(entry, dict) or entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
        return None
    try:
        return jwt.PyJWK(entry, algorithm=_ALGORITHM)
    except jwt.PyJWTError as exc:
        log.warning("ignoring unusable key %s in the callback JWKS: %s", entry.get("kid"), exc)
        return None
