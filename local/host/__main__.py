"""``python -m local.host --app-dir DIR [...]``: serve an app until SIGTERM/SIGINT; print one JSON line when ready."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from local.stopsignal import stop_requested, wait_until_stopped

from . import settings, worker
from .context import LOG_FORMAT, InvocationLogFilter
from .indexing import IndexingError
from .server import FunctionsHost

log = logging.getLogger("local.host")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.host", description=__doc__)
    parser.add_argument("--app-dir", required=True, help="folder with function_app.py, host.json, local.settings.json")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--settings", help="settings file (default: local.settings.json, else its .example)")
    parser.add_argument("--keys-file", help="default: APP_DIR/.local/host-keys.json (created with random keys)")
    parser.add_argument("--no-auth", action="store_true", help="accept requests without keys, like Core Tools")
    parser.add_argument("--storage-connection-string", help="overrides the AzureWebJobsStorage setting")
    parser.add_argument("--shutdown-grace", type=float, default=10.0, help="seconds running invocations get on stop")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument(
        "--index-only",
        action="store_true",
        help="index and load the app in Microsoft's runtime, print its functions as JSON and exit (1 if refused)",
    )
    return parser.parse_args(argv)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(InvocationLogFilter())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    logging.getLogger("azure").setLevel(logging.WARNING)


def index_only(args: argparse.Namespace) -> int:
    """The runtime's verdict on the app: its functions with their bindings, or its message when it refuses."""
    app_dir = Path(args.app_dir)
    values = settings.read_values(settings.settings_path(app_dir, Path(args.settings) if args.settings else None))
    try:
        with settings.applied(settings.merged(values, {})):
            specs = worker.load(app_dir)
    except IndexingError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(json.dumps({spec.name: [spec.trigger, *spec.outputs] for spec in specs}), flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging(args.log_level)
    if args.index_only:
        return index_only(args)
    stop = stop_requested()
    host = FunctionsHost(
        app_dir=args.app_dir,
        host=args.host,
        port=args.port,
        settings_file=args.settings,
        keys_file=args.keys_file,
        auth=not args.no_auth,
        storage_connection_string=args.storage_connection_string,
        shutdown_grace=args.shutdown_grace,
    )
    try:
        host.start()
    except Exception:  # an app that fails to import can raise anything; report it and exit non-zero
        log.exception("the host did not start")
        return 1
    print(json.dumps(host.info), flush=True)
    wait_until_stopped(stop)
    log.info("stopping")
    host.stop()
    return 0


if __name__ == "__main__":
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    os._exit(code)  # function threads still running after the grace period must not keep the process alive
