"""ACS errors, raised by the backend and serialised as ``{"error": {"code", "message", ...}}``.

Exception tree::

    AcsError                      any error the REST API answers with (status, code, message)
    ├── BadRequest                400: malformed body, unknown enum value, impossible option
    ├── Unauthorized              401: missing or wrong HMAC signature, stale x-ms-date, tampered body
    ├── NotFound                  404: unknown (or ended) call connection, call, recording, recording object
    └── Conflict                  409: a recording transition the current state does not allow

The real service's codes for illegal recording transitions are not documented; the emulator answers 409 with
code ``InvalidRecordingState`` (see the README).
"""

from __future__ import annotations

from typing import Any


class AcsError(Exception):
    status = 500
    code = "InternalError"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "target": None, "details": [], "innererror": {}}}


class BadRequest(AcsError):
    status = 400
    code = "BadRequest"


class Unauthorized(AcsError):
    status = 401
    code = "Unauthorized"


class NotFound(AcsError):
    status = 404
    code = "NotFound"


class Conflict(AcsError):
    status = 409
    code = "InvalidRecordingState"
