"""``GET /api/review``: the review page, and ``GET /api/review/{asset}``: its scripts and style sheet.

The page is static; everything it shows comes from the control API's JSON (``/api/calls...``) with the function
key it was opened with (``?code=``), which the page passes on to the script and style sheet URLs. Its Content
Security Policy lets it reach nothing but this app.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from urllib.parse import quote

from shared.handlers.replies import Reply, Served, error

STATIC = Path(__file__).resolve().parent.parent / "review" / "static"
SCRIPT = "text/javascript; charset=utf-8"
ASSETS = {
    "review-format.js": SCRIPT,
    "review-timeline.js": SCRIPT,
    "review-search.js": SCRIPT,
    "review.js": SCRIPT,
    "review.css": "text/css; charset=utf-8",
}
_KEY = re.compile(r"[A-Za-z0-9_\-=+/]{1,256}")  # a function key: base64 or base64url text
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; media-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@cache
def _static(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def page(params: Mapping[str, str]) -> Served:
    key = params.get("code", "")
    query = f"?code={html.escape(quote(key, safe=''))}" if _KEY.fullmatch(key) else ""
    body = _static("review.html").replace("{{query}}", query)
    return Served(200, body.encode("utf-8"), {**HEADERS, "Content-Type": "text/html; charset=utf-8"})


def asset(name: str) -> Reply | Served:
    if name not in ASSETS:
        return error(404, f"the review page has no asset {name!r}")
    return Served(200, _static(name).encode("utf-8"), {**HEADERS, "Content-Type": ASSETS[name]})
