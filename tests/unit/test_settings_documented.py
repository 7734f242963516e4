"""Every setting the app reads is documented in the README and has a working local value in the example file."""

import json
from pathlib import Path

import pytest

from shared.config import SETTING_NAMES, from_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", SETTING_NAMES)
def test_the_readme_documents_the_setting(name: str) -> None:
    assert f"| `{name}` |" in (ROOT / "README.md").read_text()


def test_the_example_local_settings_cover_every_setting_and_load() -> None:
    example = json.loads((ROOT / "local.settings.json.example").read_text())
    values = example["Values"]
    missing = sorted(set(SETTING_NAMES) - set(values))
    assert not missing, f"local.settings.json.example lacks {missing}"
    settings = from_env(values)
    assert settings.callback_base_url.startswith("http")
