"""The local-stack CLI's arguments: every option documented, bad input refused in one line with exit status 2."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from local.__main__ import main, parser


def subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_verb_has_help_and_documents_every_argument() -> None:
    verbs = subcommands()
    assert {"up", "down", "status", "env", "settings", "subscribe", "call", "hangup", "pause", "resume", "stop",
            "quarantine", "poison", "get", "ls", "show", "wait"} <= set(verbs)  # fmt: skip
    for name, verb in verbs.items():
        undocumented = [a.dest for a in verb._actions if not a.help and a.dest != "help"]
        assert not undocumented, f"{name}: {undocumented}"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["call", "--caller", "12345"], ("--caller", "not a raw id")),
        (["call", "--callee", "+18005550100"], ("--callee", "not a raw id")),
        (["ls", "--date", "2026-13-01"], ("--date", "YYYY-MM-DD")),
        (["quarantine", "--date", "yesterday"], ("--date",)),
        (["get", "someone", "--chunk", "first"], ("--chunk",)),
        (["pause"], ("CALL",)),
        (["frobnicate"], ("frobnicate",)),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(
    args: list[str], words: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert all(word in lines[0] for word in words), lines


def test_a_stack_that_is_not_running_is_one_line_and_exit_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--state-dir", str(tmp_path), "status"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert "no local stack runs on" in lines[0]
    assert "up --detach" in lines[0]


def test_a_host_key_that_starts_with_a_dash_is_taken_in_the_equals_form() -> None:
    """The local host's keys are URL-safe base64 (``secrets.token_urlsafe``): one in 64 starts with '-', which a separate
    argument cannot carry."""
    assert parser().parse_args(["subscribe", "--key=-_KBUTQzJiBo"]).key == "-_KBUTQzJiBo"
