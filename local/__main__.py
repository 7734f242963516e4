"""./local/cli (or python -m local): run the whole stack on one machine and drive it by hand.

One stack runs per state folder (default .local/). Start it with: up --detach. Load its addresses and keys into
your shell with: eval "$(./local/cli env)". Place a call with: call. Drive its recording with pause, resume and
stop, end it with hangup, and read it with show, ls and get. A CALL is named by its callId, the ending the CLI
prints (…Xy12AbCd34Ef), a unique prefix, or last (the newest call).
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import requests
from azure.core.exceptions import AzureError

from local import callids, demo, exports, lifecycle, refused, stack, stackfile, verbs
from local.azurite import AzuriteMissing
from local.client import ClientError, LocalClient
from local.emulator.config import FILES_READY_SHAPES
from tools.audit.__main__ import main as audit_main

DOWNLOADS = "downloads"  # get's default folder, under the state folder
CALL_HELP = "the call: its callId, the ending the CLI prints, a unique prefix, or last"
_RAW_ID = re.compile(r"4:\+[1-9][0-9]{6,14}|8:\S+")


class Parser(argparse.ArgumentParser):
    """Bad input is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def raw_id(text: str) -> str:
    if not _RAW_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a raw id: 4:+E.164 phone number (4:+14255550100) or 8:...")
    return text


def day(text: str) -> str:
    try:
        datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None
    return text


def _info(args: argparse.Namespace) -> dict[str, Any]:
    return stackfile.require(Path(args.state_dir))


def _client(args: argparse.Namespace) -> LocalClient:
    return LocalClient(_info(args))


def _up(args: argparse.Namespace) -> int:
    options = stack.StackOptions(
        state_dir=Path(args.state_dir),
        host_auth=not args.no_auth,
        time_scale=args.time_scale,
        files_ready_shape=args.files_ready_shape,
    )
    return lifecycle.up(options, detach=args.detach, join=args.join, as_json=args.json)


def _env(args: argparse.Namespace) -> int:
    print(exports.shell_exports(_info(args)))
    return 0


def _settings(args: argparse.Namespace) -> int:
    written = exports.write_settings(_info(args), args.port, Path(args.output), args.force)
    print(f"wrote {written} for a Functions host on port {args.port} against this stack")
    return 0


def _subscribe(args: argparse.Namespace) -> int:
    info = _info(args)
    endpoint = args.endpoint or str(info["functionsUrl"])
    key = args.key if args.endpoint else str(info.get("eventGridKey", ""))
    print(f"Event Grid now delivers to {exports.subscribe(info, endpoint, key, args.wait)}")
    return 0


def _ls(args: argparse.Namespace) -> int:
    info = _info(args)
    container = verbs.archive_container(info, "archiveContainer", "recordings")
    return verbs.ls(LocalClient(info), container, args.date, args.call)


def _get(args: argparse.Namespace) -> int:
    info = _info(args)
    container = verbs.archive_container(info, "archiveContainer", "recordings")
    output = Path(args.output) if args.output else None
    return verbs.get(
        LocalClient(info),
        container,
        args.call,
        index=args.chunk,
        recording=args.recording,
        out=output,
        downloads=Path(args.state_dir) / DOWNLOADS,
        force=args.force,
    )


def _audit(args: argparse.Namespace) -> int:
    """The archive checked against its sealed, signed manifests from storage alone (python -m tools.audit on the
    stack, with the stack's public key)."""
    info = _info(args)
    today = datetime.now(UTC).date()
    days = ["--date", args.date] if args.date else ["--from", str(today - timedelta(days=1)), "--to", str(today)]
    call = ["--call", callids.resolve(LocalClient(info), args.call).call_id] if args.call else []
    container = ["--container", str(info.get("archiveContainer") or "recordings")]
    keys = ["--public-key", str(info["manifestPublicKey"])] if info.get("manifestPublicKey") else []
    return audit_main([*days, *call, *container, *keys, "--connection-string", str(info["storageConnectionString"])])


def _quarantine(args: argparse.Namespace) -> int:
    container = verbs.archive_container(_info(args), "quarantineContainer", "quarantine")
    return verbs.quarantine(container, args.date, args.payload)


def _poison(args: argparse.Namespace) -> int:
    info = _info(args)
    queue = verbs.poison_queue(info)
    return verbs.poison(queue, LocalClient(info), str(Path(str(info.get("logs", ""))) / "host.log"))


def _stack_commands(commands: argparse._SubParsersAction[Parser]) -> None:
    up = commands.add_parser("up", help="start Azurite, the ACS emulator and the Functions host", description=(
        "Start Azurite (data under the state folder), the ACS emulator and the Functions host on free ports, "
        "subscribe acs_events to the emulator's Event Grid and wait until healthy. Refuses when a stack already "
        "runs on the state folder (it names its pids); --join uses that one instead."))  # fmt: skip
    up.add_argument("--detach", action="store_true", help="return once healthy; down stops it")
    up.add_argument("--join", action="store_true", help="use the stack already running here instead of refusing")
    up.add_argument("--json", action="store_true", help="print one JSON object describing the stack")
    up.add_argument("--no-auth", action="store_true", help="serve the Functions host without keys")
    up.add_argument("--time-scale", type=float, default=1.0, help="seconds of audio per second of recording")
    up.add_argument(
        "--files-ready-shape",
        choices=FILES_READY_SHAPES,
        default="full",
        help="the published shape of RecordingFileStatusUpdated the ACS emulator sends",
    )
    up.set_defaults(run=_up)
    down = commands.add_parser("down", help="stop every process of the stack that status shows")
    down.set_defaults(run=lambda a: lifecycle.down(Path(a.state_dir)))
    status = commands.add_parser("status", help="Azurite, the emulator and every host: up or down, and why")
    status.set_defaults(run=lambda a: lifecycle.status(Path(a.state_dir)))
    env = commands.add_parser("env", help='shell exports for the running stack: eval "$(./local/cli env)"')
    env.set_defaults(run=_env)
    settings = commands.add_parser("settings", help="write a local.settings.json for a host against this stack")
    settings.add_argument("--port", type=int, default=7071, help="port of that host (CALLBACK_BASE_URL); 7071")
    settings.add_argument("--output", default=str(stack.ROOT / "local.settings.json"), help="default: the app's")
    settings.add_argument("--force", action="store_true", help="replace an existing file")
    settings.set_defaults(run=_settings)
    subscribe = commands.add_parser("subscribe", help="point the emulator's Event Grid at another Functions host")
    subscribe.add_argument("--endpoint", help="base URL of that host, or a full webhook URL; default: the stack's")
    subscribe.add_argument(
        "--key",
        default="",
        help="its eventgrid_extension system key (added as &code=); one starting with - as --key=KEY",
    )
    subscribe.add_argument("--wait", type=float, default=60, help="seconds to retry while the host starts; 60")
    subscribe.set_defaults(run=_subscribe)
    demo_command = commands.add_parser("demo", help="up, one scripted call, verify the archive, down (in STATE/demo)")
    demo_command.add_argument("--keep", action="store_true", help="keep the stack up (review page) until Ctrl-C")
    demo_command.set_defaults(run=lambda a: demo.run(state=Path(a.state_dir) / "demo", keep=a.keep))


def _call_commands(commands: argparse._SubParsersAction[Parser]) -> None:
    call = commands.add_parser("call", help="place an incoming call on the running stack", description=(
        "The emulator rings the app through Event Grid (IncomingCall); the app answers if ANSWER_POLICY matches the "
        "callee and starts recording once connected. Prints the call's shortened id (--quiet: the full callId)."))  # fmt: skip
    call.add_argument("--caller", type=raw_id, default=demo.CALLER, help=f"raw id of the caller; {demo.CALLER}")
    call.add_argument("--callee", type=raw_id, default=demo.CALLEE, help=f"raw id called; {demo.CALLEE}")
    call.add_argument("--participant", type=raw_id, action="append", default=[], help="another party (repeatable)")
    output = call.add_mutually_exclusive_group()
    output.add_argument(
        "-q",
        "--quiet",
        dest="output",
        action="store_const",
        const="id",
        help="print only the full callId (for scripts: CALL_ID=$(./local/cli call --quiet))",
    )
    output.add_argument(
        "--json", dest="output", action="store_const", const="json", help="print the placed call as JSON"
    )
    call.set_defaults(run=lambda a: verbs.place(_client(a), a.caller, a.callee, a.participant, a.output or "text"))
    listed = commands.add_parser("calls", help="the calls the ACS emulator knows: callId, state, parties")
    listed.set_defaults(run=lambda a: verbs.calls(_client(a)))
    hangup = commands.add_parser("hangup", help="the caller hangs up (through the emulator); the recording stops")
    hangup.add_argument("call", metavar="CALL", help=CALL_HELP)
    hangup.set_defaults(run=lambda a: verbs.hang_up(_client(a), a.call))
    for action, what in (("start", "start a recording of"), ("pause", "pause the recording of"),
                         ("resume", "resume the recording of"), ("stop", "stop the recording of")):  # fmt: skip
        verb = commands.add_parser(action, help=f"{what} a call, through the app's control API")
        verb.add_argument("call", metavar="CALL", help=CALL_HELP)
        verb.set_defaults(run=lambda a, action=action: verbs.record(_client(a), a.call, action))
    wait = commands.add_parser(
        "wait",
        help="wait until the call's recording is active, paused, stopped or archived",
        description="Prints each state the recording passes through, with the seconds waited.",
    )
    wait.add_argument("call", metavar="CALL", help=CALL_HELP)
    wait.add_argument("--until", choices=verbs.WAITABLE, default="active", help="the state to wait for; active")
    wait.add_argument("--timeout", type=float, default=120, help="seconds before giving up (exit 1); 120")
    wait.set_defaults(run=lambda a: verbs.wait(_client(a), a.call, a.until, a.timeout))
    show = commands.add_parser("show", help="a call: state, recordings with verdict and chunks, timeline")
    show.add_argument("call", metavar="CALL", help=CALL_HELP)
    show.add_argument("--json", action="store_true", help="the control API's JSON, as it is (full ids)")
    show.set_defaults(run=lambda a: verbs.show(_client(a), a.call, a.json))


def _archive_commands(commands: argparse._SubParsersAction[Parser]) -> None:
    ls = commands.add_parser("ls", help="the archive tree of a day or a call, with sizes and SHA-256")
    ls.add_argument("--date", type=day, help="only this UTC day, YYYY-MM-DD")
    ls.add_argument("--call", help="only this call (" + CALL_HELP.removeprefix("the call: ") + ")")
    ls.set_defaults(run=_ls)
    get = commands.add_parser("get", help="download an archived chunk to a file, checked against its SHA-256")
    get.add_argument("call", metavar="CALL", help=CALL_HELP)
    get.add_argument("--chunk", type=int, default=0, help="chunk index; 0")
    get.add_argument("--recording", help="recordingId; default: the call's latest recording with chunks")
    get.add_argument(
        "-o",
        "--output",
        help=f"file to write; default: STATE/{DOWNLOADS}/CALL/RECORDING/chunk-0000.wav (shortened ids)",
    )
    get.add_argument("--force", action="store_true", help="replace an existing file")
    get.set_defaults(run=_get)
    quarantine = commands.add_parser("quarantine", help="input the app refused, with when, from where and why")
    quarantine.add_argument("--date", type=day, help="only this UTC day of receipt, YYYY-MM-DD")
    quarantine.add_argument("--payload", action="store_true", help="also print each refused payload")
    quarantine.set_defaults(run=_quarantine)
    audit = commands.add_parser(
        "audit",
        help="check the archive against its sealed manifests, from storage alone",
        description="Runs python -m tools.audit on this stack's archive container: every "
        "manifest's seal and every blob it lists read back (exit 1 on any mismatch).",
    )
    audit.add_argument(
        "call", metavar="CALL", nargs="?", help="only this call (" + CALL_HELP.removeprefix("the call: ") + ")"
    )
    audit.add_argument(
        "--date", type=day, help="recordings started on this UTC day, YYYY-MM-DD; default yesterday and today"
    )
    audit.set_defaults(run=_audit)
    bad = commands.add_parser("bad-event", help="send the app one malformed event, to see it quarantined", description=(
        "Posts an IncomingCall event without its data to the app's Event Grid webhook, with the system key, as Event "
        "Grid would. The app answers 200 and keeps the event in the quarantine container with the reason: see it "
        "with quarantine (--payload shows the event)."))  # fmt: skip
    bad.set_defaults(run=lambda a: refused.send_bad_event(_info(a)))
    poison = commands.add_parser("poison", help="chunk jobs the host gave up on, with the app's record of each")
    poison.set_defaults(run=_poison)


def parser() -> Parser:
    top = Parser(prog=stackfile.PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--state-dir", default=str(stack.STATE), help="data, logs and pids (default .local/)")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    _stack_commands(commands)
    _call_commands(commands)
    _archive_commands(commands)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except (stack.StackError, ClientError, AzuriteMissing, TimeoutError) as exc:
        return _fail(str(exc))
    except requests.RequestException as exc:
        return _fail(f"the stack did not answer ({type(exc).__name__}); is it running? try `{stackfile.PROG} status`")
    except AzureError as exc:
        return _fail(f"storage: {exc.message if hasattr(exc, 'message') else exc}".splitlines()[0])
    except KeyboardInterrupt:
        return 130
    return code


def _fail(message: str) -> int:
    print(f"{stackfile.PROG}: error: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
