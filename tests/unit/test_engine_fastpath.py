"""The engine's fast path (no trace) decides exactly like the traced path.

Without a trace the engine skips rules that an ``unless`` object exempts for every command
of a program (``unless: [{program: "@viewers"}]``); with a trace such a rule (when it names
the program) shows as an ``unless`` event. Both must give the same Evaluation apart from the
trace: checked on every case of the shipped policy's test file and
every line of the benchmark corpus, as whole-object comparisons.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from policy_router.decision import Decision
from policy_router.engine import Engine
from policy_router.policy import load_policy, load_policy_text
from policy_router.policytest import load_cases
from policy_router.shell import parse

ROOT = Path(__file__).resolve().parents[2]
WS = "/home/user/project"
HOME = "/home/user"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_policy([ROOT / "policies" / "default.yaml"]))


def _lines() -> list[tuple[str, str | None, str | None]]:
    out = [(c.cmd, c.cwd, c.workspace) for c in load_cases([ROOT / "policies" / "tests" / "default.yaml"])]
    corpus = ROOT / "benchmarks" / "corpus.txt"
    if corpus.exists():
        for raw in corpus.read_text(encoding="utf-8").splitlines():
            if raw.strip() and not raw.startswith("#:"):
                out.append((raw.replace("\u2424", "\n"), None, None))
    return out


LINES = _lines()


def test_fast_path_equals_traced_path(engine: Engine) -> None:
    assert len(LINES) > 600
    for cmd, cwd, ws in LINES:
        parsed = parse(cmd)
        kw = {"cwd": cwd or WS, "workspace": ws or cwd or WS, "home": HOME}
        fast = engine.evaluate(parsed, trace=False, **kw)
        traced = engine.evaluate(parsed, trace=True, **kw)
        assert traced.trace
        assert fast == dataclasses.replace(traced, trace=()), cmd


POLICY = """\
version: 1
defaults: {decision: sandbox}
lists:
  viewers: [cat, less]
rules:
  - id: write-protected
    description: writes to .bashrc by anything but a viewer
    decision: deny
    match:
      program: ["*"]
      args: {any: ['re:\\.bashrc$']}
    unless:
      - program: "@viewers"
        not: {program: [less], flags: {any: [-o]}}
  - id: cat-local
    description: cat
    decision: local
    match: {program: [cat]}
"""


def test_exempted_rules_are_not_candidates() -> None:
    eng = Engine(load_policy_text(POLICY, check_examples=False))
    assert [c.rule.id for c in eng.candidates("cat")] == ["cat-local"]
    assert [(c.rule.id, j) for c, j in eng.traced_candidates("cat")] == [("write-protected", 0), ("cat-local", -1)]
    # less -o may write: the unless does not always hold, so the rule stays
    assert [c.rule.id for c in eng.candidates("less")] == ["write-protected"]
    assert [c.rule.id for c in eng.candidates("cp")] == ["write-protected"]
    # a name no rule lists gets the precomputed generic list
    assert [c.rule.id for c in eng.candidates("no-such-tool")] == ["write-protected"]


@pytest.mark.parametrize(
    "cmd, decision, rules",
    [
        ("cat ~/.bashrc", Decision.LOCAL, ("cat-local",)),
        ("less ~/.bashrc", Decision.SANDBOX, ("defaults.decision",)),
        ("less -o ~/.bashrc x", Decision.DENY, ("write-protected",)),
        ("cp x ~/.bashrc", Decision.DENY, ("write-protected",)),
    ],
)
@pytest.mark.parametrize("trace", [False, True])
def test_exemption_decisions(cmd: str, decision: Decision, rules: tuple[str, ...], trace: bool) -> None:
    eng = Engine(load_policy_text(POLICY, check_examples=False))
    ev = eng.evaluate(parse(cmd), cwd=WS, workspace=WS, home=HOME, trace=trace)
    assert (ev.decision, tuple(m.rule_id for m in ev.deciding)) == (decision, rules)


def test_trace_still_names_exempted_rules() -> None:
    eng = Engine(load_policy_text(POLICY, check_examples=False))
    ev = eng.evaluate(parse("cat ~/.bashrc"), cwd=WS, workspace=WS, home=HOME, trace=True)
    assert [(t.op, t.rule_id, t.detail) for t in ev.trace] == [
        ("enter", None, "cat"),
        ("unless", "write-protected", "unless[0] holds"),
        ("match", "cat-local", "local"),
        ("decision", None, "local -> local (mode auto)"),
    ]


def test_per_program_needs_are_sound(engine: Engine) -> None:
    """Whenever a rule's match holds for a command, the feature mask the index gives that
    rule for the command's program is met (and the rule is a candidate at all); whenever one
    of its unless objects holds, the index keeps that object for the program."""
    from policy_router.matchers import LineState, command_features

    checked = 0
    for cmd_text, cwd, ws in LINES:
        parsed = parse(cmd_text)
        line = LineState(parsed, cwd=cwd or WS, workspace=ws or cwd or WS, home=HOME)
        for i, cmd in enumerate(parsed.commands):
            ctx = line.context(i)
            features = command_features(cmd)
            for cr in engine.rules:
                kept = cr.unless_for(cmd.program) if cr.unless_for is not None else cr.unless
                for u in cr.unless:
                    assert not u(cmd, ctx) or u in kept, (cr.rule.id, cmd_text)
                if not cr.match(cmd, ctx):
                    continue
                needs = cr.needs_for(cmd.program) if cr.needs_for is not None else cr.needs
                assert needs is not None, (cr.rule.id, cmd_text)
                assert not needs or needs & features, (cr.rule.id, cmd_text, needs, features)
                checked += 1
    assert checked > 1000
