"""``python -m local``: run the whole stack on one machine (up, down, status, call, ls, demo)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from azure.storage.blob import BlobServiceClient

from local import demo, lifecycle, stack, stackfile
from local.client import LocalClient
from local.inspect_archive import list_archive, render_tree
from shared.layout import call_folder


def _state(args: argparse.Namespace) -> Path:
    return Path(args.state_dir)


def _up(args: argparse.Namespace) -> int:
    options = stack.StackOptions(state_dir=_state(args), host_auth=not args.no_auth, time_scale=args.time_scale)
    return lifecycle.up(options, detach=args.detach, join=args.join, as_json=args.json)


def _down(args: argparse.Namespace) -> int:
    return lifecycle.down(_state(args))


def _status(args: argparse.Namespace) -> int:
    return lifecycle.status(_state(args))


def _call(args: argparse.Namespace) -> int:
    client = LocalClient(stackfile.require(_state(args)))
    placed = client.place_call(args.caller, args.callee, tuple(args.participant))
    print(json.dumps({**placed, "callId": call_folder(placed["serverCallId"])}))
    return 0


def _ls(args: argparse.Namespace) -> int:
    info = stackfile.require(_state(args))
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
    up.add_argument("--join", action="store_true", help="use the stack already running here instead of refusing")
    up.add_argument("--no-auth", action="store_true", help="serve the Functions host without keys")
    up.add_argument("--time-scale", type=float, default=1.0, help="seconds of audio per second of recording")
    up.set_defaults(run=_up)
    commands.add_parser("down", help="stop every process of the stack `status` shows").set_defaults(run=_down)
    commands.add_parser("status", help="health of Azurite, the emulator and every host").set_defaults(run=_status)
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
