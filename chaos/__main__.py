"""``python -m chaos [--small] [--only NAME ...] [--load NAME=N ...] [--keep] [--out FILE]``: run the scenarios,
print one table. ``--load`` sets a scenario's main load: calls for duplicates, generated inputs for hostile, ..."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from chaos.runner import RESULTS, SCENARIOS, details, document, run_all, table, write
from chaos.scenarios.common import Size

LOADS = {name: module.LOAD for name, module in SCENARIOS.items() if hasattr(module, "LOAD")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
    parser.add_argument("--small", action="store_true", help="the small sizes make test uses")
    parser.add_argument("--only", nargs="+", choices=sorted(SCENARIOS), help="run only these scenarios")
    parser.add_argument("--load", nargs="+", default=[], type=_load, metavar="NAME=N",
                        help="a scenario's main load instead of its size's, e.g. duplicates=1000 hostile=10000")  # fmt: skip
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
    size = Size(small=args.small, loads=dict(args.load))
    names = args.only or list(SCENARIOS)
    results = run_all(names, size, keep=args.keep)
    command = (
        "python -m chaos"
        + (" --small" if args.small else "")
        + (f" --only {' '.join(names)}" if args.only else "")
        + (" --load " + " ".join(f"{name}={n}" for name, n in args.load) if args.load else "")
    )
    write(document(results, size, command), Path(args.out))
    print(table(results))
    print()
    print(details(results))
    return 0 if all(r.ok for r in results) else 1


def _load(text: str) -> tuple[str, int]:
    name, _, number = text.partition("=")
    if name not in LOADS or not number.isdigit() or int(number) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=N with N >= 1 and NAME one of {LOADS}")
    return name, int(number)


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())
