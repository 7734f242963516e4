"""Storage clients get the environment's proxy and CA settings resolved once for their endpoint, as requests would."""

from __future__ import annotations

from typing import Any

import pytest

from shared.transport import environment_options


def test_the_proxy_variables_give_the_endpoints_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    options = environment_options("https://acct.blob.core.windows.net/")

    assert options["proxies"]["https"] == "http://proxy.example:3128"
    assert options["use_env_settings"] is False


def test_an_endpoint_no_proxy_covers_gets_no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")

    assert "proxies" not in environment_options("https://store.internal.example/")


def test_the_ca_bundle_variable_becomes_the_verification(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/corp.pem")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/other.pem")
    assert environment_options("https://acct.table.core.windows.net/")["connection_verify"] == "/etc/ssl/corp.pem"

    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE")
    assert "connection_verify" not in environment_options("https://acct.table.core.windows.net/")


def test_a_client_built_with_them_keeps_the_sdks_own_transport_settings() -> None:
    from azure.storage.blob import BlobServiceClient

    url = "https://acct.blob.core.windows.net/"
    ours: Any = BlobServiceClient(url, **environment_options(url))._pipeline._transport
    default: Any = BlobServiceClient(url)._pipeline._transport

    assert ours._use_env_settings is False
    assert default._use_env_settings is True
    for setting in ("data_block_size", "timeout", "read_timeout"):
        assert getattr(ours.connection_config, setting) == getattr(default.connection_config, setting), setting
