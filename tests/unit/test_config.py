import pytest

from shared import config

BASE = {"ACS_CONNECTION_STRING": "endpoint=https://x/;accesskey=a2V5", "CALLBACK_BASE_URL": "https://app.example"}


def test_defaults_apply_when_only_required_settings_are_given() -> None:
    settings = config.from_env(BASE)
    assert settings.recording.channel == "unmixed"
    assert settings.recording.format == "wav"
    assert settings.answer_policy == ("*",)
    assert settings.callback_url == "https://app.example/api/callbacks"
    assert settings.streaming_threshold_bytes == 8 * 1024 * 1024


def test_either_acs_connection_string_or_endpoint_is_required() -> None:
    with pytest.raises(config.ConfigError, match="ACS_ENDPOINT"):
        config.from_env({"CALLBACK_BASE_URL": "https://app.example"})
    assert config.from_env({"ACS_ENDPOINT": "https://acs.example"}).acs_endpoint == "https://acs.example"


def test_channel_affinity_is_parsed_into_channel_participant_pairs() -> None:
    settings = config.from_env({**BASE, "RECORDING_CHANNEL_AFFINITY": "0=caller, 1=8:acs:u1"})
    assert settings.recording.channel_affinity == ((0, "caller"), (1, "8:acs:u1"))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RECORDING_FORMAT", "ogg"),
        ("RECORDING_PAUSE_ON_START", "maybe"),
        ("ARCHIVE_CONCURRENCY", "x"),
        ("RECORDING_CHANNEL_AFFINITY", "zero=caller"),
        ("RECORDING_CHANNEL_AFFINITY", "\u00b2=caller"),  # a superscript two: a digit to str.isdigit, not to int()
        ("MANIFEST_SIGNING_KEY", "https://kv.vault.azure.net/keys/manifest-signing"),
        ("MANIFEST_SIGNING_KEY", "http://kv.vault.azure.net/keys/manifest-signing/0123"),
    ],
)
def test_a_bad_value_names_the_setting(name: str, value: str) -> None:
    with pytest.raises(config.ConfigError, match=name):
        config.from_env({**BASE, name: value})


def test_enum_settings_are_case_insensitive() -> None:
    assert config.from_env({**BASE, "RECORDING_CONTENT": "AUDIOVIDEO"}).recording.content == "audioVideo"


def test_every_setting_has_a_unique_name() -> None:
    assert len(set(config.SETTING_NAMES)) == len(config.SETTING_NAMES)


@pytest.mark.parametrize(
    "value", ["https://kv.vault.azure.net/keys/manifest-signing/0123abcd", "/var/keys/manifest.pem", ""]
)
def test_the_signing_key_is_a_versioned_key_vault_key_or_a_key_files_path(value: str) -> None:
    assert config.from_env({**BASE, "MANIFEST_SIGNING_KEY": value}).manifest_signing_key == value
