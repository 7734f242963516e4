"""What one scenario measured: the table's columns plus the scenario's own checks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Result:
    """One row of the table. ``checks`` holds the scenario's own invariants (name -> held?)."""

    scenario: str
    load: str = ""
    faults: int = 0
    expected: int = 0
    archived: int = 0
    verified: int = 0
    lost: int = 0
    duplicated: int = 0
    corrupted: int = 0
    errors: int = 0
    checks: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def check(self, name: str, held: bool, detail: str = "") -> bool:
        """Record an invariant; a broken one also leaves a note saying what was seen."""
        self.checks[name] = self.checks.get(name, True) and held
        if not held:
            self.notes.append(f"{name}: {detail}" if detail else name)
        return held

    def error(self, message: str) -> None:
        self.errors += 1
        self.notes.append(message)

    @property
    def ok(self) -> bool:
        counts = (self.lost, self.duplicated, self.corrupted, self.errors)
        return not any(counts) and self.verified == self.expected and all(self.checks.values())

    @property
    def failed_checks(self) -> list[str]:
        return [name for name, held in self.checks.items() if not held]

    @property
    def broken(self) -> list[str]:
        """Everything that makes the row fail: nonzero counts, chunks not verified, then the broken checks."""
        counts = {"lost": self.lost, "duplicated": self.duplicated, "corrupted": self.corrupted, "errors": self.errors}
        found = [f"{name} {count}" for name, count in counts.items() if count]
        if self.verified != self.expected:
            found.append(f"verified {self.verified} of {self.expected}")
        return found + self.failed_checks

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}
