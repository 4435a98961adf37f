"""Check every rule's ``examples`` when a policy loads (codex style).

Each example string is parsed with :func:`policy_router.shell.parse` and evaluated with the
policy being loaded. A ``match`` example must make its rule apply to at least one command of
the line; a ``not_match`` example must make it apply to none. A failure is a
:class:`PolicyIssue` with code ``example`` that names the rule, the example and its location.

Examples are evaluated with fixed, documented directories so that results do not depend on
the machine: working directory and workspace ``EXAMPLE_WORKSPACE``, home ``EXAMPLE_HOME``.
"""

from __future__ import annotations

import warnings
from typing import Any

from ..errors import Location, PolicyIssue
from .model import Policy

__all__ = ["EXAMPLE_HOME", "EXAMPLE_WORKSPACE", "check_examples"]

EXAMPLE_HOME = "/home/user"
EXAMPLE_WORKSPACE = "/home/user/project"


def check_examples(policy: Policy, *, pm: Any = None) -> list[PolicyIssue]:
    """Every failing example of every rule of ``policy`` as a PolicyIssue (empty: all pass)."""
    if not any(r.examples for r in policy.rules):
        return []
    try:
        from ..shell import parse
    except ImportError:  # the parser has not landed yet
        warnings.warn("policy_router.shell.parse is unavailable: rule examples not checked", stacklevel=3)
        return []
    from ..engine import Engine

    engine = Engine(policy, pm=pm)
    issues: list[PolicyIssue] = []
    for rule in policy.rules:
        for ex in rule.examples:
            parsed = parse(ex.text)
            ev = engine.evaluate(
                parsed, cwd=EXAMPLE_WORKSPACE, workspace=EXAMPLE_WORKSPACE, home=EXAMPLE_HOME, trace=False
            )
            hits = [
                i for i, v in enumerate(ev.commands) if any(m.rule_id == rule.id for m in v.matches)
            ]
            loc = ex.location or rule.location or Location(rule.source_file)
            if ex.should_match and not hits:
                progs = ", ".join(repr(v.command.program) for v in ev.commands) or "none"
                issues.append(PolicyIssue(loc, "example",
                    f"rule '{rule.id}': example {ex.text!r} should match but does not "
                    f"(commands: {progs})"))  # fmt: skip
            elif not ex.should_match and hits:
                cmd = ev.commands[hits[0]].command
                issues.append(PolicyIssue(loc, "example",
                    f"rule '{rule.id}': not_match example {ex.text!r} matches command "
                    f"{hits[0]} ({' '.join(cmd.argv_text)!r})"))  # fmt: skip
    return issues
