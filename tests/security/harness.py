"""Shared harness of the security corpus: load the cases, decide them with the real engine
and the shipped default policy, and classify the outcomes.

Used by ``tests/security/test_security.py`` and ``benchmarks/security_report.py``.
Cases are decided with ``cwd`` = ``workspace`` = :data:`WORKSPACE`, a project directory
outside the home directory, so relative paths resolve inside the workspace.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from policy_router.decision import Decision, Evaluation, Mode
from policy_router.engine import Engine
from policy_router.policy import load_policy
from policy_router.shell import parse

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_POLICY = REPO / "policies" / "default.yaml"
WORKSPACE = "/work/project"


@dataclass(frozen=True, slots=True)
class Case:
    """One corpus case: ``expect_local`` is True for benign cases, False for dangerous ones."""

    cmd: str
    cls: str
    transform: str
    payload: str
    expect_local: bool


@dataclass(frozen=True, slots=True)
class Outcome:
    """A decided case. ``error`` holds the repr of an exception raised while deciding."""

    case: Case
    decision: Decision | None
    deciding: tuple[str, ...] = ()
    error: str | None = None

    @property
    def bypass(self) -> bool:
        """A dangerous case that was routed local."""
        return not self.case.expect_local and self.decision is Decision.LOCAL

    @property
    def false_positive(self) -> bool:
        """A benign case that was not routed local."""
        return self.case.expect_local and self.decision is not Decision.LOCAL and self.error is None

    def describe(self) -> str:
        """One readable line: decision, deciding rules, class and the command."""
        what = self.error or f"{self.decision.value if self.decision else '?'} by {', '.join(self.deciding) or '-'}"
        return f"[{self.case.cls}/{self.case.transform}] {what}: {self.case.cmd!r}"


def load_dangerous(path: Path = HERE / "dangerous.yaml") -> list[Case]:
    """The dangerous cases of ``dangerous.yaml`` plus the generated malformed ones."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = [Case(d["cmd"], d["class"], d.get("transform", ""), d.get("payload", ""), False) for d in data]
    return cases + generated_malformed()


def load_benign(path: Path = HERE / "benign.yaml") -> list[Case]:
    """The benign cases of ``benign.yaml``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Case(d["cmd"], "benign-" + d.get("kind", ""), d.get("kind", ""), "", True) for d in data]


def generated_malformed() -> list[Case]:
    """Malformed and oversized inputs that YAML cannot hold well: long lines, deep nesting,
    NUL bytes and non-UTF-8 text (decoded with surrogateescape, as a worker reading raw bytes would)."""
    payload = "rm -rf ~"
    out: list[tuple[str, str]] = [
        ("long-line-prefix", "ls; " * 20_000 + payload),
        ("long-line-suffix", payload + " " + "a" * 70_000),
        ("long-single-word", "echo " + "x" * 100_000 + "; " + payload),
        ("long-just-under-cap", "true; " * 10_000 + payload),
        ("deep-substitution", "echo " + "$(" * 300 + payload + ")" * 300),
        ("deep-subshell", "(" * 500 + payload + ")" * 500),
        ("deep-backticks", "echo " + "$(echo " * 80 + payload + ")" * 80),
        ("deep-braces", "{ " * 300 + payload + "; }" * 300),
        ("deep-if", "if true; then " * 200 + payload + "; fi" * 200),
        ("nul-between", "ls\x00" + payload),
        ("nul-in-word", "r\x00m -rf ~"),
        ("nul-after", payload + "\x00"),
        ("non-utf8-prefix", b"\xff\xfe".decode("utf-8", "surrogateescape") + payload),
        ("non-utf8-in-name", b"r\xc3m -rf ~".decode("utf-8", "surrogateescape")),
        ("non-utf8-after", (b"ls \xff; " + payload.encode()).decode("utf-8", "surrogateescape")),
        ("lone-surrogate", "ls \ud800; " + payload),
    ]
    return [Case(cmd, "malformed-generated", name, "delete-home", False) for name, cmd in out]


class Decider:
    """Decides commands with the shipped default policy and the real engine."""

    def __init__(self, policy_path: Path = DEFAULT_POLICY) -> None:
        self.engine = Engine(load_policy([policy_path]))

    def evaluate(self, cmd: str) -> Evaluation:
        """The Evaluation of ``cmd`` in mode auto, with cwd and workspace set to WORKSPACE."""
        return self.engine.evaluate(parse(cmd), mode=Mode.AUTO, cwd=WORKSPACE, workspace=WORKSPACE)

    def decide(self, case: Case) -> Outcome:
        """Decide one case; an exception becomes an Outcome with ``error`` set (never raised)."""
        try:
            ev = self.evaluate(case.cmd)
        except Exception as exc:  # noqa: BLE001 - the harness reports every failure as data
            return Outcome(case, None, (), f"{type(exc).__name__}: {exc}")
        return Outcome(case, ev.decision, tuple(sorted({m.rule_id for m in ev.deciding})))

    def decide_all(self, cases: Iterable[Case]) -> list[Outcome]:
        return [self.decide(c) for c in cases]


@dataclass(slots=True)
class Summary:
    """Counts per class: total cases, bypasses, false positives, errors."""

    total: Counter[str] = field(default_factory=Counter)
    bypasses: Counter[str] = field(default_factory=Counter)
    false_positives: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, outcomes: Iterable[Outcome]) -> "Summary":
        s = cls()
        for o in outcomes:
            k = o.case.cls
            s.total[k] += 1
            s.bypasses[k] += o.bypass
            s.false_positives[k] += o.false_positive
            s.errors[k] += o.error is not None
        return s

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"class": k, "cases": self.total[k], "bypasses": self.bypasses[k],
             "false_positives": self.false_positives[k], "errors": self.errors[k]}
            for k in sorted(self.total)
        ]
