"""``python -m tools.audit --date 2026-12-01 --public-key manifest-signing.pub.pem`` (or ``--from``/``--to``): audit
the archive; exit 0 when every recording matches its manifest and every manifest's signature verifies with a given
public key, 1 on any mismatch, 2 when the archive cannot be read."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from tools.audit import report, signature
from tools.audit.access import audit_access
from tools.audit.run import audit_days
from tools.audit.store import ArchiveReader, connect

MAX_DAYS = 3660
STORAGE_SETTING = "AzureWebJobsStorage"  # the Functions app's storage connection setting


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.audit", description=__doc__)
    parser.add_argument("--date", type=date.fromisoformat, help="one UTC day (yyyy-MM-dd) of recording starts")
    parser.add_argument("--from", dest="first", type=date.fromisoformat, help="first UTC day (inclusive)")
    parser.add_argument("--to", dest="last", type=date.fromisoformat, help="last UTC day (inclusive; default today)")
    parser.add_argument("--call", default="", help="only this call (its callFolder, as the control API names it)")
    parser.add_argument("--container", default=os.environ.get("ARCHIVE_CONTAINER", "recordings"))
    parser.add_argument("--connection-string", default=os.environ.get(STORAGE_SETTING, ""))
    parser.add_argument("--account-url", default="", help="https://<account>.blob.core.windows.net (Entra identity)")
    parser.add_argument(
        "--accept-incomplete", action="store_true", help="list incomplete or failed recordings without failing"
    )
    parser.add_argument(
        "--public-key", action="append", default=[], metavar="PEM",
        help="a public key manifests may be signed with (repeatable; `az keyvault key download --encoding PEM`)",
    )  # fmt: skip
    parser.add_argument(
        "--accept-unsigned",
        action="store_true",
        help="list unsigned manifests (written before signing) without failing",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--case", type=Path, help="verify an exported case (python -m tools.case) offline instead")
    args = parser.parse_args(argv)
    try:
        args.trust = signature.Trust(signature.load(args.public_key), args.accept_unsigned)
    except ValueError as exc:
        parser.error(str(exc))
    if args.case:
        return args
    if args.date and (args.first or args.last):
        parser.error("give --date or --from/--to, not both")
    if not (args.date or args.first):
        parser.error("give --date or --from")
    args.first = args.date or args.first
    args.last = args.date or args.last or datetime.now(UTC).date()
    if not 0 <= (args.last - args.first).days < MAX_DAYS:
        parser.error(f"--to must be on or after --from, at most {MAX_DAYS} days later")
    if not (args.connection_string or args.account_url):
        parser.error("give --connection-string (or set AzureWebJobsStorage) or --account-url")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.case:
        return _case(args)
    from azure.core.exceptions import AzureError

    account = {
        "connection_string": (args.account_url and "") or args.connection_string,
        "account_url": args.account_url,
    }
    try:
        reader = ArchiveReader(connect(args.container, **account))
        audits = audit_days(
            reader,
            args.first,
            args.last,
            call_folder=args.call,
            accept_incomplete=args.accept_incomplete,
            trust=args.trust,
        )
        reads = audit_access(reader, args.first, args.last, args.call)
    except (AzureError, OSError) as exc:
        print(f"cannot read the archive container {args.container!r}: {exc}", file=sys.stderr)
        return 2
    problems = [f"call {args.call}: no recording in the archive between {args.first} and {args.last}"]
    problems = problems if args.call and not audits else []
    span = (args.first.isoformat(), args.last.isoformat())
    print(report.as_json(audits, problems, span, reads) if args.json else report.table(audits, problems, reads))
    return 0 if not problems and not reads.problems and all(a.ok for a in audits) else 1


def _case(args: argparse.Namespace) -> int:
    from tools.audit.case import audit_case

    found = audit_case(args.case, args.trust, args.accept_incomplete)
    custody = found.custody
    who = f"case {custody.get('caseId')} exported by {custody.get('exportedBy')} at {custody.get('exportedAt')}: "
    problems = [*found.problems]
    span = ("", "")
    if args.json:
        print(report.as_json(found.recordings, problems, span, found.reads))
    else:
        print(who + str(custody.get("reason")) if custody else f"no case in {args.case}")
        print(report.table(found.recordings, problems, found.reads))
    return 0 if not problems and not found.reads.problems and all(a.ok for a in found.recordings) else 1


if __name__ == "__main__":
    sys.exit(main())
