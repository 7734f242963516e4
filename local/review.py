"""Where the review page of a running stack is (``{functionsUrl}/api/review?code={functionKey}``), and the browser
that looks at it in tests."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

CHROMIUM = Path(os.environ.get("REVIEW_CHROMIUM", "/usr/bin/chromium"))
"""Debian's Chromium, which the browser tests and the seek benchmark drive through Playwright (no browser download)."""
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def page_url(info: Mapping[str, Any], call_id: str = "") -> str:
    """The review page (a day's calls), or one call's page when ``call_id`` (its callFolder) is given."""
    key = str(info.get("functionKey") or "")
    url = f"{str(info['functionsUrl']).rstrip('/')}/api/review" + (f"?code={quote(key, safe='')}" if key else "")
    return url + (f"#/call/{call_id}" if call_id else "")
