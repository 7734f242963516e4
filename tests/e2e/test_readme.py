"""The README's local-stack sections run as written: every ``sh`` block, pasted in order into one shell.

The blocks run in a copy of this checkout (its tracked and new files, with ``.venv`` and ``node_modules`` linked),
so what they write (``.local/``, ``local.settings.json``, a downloaded chunk) stays out of the checkout. A block
the test cannot run here is marked right above its fence with ``<!-- readme-test: skip: REASON -->``; one marked
``<!-- readme-test: last -->`` (stopping the stack) runs after all the others. Port 7071, which another program on
this machine may hold, is replaced by a free port; nothing else is changed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from local.__main__ import parser
from local.azurite import AzuriteMissing, executable, free_port
from tests.fixtures.needs import missing

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ("Quick start", "The local stack", "Running against a real ACS resource")
MARKER = re.compile(r"<!-- readme-test: (?:skip: (?P<reason>.+?)|(?P<last>last)) -->")


@dataclass(frozen=True)
class Block:
    section: str
    line: int
    text: str
    skip: str = ""
    last: bool = False


def readme_blocks(text: str) -> list[Block]:
    """The ``sh`` blocks of the local-stack sections with the marker right above each fence."""
    found: list[Block] = []
    section, marker, fence = "", None, None
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if fence is not None:
            if line.strip() == "```":
                skip, last = (marker.group("reason") or "", bool(marker.group("last"))) if marker else ("", False)
                found.append(Block(section, fence, "\n".join(body), skip, last))
                fence, marker, body = None, None, []
            else:
                body.append(line)
        elif line.startswith("## "):
            section = line[3:].strip()
        elif line.strip() == "```sh":
            fence = number
        elif line.strip():
            marker = MARKER.fullmatch(line.strip())
    return [block for block in found if block.section.startswith(SECTIONS)]


def test_every_block_of_the_local_stack_sections_runs_or_says_why_not() -> None:
    blocks = readme_blocks((ROOT / "README.md").read_text())
    assert {block.section.split(" (")[0] for block in blocks} == set(SECTIONS)
    skipped = [f"README.md:{block.line} ({block.skip})" for block in blocks if block.skip]
    print("blocks not run here:", *skipped, sep="\n  ")
    assert len([block for block in blocks if not block.skip]) >= 6


def test_every_cli_command_the_readme_shows_exists() -> None:
    verbs = set(next(a for a in parser()._actions if a.dest == "command").choices or {})
    shown = set(re.findall(r"\./local/cli (?:--state-dir \S+ )?([a-z][a-z-]*)", (ROOT / "README.md").read_text()))
    assert shown, "the README shows ./local/cli commands"
    assert shown <= verbs, shown - verbs


def copy_of_checkout(destination: Path) -> Path:
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    for linked in (".venv", "node_modules"):
        (destination / linked).symlink_to((ROOT / linked).resolve())
    return destination


def script(blocks: list[Block], port: int) -> str:
    runnable = [block for block in blocks if not block.skip]
    ordered = [block for block in runnable if not block.last] + [block for block in runnable if block.last]
    lines = [
        "set -euo pipefail",
        'trap \'if [ -n "${HOST_PID:-}" ]; then kill "$HOST_PID" 2>/dev/null || true; fi\' EXIT',
    ]
    for block in ordered:
        lines += [f'echo "=== README.md:{block.line}"', block.text.replace("7071", str(port))]
    return "\n".join(lines) + "\n"


def test_the_local_stack_sections_run_as_pasted(tmp_path: Path) -> None:
    try:
        executable()
    except AzuriteMissing as exc:
        missing(f"the README's stack needs Azurite: {exc}")
    if shutil.which("curl") is None:
        missing("the README's blocks use curl, which is not installed")
    blocks = readme_blocks((ROOT / "README.md").read_text())
    port = free_port()
    copy = copy_of_checkout(tmp_path / "clone")
    environment = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    try:
        done = subprocess.run(
            ["bash", "-c", script(blocks, port)], cwd=copy, env=environment, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, timeout=540, check=False,
        )  # fmt: skip
    finally:
        if (copy / ".local" / "stack.json").exists():
            subprocess.run(
                [str(copy / "local" / "cli"), "down"], cwd=copy, capture_output=True, timeout=60, check=False
            )
    assert done.returncode == 0, done.stdout[-4000:]
    assert "Traceback" not in done.stdout, done.stdout[-4000:]
    for block in blocks:
        assert (f"=== README.md:{block.line}" in done.stdout) != bool(block.skip)
    downloaded = list((copy / ".local" / "downloads").glob("*/*/chunk-0000.wav"))
    assert len(downloaded) == 1, "get writes under the state folder"
    assert downloaded[0].stat().st_size > 0
    settings = json.loads((copy / "local.settings.json").read_text())["Values"]
    assert settings["CALLBACK_BASE_URL"] == f"http://127.0.0.1:{port}"
    assert "recording archived" in done.stdout
    assert not (copy / ".local" / "stack.json").exists(), "the last block stopped the stack"
