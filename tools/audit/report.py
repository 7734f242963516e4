"""The audit's output: a table for people, or JSON for machines."""

from __future__ import annotations

import json
from collections.abc import Sequence

from tools.audit.access import AccessAudit
from tools.audit.check import RecordingAudit

HEADER = ("STATUS", "DATE", "CALL", "RECORDING", "VERDICT", "CHUNKS", "BLOBS", "BYTES", "SIGNED")


def table(audits: Sequence[RecordingAudit], problems: Sequence[str] = (), reads: AccessAudit | None = None) -> str:
    rows = [HEADER]
    for audit in audits:
        record = audit.as_json()
        rows.append((
            "OK" if audit.ok else "FAIL", str(record["date"]), _short(str(record["callFolder"])),
            _short(str(record["recordingId"])), audit.verdict or "-", str(audit.chunks), str(audit.blobs),
            f"{audit.bytes:,}", _key(audit),
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.extend(f"FAIL {problem}" for problem in problems)
    for audit in audits:
        lines.extend(f"FAIL {audit.prefix}: {problem}" for problem in audit.problems)
    lines.extend(_signers(audits))
    lines.extend(
        f"erased on request: {a.prefix} at {a.erased['erasedAt']} by {a.erased['requestedBy']}: {a.erased['reason']}"
        for a in audits
        if a.erased
    )
    lines.extend(
        f"erased on request: {e['blobPath']} at {e['erasedAt']} by {e['requestedBy']}: {e['reason']}"
        for a in audits
        for e in a.erased_blobs
    )
    reads = reads or AccessAudit()
    lines.extend(f"FAIL access log: {problem}" for problem in reads.problems)
    lines.append(f"access log: {reads.reads} read(s) of the archive in {reads.logs} log(s)")
    failed = sum(not a.ok for a in audits) + len(problems) + len(reads.problems)
    blobs = sum(a.blobs for a in audits)
    lines.append(f"{len(audits)} recording(s), {blobs} blob(s) read back, {failed} failure(s)")
    return "\n".join(lines)


def as_json(
    audits: Sequence[RecordingAudit], problems: Sequence[str], span: tuple[str, str], reads: AccessAudit | None = None
) -> str:
    reads = reads or AccessAudit()
    ok = not problems and not reads.problems and all(a.ok for a in audits)
    body = {"ok": ok, "from": span[0], "to": span[1], "problems": list(problems),
            "recordings": [a.as_json() for a in audits], "accessLog": reads.as_json()}  # fmt: skip
    return json.dumps(body, indent=2)


def _key(audit: RecordingAudit) -> str:
    """The verifying key's short fingerprint, as the lines under the table name it in full."""
    return f"sha256:{audit.signed.key.fingerprint[:12]}" if audit.signed else "-"


def _signers(audits: Sequence[RecordingAudit]) -> list[str]:
    """One line per signing key (kid) and public key the signatures verified with."""
    counts: dict[tuple[str, str, str], int] = {}
    for signed in (a.signed for a in audits if a.signed):
        named = (signed.kid, signed.key.fingerprint, signed.key.source)
        counts[named] = counts.get(named, 0) + 1
    return [
        f"signature verified: {count} manifest(s) signed by {kid} (public key {source}, sha256:{fingerprint})"
        for (kid, fingerprint, source), count in sorted(counts.items())
    ]


def _short(text: str, width: int = 28) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
