"""The recording URL check: the SSRF table of the ACS protocol reference (section 4) and more."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from shared.config import ACS_HOST_SUFFIXES
from shared.urlcheck import UnsafeUrl, check_recording_url

SUFFIXES = tuple(ACS_HOST_SUFFIXES.split(","))
GOOD = "https://us-storage.asm.skype.com/v1/objects/0-eus-d12-801b3f3fc462fe8a01e6810cbff729b8/content/audiowav"


@pytest.mark.parametrize(
    "url",
    [
        GOOD,
        "https://storage.asm.skype.com/v1/objects/0-eus-d12-801b/content/acsmetadata",
        "https://us-storage.asm.skype.com/v1/objects/0-eus-d1-83e9599991e21ad21220427d78fbf558",
        "https://x.asyncgw.teams.microsoft.com/v1/objects/a/content/video",
        "https://x.ams.gov.teams.microsoft.us/v1/objects/a/content/video",
        "https://x.asm.skype.com:443/v1/objects/a",
        "HTTPS://X.ASM.SKYPE.COM/v1/objects/a",
        "https://Us-Storage.Asm.Skype.Com/v1/objects/a",
        "https://x.asm.skype.com/v1/objects/a?sv=1&x=%2F",
        "https://a.b.c.asm.skype.com/v1/objects/a",
    ],
)
def test_accepts_https_urls_under_an_acs_suffix_and_returns_them_unchanged(url: str) -> None:
    assert check_recording_url(url, SUFFIXES) == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        # the reference's SSRF table
        ("http://127.0.0.1:8080/v1/objects/a", "https"),
        ("https://evil.example.com/v1/objects/a", "suffix"),
        ("https://x.asm.skype.com.evil/v1/objects/a", "suffix"),
        ("https://x.asm.skype.com.evil.example.com/v1", "suffix"),
        ("https://x.asm.skype.com@evil/v1/objects/a", "userinfo"),
        ("https://evil.example.com\\@x.asm.skype.com/calling/recordings/ID", "backslash"),
        ("https://evil.example.com:443\\@x.asm.skype.com/", "backslash"),
        ("https://x.asm.skype.com:8443/v1/objects/a", "port"),
        # the SDK validator probes
        ("https://evil.example.com%5C@x.asm.skype.com/v1/objects/a", "userinfo"),
        ("https://evil.example.com%2F@x.asm.skype.com/", "userinfo"),
        ("https://evil.example.com#@x.asm.skype.com/", "fragment"),
        ("https://evil.example.com?@x.asm.skype.com/", "suffix"),
        ("https://x.asm.skype.com./v1/objects/a", "dot"),
        # plain http and other schemes
        ("http://x.asm.skype.com/v1/objects/a", "https"),
        ("ftp://x.asm.skype.com/v1/objects/a", "https"),
        ("file:///etc/passwd", "https"),
        ("//x.asm.skype.com/v1/objects/a", "https"),
        ("x.asm.skype.com/v1/objects/a", "https"),
        # the suffix itself, and suffixes that are not on a dot boundary
        ("https://asm.skype.com/v1/objects/a", "suffix"),
        ("https://evilasm.skype.com/v1/objects/a", "suffix"),
        ("https://.asm.skype.com/v1/objects/a", "DNS name"),
        # IP literals, metadata and link-local addresses
        ("https://169.254.169.254/metadata/instance", "address"),
        ("https://127.0.0.1/v1/objects/a", "address"),
        ("https://2130706433/v1/objects/a", "address"),
        ("https://[::1]/v1/objects/a", "IP literal"),
        ("https://[fe80::1%25eth0]/v1/objects/a", "IP literal"),
        ("https://[::ffff:169.254.169.254]:443/", "IP literal"),
        ("https://metadata.google.internal/computeMetadata/v1", "suffix"),
        # userinfo in its other forms
        ("https://user:pass@x.asm.skype.com/v1/objects/a", "userinfo"),
        ("https://@x.asm.skype.com/v1/objects/a", "userinfo"),
        ("https://x.asm.skype.com:443@evil.example.com/", "userinfo"),
        # ports
        ("https://x.asm.skype.com:80/v1/objects/a", "port"),
        ("https://x.asm.skype.com:0443/v1/objects/a", "port"),
        ("https://x.asm.skype.com:/v1/objects/a", "port"),
        ("https://x.asm.skype.com:+443/v1/objects/a", "parsed"),
        ("https://x.asm.skype.com:443:443/v1/objects/a", "parsed"),
        ("https://x.asm.skype.com:99999/v1/objects/a", "parsed"),
        # percent-encoding and IDN tricks in the host
        ("https://x.asm.skype.com%2eevil.example.com/", "percent"),
        ("https://x%2Easm.skype.com/v1/objects/a", "percent"),
        ("https://xn--bcher-kva.asm.skype.com/v1/objects/a", "punycode"),
        ("https://bücher.asm.skype.com/v1/objects/a", "non-ASCII"),
        ("https://x.asm.skype\u3002com/v1/objects/a", "non-ASCII"),
        ("https://x.asm.sky\u0440e.com/v1/objects/a", "non-ASCII"),
        ("https://x.\uff41sm.skype.com/v1/objects/a", "non-ASCII"),
        ("https://x_y.asm.skype.com/v1/objects/a", "DNS name"),
        # whitespace and control characters anywhere
        (" https://x.asm.skype.com/v1/objects/a", "whitespace"),
        ("https://x.asm.skype.com/v1/objects/a ", "whitespace"),
        ("https://x.asm.skype.com\t.evil.example.com/", "whitespace"),
        ("https://evil.example.com\n.asm.skype.com/", "whitespace"),
        ("https://x.asm.skype.com/v1/\r\nHost: evil", "whitespace"),
        ("https://x.asm.skype.com\x00.evil/", "whitespace"),
        ("https://x.asm.skype.com/v1/objects/a\\..\\..", "backslash"),
        ("", "empty"),
        ("https://", "no host"),
        ("https:///v1/objects/a", "no host"),
    ],
)
def test_refuses_unsafe_recording_urls_with_a_reason(url: str, why: str) -> None:
    with pytest.raises(UnsafeUrl, match=why):
        check_recording_url(url, SUFFIXES)


def test_refuses_everything_when_no_suffix_is_allowed() -> None:
    with pytest.raises(UnsafeUrl, match="suffix"):
        check_recording_url(GOOD, ())


def test_a_suffix_without_a_leading_dot_still_matches_on_a_dot_boundary() -> None:
    assert check_recording_url("https://x.asm.skype.com/a", ["asm.skype.com"]) == "https://x.asm.skype.com/a"
    with pytest.raises(UnsafeUrl):
        check_recording_url("https://evilasm.skype.com/a", ["asm.skype.com"])


def test_refuses_a_url_that_is_not_a_string() -> None:
    with pytest.raises(UnsafeUrl, match="string"):
        check_recording_url(b"https://x.asm.skype.com/a", SUFFIXES)  # type: ignore[arg-type]


def test_refuses_very_long_urls() -> None:
    with pytest.raises(UnsafeUrl, match="longer"):
        check_recording_url(GOOD + "/a" * 5000, SUFFIXES)


def test_unsafe_url_is_a_value_error() -> None:
    assert issubclass(UnsafeUrl, ValueError)


def _urllib3_host(url: str) -> str | None:
    try:
        return parse_url(url).host
    except LocationParseError:
        return None


def _under_a_suffix(host: str | None) -> bool:
    return host is not None and any(host.lower().endswith(s) and len(host) > len(s) for s in SUFFIXES)


_HOSTISH = st.text(alphabet=string.ascii_letters + string.digits + ".-_@:%\\/#?[] \t\u3002\uff0e", max_size=30)
_URLS = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda scheme, left, suffix, right: f"{scheme}://{left}{suffix}{right}",
        st.sampled_from(["https", "HTTPS", "http", "hTTps", ""]),
        _HOSTISH,
        st.sampled_from([*SUFFIXES, "asm.skype.com", ".asm.skype.com.", ""]),
        _HOSTISH,
    ),
)


@given(_URLS)
def test_never_accepts_a_url_whose_urllib3_host_is_outside_the_suffixes(url: str) -> None:
    try:
        accepted = check_recording_url(url, SUFFIXES)
    except UnsafeUrl:
        return
    assert accepted == url
    assert _under_a_suffix(_urllib3_host(url))
    assert parse_url(url).scheme == "https"
    assert parse_url(url).port in (None, 443)
    assert parse_url(url).auth is None


_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True).filter(lambda s: not s.startswith("xn--"))
_PATH = st.from_regex(r"(/[A-Za-z0-9._~-]{0,12}){0,4}", fullmatch=True)


@given(st.lists(_LABEL, min_size=1, max_size=3), st.sampled_from(SUFFIXES), _PATH)
def test_accepts_any_plain_dns_name_under_a_suffix(labels: list[str], suffix: str, path: str) -> None:
    url = f"https://{'.'.join(labels)}{suffix}{path}"
    assert check_recording_url(url, SUFFIXES) == url
