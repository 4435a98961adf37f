"""The loaded policy: frozen dataclasses built by :mod:`policy_router.policy.load`.

A :class:`Policy` is the result of layering one or more policy files; it is immutable and
safe to share between threads. ``match`` / ``unless`` objects are kept as deep-frozen
mappings (``@list`` references already expanded) and compiled by the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from ..decision import Decision
from ..errors import Location

__all__ = ["Defaults", "Profile", "Example", "Rule", "Policy", "freeze", "thaw"]


def freeze(value: Any) -> Any:
    """Deep-freeze plain YAML data: dicts become read-only mappings, lists become tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """The inverse of :func:`freeze`: plain dicts and lists (JSON-able)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Defaults:
    """Policy-wide defaults. ``locations`` maps each key to where it was last set."""

    decision: Decision
    on_parse_error: Decision = Decision.SANDBOX
    on_dynamic: Decision = Decision.SANDBOX
    on_sandbox_unavailable: Decision = Decision.DENY
    profile: str | None = None
    locations: Mapping[str, Location] = field(default_factory=lambda: MappingProxyType({}))

    def location_of(self, key: str) -> Location | None:
        """Where ``key`` was set, or None when it is the built-in default."""
        return self.locations.get(key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision.value,
            "on_parse_error": self.on_parse_error.value,
            "on_dynamic": self.on_dynamic.value,
            "on_sandbox_unavailable": self.on_sandbox_unavailable.value,
            "profile": self.profile,
        }


@dataclass(frozen=True, slots=True)
class Profile:
    """A sandbox tier read by the executors. ``mounts`` are extra read-only host paths
    as ``(source, target)`` pairs."""

    name: str
    image: str
    network: bool = False
    memory: str = "1g"
    cpus: float = 1.0
    pids: int = 256
    user: str = "65534:65534"
    mounts: tuple[tuple[str, str], ...] = ()
    location: Location | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "image": self.image,
            "network": self.network,
            "memory": self.memory,
            "cpus": self.cpus,
            "pids": self.pids,
            "user": self.user,
            "mounts": [{"source": s, "target": t} for s, t in self.mounts],
            "location": str(self.location) if self.location else None,
        }


@dataclass(frozen=True, slots=True)
class Example:
    """One example of a rule: ``text`` must (``should_match``) or must not make the rule apply."""

    text: str
    should_match: bool
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One policy rule. ``location`` is the position of the rule's mapping (its ``- id``)."""

    id: str
    description: str
    decision: Decision
    reason: str
    match: Mapping[str, Any]
    unless: tuple[Mapping[str, Any], ...] = ()
    profile: str | None = None
    tags: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    location: Location | None = None
    source_file: str = ""
    locked: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "decision": self.decision.value,
            "reason": self.reason,
            "profile": self.profile,
            "tags": list(self.tags),
            "match": thaw(self.match),
            "unless": [thaw(u) for u in self.unless],
            "examples": {
                "match": [e.text for e in self.examples if e.should_match],
                "not_match": [e.text for e in self.examples if not e.should_match],
            },
            "location": str(self.location) if self.location else None,
            "locked": self.locked,
        }


@dataclass(frozen=True, slots=True)
class Policy:
    """A loaded, layered, validated policy.

    ``sources``   the files it was loaded from, in layer order.
    ``lists``     named string lists after layering.
    ``profiles``  sandbox profiles by name.
    ``rules``     rules in layer order (a replaced rule keeps its first position).
    """

    sources: tuple[str, ...]
    defaults: Defaults
    lists: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    profiles: Mapping[str, Profile] = field(default_factory=lambda: MappingProxyType({}))
    rules: tuple[Rule, ...] = ()

    def rule(self, rule_id: str) -> Rule | None:
        """The rule with id ``rule_id`` or None."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": list(self.sources),
            "defaults": self.defaults.to_dict(),
            "lists": {k: list(v) for k, v in self.lists.items()},
            "profiles": {k: p.to_dict() for k, p in self.profiles.items()},
            "rules": [r.to_dict() for r in self.rules],
        }
