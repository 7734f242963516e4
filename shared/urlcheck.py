"""The recording URL check: no request ever goes to a URL an event could have pointed anywhere.

Every ``contentLocation``, ``metadataLocation`` and ``deleteLocation`` passes ``check_recording_url`` before the
app hands it to the Call Automation SDK. The SDK's own check (scheme and ``urlparse`` hostname suffix) can be
bypassed: ``https://evil.example.com\\@x.asm.skype.com/...`` passes it, yet urllib3 connects to
``evil.example.com`` with a signed ``Authorization`` header. This check is stricter: it accepts only plain ASCII
``https`` URLs on the default port whose hostname, under both ``urllib.parse`` and urllib3, is the same DNS name
under an allowed ACS suffix.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from urllib.parse import SplitResult, urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

_LABELS = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*")
_SAFE_CHARS = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no space, no control characters
_MAX_URL_LENGTH = 4096


class UnsafeUrl(ValueError):
    """A recording URL that must not be requested; the message says why."""


def check_recording_url(url: str, allowed_suffixes: Sequence[str]) -> str:
    """Return ``url`` unchanged if it is safe to download from or delete at, else raise ``UnsafeUrl``.

    ``allowed_suffixes`` are host suffixes such as ``.asm.skype.com``; a host matches on a dot boundary and must
    have at least one label before the suffix (``asm.skype.com`` itself is refused).
    """
    _check_suffix(https_host(url), allowed_suffixes)
    return url


def https_host(url: str) -> str:
    """The lowercase DNS name of a plain ``https`` URL (default port, no userinfo, no fragment, one hostname under
    both parsers), else ``UnsafeUrl``. Every allow-list check starts here."""
    if not isinstance(url, str):
        raise UnsafeUrl(f"URL must be a string, not {type(url).__name__}")
    _check_characters(url)
    parts = _split(url)
    if parts.scheme.lower() != "https":
        raise UnsafeUrl(f"URL must use https, not {parts.scheme or 'no scheme'!r}")
    if parts.fragment or "#" in url:
        raise UnsafeUrl("URL must not have a fragment")
    host = _host(parts)
    _check_same_host_under_urllib3(url, host)
    return host


def _check_characters(url: str) -> None:
    if len(url) > _MAX_URL_LENGTH:
        raise UnsafeUrl(f"URL is longer than {_MAX_URL_LENGTH} characters")
    if not _SAFE_CHARS.fullmatch(url):
        raise UnsafeUrl("URL is empty or has whitespace, control or non-ASCII characters")
    if "\\" in url:
        raise UnsafeUrl("URL must not contain a backslash")


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise UnsafeUrl(f"URL cannot be parsed: {exc}") from None
    return parts


def _host(parts: SplitResult) -> str:
    """The lowercase hostname, after refusing userinfo, odd ports and anything but a plain DNS name."""
    netloc = parts.netloc
    if "@" in netloc:
        raise UnsafeUrl("URL must not carry userinfo")
    if netloc.startswith("["):
        raise UnsafeUrl("URL host must be a DNS name, not an IP literal")
    host_text, colon, port_text = netloc.rpartition(":") if ":" in netloc else (netloc, "", "")
    if colon and port_text != "443":
        raise UnsafeUrl(f"URL port must be the default (443), not {port_text!r}")
    host = host_text.lower()
    if not host:
        raise UnsafeUrl("URL has no host")
    if "%" in host:
        raise UnsafeUrl("URL host must not be percent-encoded")
    if host.endswith("."):
        raise UnsafeUrl("URL host must not end with a dot")
    if _is_ip_literal(host):
        raise UnsafeUrl(f"URL host must be a DNS name, not the address {host!r}")
    if not _LABELS.fullmatch(host):
        raise UnsafeUrl(f"URL host {host!r} is not a plain DNS name")
    if any(label.startswith("xn--") for label in host.split(".")):
        raise UnsafeUrl(f"URL host {host!r} must not be an internationalised (punycode) name")
    return host


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host.startswith("[") or host.replace(".", "").isdigit()
    return True


def _check_same_host_under_urllib3(url: str, host: str) -> None:
    try:
        parsed = parse_url(url)
    except LocationParseError as exc:
        raise UnsafeUrl(f"URL cannot be parsed by urllib3: {exc}") from None
    if parsed.auth is not None:
        raise UnsafeUrl("URL must not carry userinfo")
    if (parsed.host or "").lower() != host:
        raise UnsafeUrl(f"URL host differs between parsers: {host!r} vs {parsed.host!r}")
    if parsed.port not in (None, 443):
        raise UnsafeUrl(f"URL port must be the default (443), not {parsed.port}")


def _check_suffix(host: str, allowed_suffixes: Sequence[str]) -> None:
    for suffix in allowed_suffixes:
        normal = "." + suffix.strip().strip(".").lower()
        if normal != "." and host.endswith(normal) and len(host) > len(normal):
            return
    raise UnsafeUrl(f"URL host {host!r} is not under an allowed suffix ({', '.join(allowed_suffixes) or 'none'})")
