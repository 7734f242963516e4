"""``python -m chaos [--small] [--only NAME ...] [--keep] [--out FILE]``: run the scenarios, print one table."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from chaos.runner import RESULTS, SCENARIOS, details, document, run_all, table, write
from chaos.scenarios.common import Size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
    parser.add_argument("--small", action="store_true", help="the small sizes make test uses")
    parser.add_argument("--only", nargs="+", choices=sorted(SCENARIOS), help="run only these scenarios")
    parser.add_argument("--keep", action="store_true", help="keep each stack's state folder (logs, Azurite data)")
    parser.add_argument("--out", default=str(RESULTS / "latest.json"), help="where to write the JSON results")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)  # end the running scenario's stack on the way out
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")  # fmt: skip
    for noisy in ("azure", "urllib3", "hypothesis"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)  # many client threads share one pool
    size = Size(small=args.small)
    names = args.only or list(SCENARIOS)
    results = run_all(names, size, keep=args.keep)
    command = (
        "python -m chaos" + (" --small" if args.small else "") + (f" --only {' '.join(names)}" if args.only else "")
    )
    write(document(results, size, command), Path(args.out))
    print(table(results))
    print()
    print(details(results))
    return 0 if all(r.ok for r in results) else 1


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())
