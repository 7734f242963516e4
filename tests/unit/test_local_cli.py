"""The local-stack CLI's arguments: every option documented, bad input refused in one line with exit status 2."""

from __future__ import annotations

import argparse
import base64
from pathlib import Path

import pytest

from local.__main__ import main, parser
from local.callids import KnownCall, matching, short
from local.callview import call_end, render
from local.verbs import download_path
from shared.layout import call_folder


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


def test_help_is_plain_text_without_markup(capsys: pytest.CaptureFixture[str]) -> None:
    pages = [parser().format_help(), *(verb.format_help() for verb in subcommands().values())]
    marked = [page.splitlines()[0] for page in pages if "`" in page]
    assert not marked, marked


def test_down_with_nothing_running_says_so_and_succeeds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--state-dir", str(tmp_path), "down"]) == 0
    assert capsys.readouterr().out.strip() == f"no local stack runs on {tmp_path}: nothing to stop"


CONVERSATIONS = "https://api.flightproxy.skype.com/api/v2/cp/conv-usea-01-prod-akscv/conversations/"
SID_A = base64.b64encode(f"{CONVERSATIONS}2b4a6c1e-0d6e-4a8f-9f3b-1c2d3e4f5a6b?i=q+7/Zx9AbQ==".encode()).decode()
SID_B = base64.b64encode(f"{CONVERSATIONS}9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b?i=Wv0+3kLp/A==".encode()).decode()
KNOWN = [KnownCall(call_folder(SID_A), SID_A), KnownCall(call_folder(SID_B), SID_B)]


def test_a_long_id_is_printed_as_its_ending_and_a_short_one_as_it_is() -> None:
    assert short(call_folder(SID_A)) == "…" + call_folder(SID_A)[-12:]
    assert short("abc") == "abc"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (SID_B, [1]),  # the serverCallId as ACS prints it
        (call_folder(SID_A), [0]),  # the full callId
        (call_folder(SID_A)[-12:], [0]),  # the ending the CLI prints
        ("…" + call_folder(SID_B)[-12:], [1]),  # pasted with its ellipsis
        (call_folder(SID_A)[:130], [0]),  # a unique prefix
        ("aHR0cHM6", [0, 1]),  # a prefix both share: ambiguous
        ("nothing-like-it", []),
    ],
)
def test_a_call_is_named_by_its_id_its_ending_or_a_unique_prefix(text: str, found: list[int]) -> None:
    assert matching(KNOWN, text) == [KNOWN[i] for i in found]


def test_a_download_goes_under_short_folders_of_the_call_and_recording(tmp_path: Path) -> None:
    blob = f"2026/12/07/{call_folder(SID_A)}/eyJQbGF0Zm9ybUVuZHBvaW50SWQiOiAiYWJjIn0xyz/chunk-0000.wav"
    path = download_path(tmp_path, call_folder(SID_A), blob)
    assert path == tmp_path / call_folder(SID_A)[-12:] / "W50SWQiOiAiYWJjIn0xyz"[-12:] / "chunk-0000.wav"


def test_a_call_reads_as_a_summary_to_the_second_with_phone_numbers_grouped() -> None:
    view = {
        "callId": call_folder(SID_A), "state": "disconnected", "caller": "4:+14256315627", "callee": "8:acs:agent_1",
        "createdAt": "2026-12-07T19:20:01.123456+00:00", "reason": "",
        "recordings": [{
            "recordingId": "eyJQbGF0Zm9ybUVuZHBvaW50SWQiOiAiYWJjIn0xyz", "state": "archived", "durationMs": 12300,
            "verdict": {"verdict": "complete", "missing": []},
            "chunks": [{"index": 0, "state": "archived", "size": 131276, "sha256": "ab" * 32, "endReason": "SessionEnded"}],
        }],
        "timeline": [{"at": "2026-12-07T19:20:01.654321+00:00", "event": "IncomingCall", "callState": "ringing"}],
    }  # fmt: skip
    lines = render(view).splitlines()
    assert lines[0] == (
        f"call …{call_folder(SID_A)[-12:]}  disconnected  from +1 425 631 5627 to acs:agent_1, "
        "since 2026-12-07 19:20:01 UTC"
    )
    assert lines[2] == "recording …AiYWJjIn0xyz  archived  verdict: complete, 12.3 s"
    assert any(line.split()[:4] == ["0", "archived", "131,276", "B"] for line in lines), lines
    assert "  19:20:01  IncomingCall" in render(view)
    assert ".123456" not in render(view)
    assert ".654321" not in render(view)


def test_acs_end_of_a_call_reads_as_words_with_its_codes() -> None:
    assert (
        call_end("200/7000 The conversation has ended. DiagCode: 0#7000.@") == "the conversation has ended (200/7000)"
    )
    assert call_end("487/0") == "ended (487/0)"
    assert call_end("hung up by the operator") == "hung up by the operator"
