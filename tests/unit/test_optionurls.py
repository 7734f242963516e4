"""Where recording options may send ACS: the app's own callback endpoint, listed hosts, the archive account."""

from __future__ import annotations

import pytest

from shared import config
from shared.optionurls import archive_account, archive_blob_hosts, check_container_url, check_state_callback_url
from shared.urlcheck import UnsafeUrl

OWN = "https://app.example/api/callbacks"
BASE = {"ACS_CONNECTION_STRING": "endpoint=https://x/;accesskey=a2V5", "CALLBACK_BASE_URL": "https://app.example"}


@pytest.mark.parametrize("url", [OWN, OWN + "/", "https://relay.example.org/any/path"])
def test_the_own_endpoint_and_listed_hosts_are_allowed_state_callback_urls(url: str) -> None:
    assert check_state_callback_url(url, OWN, ("relay.example.org",)) == url


def test_a_local_app_may_name_its_own_http_endpoint_and_nothing_else_over_http() -> None:
    own = "http://127.0.0.1:7071/api/callbacks"
    assert check_state_callback_url(own, own, ()) == own
    with pytest.raises(UnsafeUrl, match="https"):
        check_state_callback_url("http://127.0.0.1:9999/x", own, ())


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://evil.example.com/api/callbacks", "not host"),
        ("https://sub.relay.example.org/x", "not host"),
        ("https://relay.example.org:8443/x", "port"),
        ("https://user@relay.example.org/x", "userinfo"),
        ("https://relay.example.org/x?callMac=1", "query"),
        ("https://169.254.169.254/x", "address"),
        ("https://app.example/api/callbacks?x=1", "not host"),
    ],
)
def test_other_state_callback_urls_are_refused_with_the_reason(url: str, why: str) -> None:
    with pytest.raises(UnsafeUrl, match=why):
        check_state_callback_url(url, OWN, ("relay.example.org",))


@pytest.mark.parametrize("url", ["https://acct.blob.core.windows.net/byos", "https://acct.blob.core.windows.net/b-1/"])
def test_a_container_on_an_allowed_storage_host_is_allowed(url: str) -> None:
    assert check_container_url(url, ("acct.blob.core.windows.net",)) == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://other.blob.core.windows.net/byos", "not the archive account"),
        ("https://acct.blob.core.windows.net/", "container"),
        ("https://acct.blob.core.windows.net/a/b", "container"),
        ("https://acct.blob.core.windows.net/Byos", "container"),
        ("https://acct.blob.core.windows.net/by--os", "container"),
        ("https://acct.blob.core.windows.net/byos?sig=x", "query"),
        ("http://acct.blob.core.windows.net/byos", "https"),
        ("https://127.0.0.1/byos", "address"),
    ],
)
def test_other_container_urls_are_refused_with_the_reason(url: str, why: str) -> None:
    with pytest.raises(UnsafeUrl, match=why):
        check_container_url(url, ("acct.blob.core.windows.net",))


@pytest.mark.parametrize(
    ("connection", "env", "hosts"),
    [
        ("UseDevelopmentStorage=true", {}, ("devstoreaccount1.blob.core.windows.net",)),
        (
            "DefaultEndpointsProtocol=https;AccountName=Acct;AccountKey=a2V5;EndpointSuffix=core.usgovcloudapi.net",
            {},
            ("acct.blob.core.usgovcloudapi.net",),
        ),
        (
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
            "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
            {},
            ("devstoreaccount1.blob.core.windows.net",),
        ),
        (
            "",
            {"AzureWebJobsStorage__blobServiceUri": "https://starch.blob.core.windows.net/"},
            ("starch.blob.core.windows.net",),
        ),
        ("", {}, ()),
    ],
)
def test_the_archive_accounts_blob_host_comes_from_the_storage_setting(
    connection: str, env: dict[str, str], hosts: tuple[str, ...]
) -> None:
    assert archive_blob_hosts(connection, env) == hosts


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RECORDING_STATE_CALLBACK_URL", "http://127.0.0.1:9999/x"),
        ("RECORDING_STATE_CALLBACK_URL", "https://evil.example.com/api/callbacks"),
        ("RECORDING_BYOS_CONTAINER_URL", "https://169.254.169.254/x"),
        ("RECORDING_BYOS_CONTAINER_URL", "https://evil.blob.core.windows.net/byos"),
    ],
)
def test_option_url_settings_are_checked_at_start_up(name: str, value: str) -> None:
    with pytest.raises(config.ConfigError, match=name):
        config.from_env({**BASE, "AzureWebJobsStorage": "UseDevelopmentStorage=true", name: value})


def test_listed_hosts_extend_what_the_settings_may_name() -> None:
    settings = config.from_env(
        {
            **BASE,
            "AzureWebJobsStorage": "UseDevelopmentStorage=true",
            "RECORDING_STATE_CALLBACK_URL": "https://relay.example.org/acs",
            "RECORDING_STATE_CALLBACK_HOSTS": "relay.example.org",
            "RECORDING_BYOS_CONTAINER_URL": "https://other.blob.core.windows.net/byos",
            "RECORDING_BYOS_HOSTS": "other.blob.core.windows.net",
        }
    )
    assert settings.byos_hosts == ("devstoreaccount1.blob.core.windows.net", "other.blob.core.windows.net")
    assert settings.recording.state_callback_url == "https://relay.example.org/acs"


DEV = "https://devstoreaccount1.blob.core.windows.net"


def settings_with(**env: str) -> config.Settings:
    return config.from_env({**BASE, "AzureWebJobsStorage": "UseDevelopmentStorage=true", **env})


@pytest.mark.parametrize(
    ("container", "held"),
    [
        ("azure-webjobs-secrets", "keys"),
        ("azure-webjobs-hosts", "state"),
        ("quarantine", "the quarantine"),
        ("recordings", "the archive"),
        ("eventgrid-deadletter", "dead letters"),
        ("app-package-abc123", "deployment package"),
    ],
)
def test_a_byos_container_naming_one_of_the_apps_own_containers_is_refused_saying_which(
    container: str, held: str
) -> None:
    settings = settings_with(RECORDING_BYOS_CONTAINER_URL=f"{DEV}/byos")
    with pytest.raises(UnsafeUrl, match=f"this app's own container \\([^)]*{held}"):
        check_container_url(f"{DEV}/{container}", settings.byos_hosts, archive_account(settings))


def test_on_the_archive_account_only_the_configured_byos_container_takes_recordings() -> None:
    settings = settings_with(RECORDING_BYOS_CONTAINER_URL=f"{DEV}/byos")
    account = archive_account(settings)
    assert check_container_url(f"{DEV}/byos", settings.byos_hosts, account) == f"{DEV}/byos"
    with pytest.raises(UnsafeUrl, match="only RECORDING_BYOS_CONTAINER_URL"):
        check_container_url(f"{DEV}/other", settings.byos_hosts, account)
    unset = settings_with()
    with pytest.raises(UnsafeUrl, match=r"RECORDING_BYOS_CONTAINER_URL \(not set\)"):
        check_container_url(f"{DEV}/byos", unset.byos_hosts, archive_account(unset))


def test_a_host_listed_for_byos_takes_any_container() -> None:
    settings = settings_with(RECORDING_BYOS_HOSTS="byos.blob.core.windows.net")
    url = "https://byos.blob.core.windows.net/azure-webjobs-secrets"
    assert check_container_url(url, settings.byos_hosts, archive_account(settings)) == url


def test_the_archive_container_may_be_the_configured_byos_container_and_the_quarantine_may_not() -> None:
    settings = settings_with(RECORDING_BYOS_CONTAINER_URL=f"{DEV}/recordings")
    assert check_container_url(f"{DEV}/recordings", settings.byos_hosts, archive_account(settings))
    with pytest.raises(config.ConfigError, match=r"RECORDING_BYOS_CONTAINER_URL.*the quarantine"):
        settings_with(RECORDING_BYOS_CONTAINER_URL=f"{DEV}/quarantine")
