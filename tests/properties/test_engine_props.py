"""hypothesis properties of the engine, through the real parser.

* composing commands (``A; B``, ``A && B``, ``A || B``, ``A | B``, ``B $(A)``) never gives a
  weaker decision than the strictest part;
* adding a deny rule to a policy never lowers any command's or line's decision;
* redundant quoting of plain words never lowers a decision.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from policy_router.decision import Decision
from policy_router.engine import Engine
from policy_router.policy import load_policy_text
from policy_router.shell import parse

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_engine_regressions import POLICY  # noqa: E402  (the regression table's policy)

WS, HOME = "/home/u/ws", "/home/u"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PROGRAMS = ["ls", "cat", "rm", "git", "curl", "sh", "bash", "echo", "cd", "python3", "sudo", "xargs",
            "export", "wc", "find"]  # fmt: skip
WORDS = ["-rf", "-r", "-f", ".", "/", "~", "x", "build", "/etc/passwd", "status", "commit", "merge",
         "-C", "/tmp", "..", "sub", "LD_PRELOAD=/x", "-exec", "--recursive"]  # fmt: skip
PLAIN = [w for w in WORDS if not set(w) & set("~*?[$=")]

simple = st.builds(
    lambda p, args: " ".join([p, *args]), st.sampled_from(PROGRAMS), st.lists(st.sampled_from(WORDS), max_size=3)
)

BASE = load_policy_text(POLICY, "props.yaml")
ENGINE = Engine(BASE)


def decide(engine: Engine, cmd: str) -> Decision:
    return engine.evaluate(parse(cmd), cwd=WS, workspace=WS, home=HOME, trace=False).policy_decision


@SETTINGS
@given(a=simple, b=simple, op=st.sampled_from([" ; ", " && ", " || ", " | ", "\n"]))
@example(a="cd sub", b="rm -rf .", op=" && ")  # a cd that may fail must not hide the workspace
@example(a="cd /tmp", b="cat x", op=" ; ")
@example(a="curl x", b="sh", op=" | ")
def test_composite_never_weaker_than_parts(a: str, b: str, op: str) -> None:
    whole = decide(ENGINE, a + op + b)
    assert whole >= decide(ENGINE, a)
    assert whole >= decide(ENGINE, b)


@SETTINGS
@given(a=simple, b=simple)
def test_substitution_never_weaker_than_inner(a: str, b: str) -> None:
    whole = decide(ENGINE, f"{b} $({a})")
    assert whole >= decide(ENGINE, a)


deny_rule = st.one_of(
    st.builds(lambda p: {"program": p}, st.sampled_from(PROGRAMS)),
    st.builds(lambda w: {"args": {"any": [w]}}, st.sampled_from(WORDS)),
    st.builds(lambda w: {"flags": {"any": [w]}}, st.sampled_from(["-r", "-f", "-C", "--recursive"])),
    st.builds(lambda w: {"paths": {"any": [w]}}, st.sampled_from(["/", "~", "$WORKSPACE", "!$WORKSPACE", "/etc/*"])),
    st.builds(lambda p, w: {"program": p, "args": {"none": [w]}}, st.sampled_from(PROGRAMS), st.sampled_from(WORDS)),
)


def _yaml_rule(match: dict) -> str:
    import json

    return (
        "  - id: added-deny\n    description: added by the property test\n    decision: deny\n"
        f"    match: {json.dumps(match)}\n"
    )


@SETTINGS
@given(match=deny_rule, cmds=st.lists(simple, min_size=1, max_size=3), op=st.sampled_from([" ; ", " | ", " && "]))
def test_adding_a_deny_rule_never_lowers_a_decision(match: dict, cmds: list[str], op: str) -> None:
    stricter = Engine(load_policy_text(POLICY + _yaml_rule(match), "props.yaml"))
    parsed = parse(op.join(cmds))
    before = ENGINE.evaluate(parsed, cwd=WS, workspace=WS, home=HOME, trace=False)
    after = stricter.evaluate(parsed, cwd=WS, workspace=WS, home=HOME, trace=False)
    assert after.policy_decision >= before.policy_decision
    assert [v.decision >= w.decision for v, w in zip(after.commands, before.commands)] == [True] * len(before.commands)


@SETTINGS
@given(p=st.sampled_from(PROGRAMS), args=st.lists(st.sampled_from(PLAIN), max_size=3),
       quotes=st.lists(st.sampled_from(["'", '"', ""]), min_size=3, max_size=3))  # fmt: skip
def test_redundant_quoting_never_lowers(p: str, args: list[str], quotes: list[str]) -> None:
    plain = " ".join([p, *args])
    quoted = " ".join([p, *(f"{q}{a}{q}" for a, q in zip(args, quotes))])
    assert decide(ENGINE, quoted) >= decide(ENGINE, plain)
