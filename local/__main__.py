"""``python -m local``: run the whole stack on one machine (up, down, status, call, ls, demo)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from datetime import date
from pathlib import Path

import requests
from azure.storage.blob import BlobServiceClient

from local import demo, stack
from local.client import ClientError, LocalClient
from local.inspect_archive import list_archive, render_tree
from shared.layout import call_folder


def _stack_file(args: argparse.Namespace) -> Path:
    return Path(args.state_dir) / "stack.json"


def _up(args: argparse.Namespace) -> int:
    options = stack.StackOptions(state_dir=Path(args.state_dir), host_auth=not args.no_auth, time_scale=args.time_scale)
    running = stack.Stack(options).start()
    stack.save(running.info, _stack_file(args))
    if args.json:
        print(json.dumps(running.info))
    else:
        for key in ("functionsUrl", "functionKey", "emulatorUrl", "storageConnectionString", "archiveContainer"):
            print(f"{key:>24}: {running.info.get(key)}")
    if args.detach:
        return 0
    print("serving; Ctrl-C stops everything", file=sys.stderr)
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    try:
        signal.sigwait(stop_signals)
    finally:
        running.stop()
        _stack_file(args).unlink(missing_ok=True)
    return 0


def _down(args: argparse.Namespace) -> int:
    ended = stack.stop_recorded(_stack_file(args))
    print(f"stopped {len(ended)} process(es)")
    return 0


def _status(args: argparse.Namespace) -> int:
    info = stack.load(_stack_file(args))
    client = LocalClient(info, timeout=5)
    healthy = True
    for name, probe in (
        ("emulator", lambda: client.emulator("GET", "health")),
        ("functions", lambda: client.api("GET", "calls?date=" + date.today().isoformat())),
    ):
        try:
            probe()
            print(f"{name:>10}: up")
        except (requests.RequestException, ClientError) as exc:
            healthy = False
            print(f"{name:>10}: down ({exc})")
    return 0 if healthy else 1


def _call(args: argparse.Namespace) -> int:
    client = LocalClient(stack.load(_stack_file(args)))
    placed = client.place_call(args.caller, args.callee, tuple(args.participant))
    print(json.dumps({**placed, "callId": call_folder(placed["serverCallId"])}))
    return 0


def _ls(args: argparse.Namespace) -> int:
    info = stack.load(_stack_file(args))
    container = BlobServiceClient.from_connection_string(info["storageConnectionString"]).get_container_client(
        info["archiveContainer"]
    )
    prefix = args.date.replace("-", "/") + "/" if args.date else ""
    blobs = list_archive(container, prefix)
    if args.call:
        blobs = [b for b in blobs if f"/{args.call}/" in b.name]
    print(render_tree(blobs) if blobs else "(nothing archived)")
    return 0


def _demo(_: argparse.Namespace) -> int:
    return demo.run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    parser.add_argument("--state-dir", default=str(stack.STATE), help="data, logs and pids (default .local/)")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start Azurite, the ACS emulator and the Functions host")
    up.add_argument("--detach", action="store_true", help="return once healthy; `down` stops it")
    up.add_argument("--json", action="store_true", help="print one JSON object describing the stack")
    up.add_argument("--no-auth", action="store_true", help="serve the Functions host without keys")
    up.add_argument("--time-scale", type=float, default=1.0, help="seconds of audio per second of recording")
    up.set_defaults(run=_up)
    commands.add_parser("down", help="stop a detached stack").set_defaults(run=_down)
    commands.add_parser("status", help="health of a detached stack").set_defaults(run=_status)
    call = commands.add_parser("call", help="place an incoming call on the running stack")
    call.add_argument("--caller", default=demo.CALLER)
    call.add_argument("--callee", default=demo.CALLEE)
    call.add_argument("--participant", action="append", default=[])
    call.set_defaults(run=_call)
    ls = commands.add_parser("ls", help="the archive tree of a day or a call, with sizes and SHA-256")
    ls.add_argument("--date", help="YYYY-MM-DD")
    ls.add_argument("--call", help="callId (the callFolder)")
    ls.set_defaults(run=_ls)
    commands.add_parser("demo", help="up, one scripted call, verify the archive, down").set_defaults(run=_demo)
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except (stack.StackError, TimeoutError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
