"""Decisions and the Evaluation record (frozen, JSON-serialisable).

``Decision`` is ordered ``LOCAL < SANDBOX < DENY``; the result for a command or a line is
``max()`` over everything that applies (strictest wins).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from .errors import Location
from .shell.model import Command, ParseIssue

__all__ = ["Decision", "Mode", "RuleMatch", "CommandVerdict", "TraceEvent", "Evaluation"]

_RANK = {"local": 0, "sandbox": 1, "deny": 2}


class Decision(str, Enum):
    LOCAL = "local"
    SANDBOX = "sandbox"
    DENY = "deny"

    @property
    def rank(self) -> int:
        return _RANK[self.value]

    def __lt__(self, other: object) -> bool:  # type: ignore[override]
        if not isinstance(other, Decision):
            return NotImplemented
        return _RANK[self.value] < _RANK[other.value]

    def __le__(self, other: object) -> bool:  # type: ignore[override]
        if not isinstance(other, Decision):
            return NotImplemented
        return _RANK[self.value] <= _RANK[other.value]

    def __gt__(self, other: object) -> bool:  # type: ignore[override]
        if not isinstance(other, Decision):
            return NotImplemented
        return _RANK[self.value] > _RANK[other.value]

    def __ge__(self, other: object) -> bool:  # type: ignore[override]
        if not isinstance(other, Decision):
            return NotImplemented
        return _RANK[self.value] >= _RANK[other.value]

    def __str__(self) -> str:
        return self.value


class Mode(str, Enum):
    """``auto``: the policy decides. ``sandbox``: everything not denied is sandboxed.
    ``local``: everything not denied runs locally. A deny holds in every mode."""

    AUTO = "auto"
    LOCAL = "local"
    SANDBOX = "sandbox"

    def apply(self, policy_decision: Decision) -> Decision:
        if policy_decision is Decision.DENY or self is Mode.AUTO:
            return policy_decision
        return Decision.LOCAL if self is Mode.LOCAL else Decision.SANDBOX

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """A rule (or a policy default) that applied to a command or to the whole line.

    ``rule_id`` is the rule's id, or ``defaults.decision`` / ``defaults.on_dynamic`` /
    ``defaults.on_parse_error`` / ``plugin:<name>`` for non-rule sources.
    ``command`` is the index into Evaluation.commands, or None for line-level matches.
    """

    rule_id: str
    decision: Decision
    reason: str
    location: Location | None
    command: int | None = None
    profile: str | None = None
    tags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "decision": self.decision.value,
            "reason": self.reason,
            "location": str(self.location) if self.location else None,
            "command": self.command,
            "profile": self.profile,
            "tags": list(self.tags),
        }


@dataclass(frozen=True, slots=True)
class CommandVerdict:
    """One command of the line with what applied to it and its resulting decision."""

    command: Command
    decision: Decision
    matches: tuple[RuleMatch, ...]

    def to_dict(self) -> dict[str, Any]:
        d = self.command.to_dict()
        d["decision"] = self.decision.value
        d["matches"] = [m.to_dict() for m in self.matches]
        return d


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One step of an evaluation (OPA-style). ``op`` is one of:

    ``enter`` (a command is evaluated; detail: its program), ``cwd`` (a directory the command
    may run in, after ``cd``), ``no_match`` (a rule naming the program did not match),
    ``unless`` (a rule matched but an ``unless`` clause held), ``match``, ``default``
    (``defaults.decision`` or ``defaults.on_parse_error`` applied), ``dynamic``
    (``defaults.on_dynamic`` applied), ``plugin`` (an adjust-decision hook answered),
    ``decision`` (the line's final decision and the mode)."""

    op: str
    command: int | None
    rule_id: str | None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "command": self.command, "rule": self.rule_id, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The complete, immutable result of deciding one command string.

    ``decision``         the effective decision after applying ``mode``.
    ``policy_decision``  what the policy alone decided (mode ``auto``).
    ``deciding``         the matches that produced ``policy_decision`` (all those whose
                         decision equals it and that come from the strictest commands).
    ``profile``          sandbox profile name chosen for the line (from the deciding rules,
                         else the policy default), or None.
    """

    cmd: str
    mode: Mode
    decision: Decision
    policy_decision: Decision
    commands: tuple[CommandVerdict, ...]
    deciding: tuple[RuleMatch, ...]
    line_matches: tuple[RuleMatch, ...] = ()
    parse_errors: tuple[ParseIssue, ...] = ()
    parsed: bool = True
    profile: str | None = None
    trace: tuple[TraceEvent, ...] = ()

    @property
    def parse_error(self) -> ParseIssue | None:
        """The first parse error, if the line could not be parsed by either parser."""
        if self.parsed or not self.parse_errors:
            return None
        return self.parse_errors[0]

    def to_dict(self, *, trace: bool = False) -> dict[str, Any]:
        pe = self.parse_error
        d: dict[str, Any] = {
            "cmd": self.cmd,
            "decision": self.decision.value,
            "policy_decision": self.policy_decision.value,
            "mode": self.mode.value,
            "profile": self.profile,
            "deciding": [m.to_dict() for m in self.deciding],
            "commands": [c.to_dict() for c in self.commands],
            "line_matches": [m.to_dict() for m in self.line_matches],
            "parse_error": {"message": pe.message, "position": pe.position} if pe else None,
            "parse_warnings": [e.to_dict() for e in self.parse_errors],
        }
        if trace:
            d["trace"] = [t.to_dict() for t in self.trace]
        return d
