"""Every hookspec is documented in docs/hooks.md under a heading ``name(args)`` (datasette style)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from policy_router import hookspecs

DOC = (Path(__file__).resolve().parents[2] / "docs" / "hooks.md").read_text(encoding="utf-8")
HEADINGS = set(re.findall(r"^#+\s+(policy_router_\w+\([^)]*\))\s*$", DOC, re.M))
SPECS = sorted(
    name for name, fn in vars(hookspecs).items()
    if name.startswith("policy_router_") and callable(fn) and hasattr(fn, "policy_router_spec")
)


def test_there_are_hookspecs() -> None:
    assert {"policy_router_register_matchers", "policy_router_register_executors",
            "policy_router_adjust_decision"} <= set(SPECS)


@pytest.mark.parametrize("name", SPECS)
def test_hook_is_documented(name: str) -> None:
    args = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
    assert f"{name}({args})" in HEADINGS


def test_no_heading_without_a_hook() -> None:
    assert {h.split("(")[0] for h in HEADINGS} <= set(SPECS)


@pytest.mark.parametrize("word", ["POLICY_ROUTER_DISABLE_PLUGINS", "POLICY_ROUTER_TRACE_HOOKS",
                                  "MatcherRegistry.add", "ExecutorRegistry.add", "group"])
def test_registries_env_vars_and_entry_point_group_are_documented(word: str) -> None:
    assert word in DOC
