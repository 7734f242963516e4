"""Callback tokens: valid ones signed with the emulator's key, and each way a token can be wrong."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class TokenMaker:
    """Mints RS256 callback JWTs for the app under test; ``kid`` is the emulator's so only the claim differs."""

    def __init__(self, key_pem: bytes, kid: str, issuer: str, audience: str) -> None:
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the emulator's signing key is not RSA")
        self.key, self.kid, self.issuer, self.audience = key, kid, issuer, audience
        self.stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def token(self, key: rsa.RSAPrivateKey | None = None, kid: str | None = None, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "aud": self.audience, "iat": now, "nbf": now, "exp": now + 300, **claims}
        body = {name: value for name, value in body.items() if value is not None}
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})

    def valid(self) -> str:
        """A fresh token (its own ``jti``), as ACS signs each callback with a new one."""
        return self.token(jti=str(uuid.uuid4()))

    def bad_tokens(self) -> dict[str, str]:
        """Authorization header values that must all be refused, by what is wrong with them."""
        now = int(time.time())
        unsigned = _unsigned({"iss": self.issuer, "aud": self.audience, "exp": now + 300}, self.kid)
        valid = self.valid()
        head, payload, signature = valid.split(".")
        forged = _b64(json.dumps({"iss": self.issuer, "aud": "someone-else", "exp": now + 300}).encode())
        return {
            "missing": "",
            "not bearer": f"Basic {valid}",
            "malformed": "Bearer not.a.jwt",
            "garbage": "Bearer " + "A" * 300,
            "expired": "Bearer " + self.token(iat=now - 900, nbf=now - 900, exp=now - 600),
            "not yet valid": "Bearer " + self.token(nbf=now + 600, exp=now + 900),
            "wrong audience": "Bearer " + self.token(aud="00000000-0000-0000-0000-000000000000"),
            "no audience": "Bearer " + self.token(aud=None),
            "wrong issuer": "Bearer " + self.token(iss="https://evil.example.com"),
            "no expiry": "Bearer " + self.token(exp=None),
            "wrongly signed": "Bearer " + self.token(key=self.stranger),
            "unknown kid": "Bearer " + self.token(key=self.stranger, kid="not-a-known-kid"),
            "alg none": "Bearer " + unsigned,
            "HS256 with the public key": "Bearer " + self._hs256_confusion(),
            "payload swapped": f"Bearer {head}.{forged}.{signature}",
            "signature stripped": f"Bearer {head}.{payload}.",
        }

    def _hs256_confusion(self) -> str:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": self.kid}).encode())
        body = _b64(json.dumps({"iss": self.issuer, "aud": self.audience, "exp": int(time.time()) + 300}).encode())
        signature = hmac.new(public, f"{header}.{body}".encode(), hashlib.sha256).digest()
        return f"{header}.{body}.{_b64(signature)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unsigned(claims: dict[str, Any], kid: str) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."
