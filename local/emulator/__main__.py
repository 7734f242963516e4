"""``python -m local.emulator``: serve the emulator until SIGTERM/SIGINT; one JSON line on stdout once serving."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from local.stopsignal import stop_requested, wait_until_stopped

from .config import FILES_READY_SHAPES, EmulatorConfig
from .server import Emulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="HTTPS API port (0: a free port)")
    parser.add_argument("--proxy-port", type=int, default=0, help="CONNECT proxy port (0: a free port)")
    parser.add_argument("--state-dir", type=Path, default=Path(".local/emulator"), help="CA, keys, media, dead letters")
    parser.add_argument("--access-key", help="base64 HMAC key (default: generated once, kept in the state dir)")
    parser.add_argument("--resource-id", help="ACS resource id, the callback JWT audience (default: generated once)")
    parser.add_argument("--storage-connection-string", help="Azurite, for bring-your-own-storage and dead letters")
    parser.add_argument("--subscriptions", type=Path, help="JSON file: Event Grid subscriptions to create at start")
    parser.add_argument("--files-ready-delay", type=float, default=0.5, help="seconds from stop to files ready")
    parser.add_argument("--time-scale", type=float, default=1.0, help="seconds of media per second recorded")
    parser.add_argument("--max-chunk-seconds", type=float, default=4 * 3600, help="longest chunk, in media seconds")
    parser.add_argument("--retention-seconds", type=float, default=24 * 3600, help="recordings are 404 after this")
    parser.add_argument(
        "--files-ready-shape", choices=FILES_READY_SHAPES, default="full", help="shape of RecordingFileStatusUpdated"
    )
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> EmulatorConfig:
    return EmulatorConfig(
        state_dir=args.state_dir,
        access_key=args.access_key,
        resource_id=args.resource_id,
        storage_connection_string=args.storage_connection_string or None,
        files_ready_delay=args.files_ready_delay,
        time_scale=args.time_scale,
        max_chunk_seconds=args.max_chunk_seconds,
        retention_seconds=args.retention_seconds,
        files_ready_shape=args.files_ready_shape,
        host=args.host,
        port=args.port,
        proxy_port=args.proxy_port,
        subscriptions_file=args.subscriptions,
    )


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stop = stop_requested()
    emulator = Emulator(config_from(parse_args(argv))).start()
    sys.stdout.write(json.dumps(emulator.info) + "\n")
    sys.stdout.flush()
    wait_until_stopped(stop)
    emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
