"""``python -m tools.case --call <callFolder> [--call ...] --exported-by WHO --reason WHY --signing-key KEY --out DIR``:
export the calls' recordings (media, participant files, metadata, manifests and their signatures, tombstones), their
timelines and access logs, and a signed chain-of-custody record, to a new directory. ``KEY`` is a PEM key file or a
versioned Key Vault key identifier, as ``MANIFEST_SIGNING_KEY`` is for the app (the vault signs for the identity
``DefaultAzureCredential`` finds: Azure CLI, environment, managed or workload identity). Exit 0 when written, 1 when
a call cannot be exported or the key does not sign, 2 when storage cannot be read."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tools.case.bundle import CUSTODY, ExportError, Request, export

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

STORAGE_SETTING = "AzureWebJobsStorage"


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.case", description=__doc__)
    parser.add_argument("--call", action="append", required=True, help="a call's callFolder (repeatable)")
    parser.add_argument("--exported-by", required=True, help="who exports the case (recorded in custody.json)")
    parser.add_argument("--reason", required=True, help="why: the case, the request (recorded in custody.json)")
    parser.add_argument(
        "--signing-key",
        required=True,
        help="what custody.json is signed with: a PEM key file, or a versioned Key Vault key identifier "
        "(https://<vault>.vault.azure.net/keys/<name>/<version>)",
    )
    parser.add_argument("--out", required=True, type=Path, help="a new directory to write the case to")
    parser.add_argument("--container", default=os.environ.get("ARCHIVE_CONTAINER", "recordings"))
    parser.add_argument("--calls-table", default=os.environ.get("CALLS_TABLE", "calls"))
    parser.add_argument("--connection-string", default=os.environ.get(STORAGE_SETTING, ""))
    args = parser.parse_args(argv)
    if not args.connection_string:
        parser.error("give --connection-string (or set AzureWebJobsStorage)")
    if not args.exported_by.strip() or not args.reason.strip():
        parser.error("--exported-by and --reason must say who and why")
    return args


def main(argv: Sequence[str] | None = None, credential: Callable[[], TokenCredential] | None = None) -> int:
    """``credential``: the identity a Key Vault key signs for (``DefaultAzureCredential`` when not given)."""
    args = parse(sys.argv[1:] if argv is None else argv)
    from azure.core.exceptions import AzureError
    from azure.data.tables import TableServiceClient
    from azure.storage.blob import BlobServiceClient

    from shared.keyvault import named_signer
    from shared.signing import SigningError
    from shared.store.table import TableCallStore

    try:
        signer = named_signer(args.signing_key, credential or _default_credential)
    except SigningError as exc:
        print(f"--signing-key {args.signing_key}: {exc}", file=sys.stderr)
        return 1
    container = BlobServiceClient.from_connection_string(args.connection_string).get_container_client(args.container)
    table = TableServiceClient.from_connection_string(args.connection_string).get_table_client(args.calls_table)
    request = Request(calls=args.call, exported_by=args.exported_by, reason=args.reason)
    try:
        custody = export(request, container, TableCallStore(table), signer, args.out)
    except (ExportError, SigningError) as exc:
        print(f"cannot export the case: {exc}", file=sys.stderr)
        return 1
    except AzureError as exc:
        print(f"cannot read storage: {exc}", file=sys.stderr)
        return 2
    print(f"case {custody['caseId']}: {len(custody['files'])} file(s) in {args.out}, {args.out / CUSTODY} signed")
    return 0


def _default_credential() -> TokenCredential:
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


if __name__ == "__main__":
    sys.exit(main())
