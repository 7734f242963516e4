"""A missing tool is a skip that says why outside CI, and a failure under CI=true."""

import pytest

from tests.fixtures.needs import missing


def test_outside_ci_a_missing_tool_is_a_skip_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Azurite is not installed"):
        missing("Azurite is not installed: run `npm ci`")


@pytest.mark.parametrize("value", ["true", "TRUE", "1"])
def test_under_ci_a_missing_tool_is_a_failure_with_its_reason(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="missing: node is not on PATH"):
        missing("node is not on PATH")


def test_an_explicit_requirement_overrides_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.skip.Exception):
        missing("func is not on PATH", required=False)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.fail.Exception):
        missing("func is not on PATH", required=True)
