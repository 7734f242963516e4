"""Mid-call callbacks: JSON arrays of one CloudEvent, each POST signed with a fresh RS256 JWT.

The signing key is kept in ``<state_dir>/callback-signing-key.pem`` so the JWKS stays the same across restarts.
Callbacks of one call are sent in the order they happened.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import yarl
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from .backend import Backend

log = logging.getLogger(__name__)
TOKEN_LIFETIME = 300
SEND_DELAY = 0.05  # the service posts a callback shortly after the change
ATTEMPTS = 3
RETRY_DELAY = 0.5


class CallbackSigner:
    """The emulator's callback signing key, its JWKS and fresh tokens."""

    def __init__(self, state_dir: Path, issuer: str, audience: str) -> None:
        self.issuer, self.audience = issuer, audience
        self._key = _load_or_create(state_dir / "callback-signing-key.pem")
        public_der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = hashlib.sha256(public_der).hexdigest()[:32]

    def jwks(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def token(self, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "iat": issued,
            "nbf": issued,
            "exp": issued + TOKEN_LIFETIME,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def openid_configuration(self, jwks_url: str) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": jwks_url,
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        }


def _load_or_create(path: Path) -> rsa.RSAPrivateKey:
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pem)
        path.chmod(0o600)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ValueError(f"{path} is not an RSA private key")
    return loaded


class CallbackSender:
    """Posts callbacks; per call, in order; a failed POST (error or 5xx) is tried up to three times."""

    def __init__(self, signer: CallbackSigner, backend: Backend, session: aiohttp.ClientSession) -> None:
        self.signer, self.backend, self.session = signer, backend, session
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def enqueue(self, url: str, event: dict[str, Any]) -> None:
        key = str(event.get("data", {}).get("serverCallId") or url)
        lock = self._locks.setdefault(key, asyncio.Lock())
        task = asyncio.get_running_loop().create_task(self._send(lock, url, event, time.monotonic()))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, lock: asyncio.Lock, url: str, event: dict[str, Any], queued: float) -> None:
        async with lock:
            await asyncio.sleep(max(0.0, queued + SEND_DELAY - time.monotonic()))
            record = self._record(url, event)
            for attempt in range(1, ATTEMPTS + 1):
                status = await self._post(url, event)
                with self.backend.lock:
                    record.update(status=status, attempts=attempt, time=time.time())
                if status is not None and status < 500:
                    record["outcome"] = "delivered" if status < 300 else "rejected"
                    return
                await asyncio.sleep(RETRY_DELAY * attempt)
            record["outcome"] = "failed"
            log.warning("callback %s to %s failed after %d attempts", event["type"], url, ATTEMPTS)

    def _record(self, url: str, event: dict[str, Any]) -> dict[str, Any]:
        record: dict[str, Any] = {
            "kind": "callback", "url": url, "eventType": event["type"], "eventId": event["id"],
            "status": None, "attempts": 0, "outcome": "pending", "time": time.time(),
        }  # fmt: skip
        with self.backend.lock:
            self.backend.deliveries.append(record)
        return record

    async def _post(self, url: str, event: dict[str, Any]) -> int | None:
        headers = {"Authorization": f"Bearer {self.signer.token()}", "Content-Type": "application/json"}
        # Verbatim: ACS posts to the callback URI the app gave it, query string included (the app's own values
        # ride there: learn.microsoft.com/azure/communication-services/how-tos/call-automation/secure-webhook-endpoint;
        # reference/acs-protocol.md section 5). yarl would otherwise re-quote it (``%2F`` -> ``/``).
        target = yarl.URL(url, encoded=True)
        try:
            async with self.session.post(target, data=json.dumps([event]), headers=headers) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("callback to %s: %r", url, exc)
            return None

    async def drain(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
