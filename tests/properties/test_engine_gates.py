"""The literal gates of the engine's fast path are sound (see matchers.match_gate and
Engine._plan).

* Whenever a rule's match holds for a command, its gate for the command's program (the name
  the engine indexes it under) and features is not ``()`` ("cannot hold"), and when it is a
  set of atoms, one of them holds; the same for the real program name.
* The untraced evaluation (which uses the gates) equals the traced one (which does not), on
  the shipped policy's test cases, both corpora, and hypothesis-generated lines.
* A table of match objects pins what match_gate derives.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from policy_router.engine import _GENERIC_NAME, Engine
from policy_router.matchers import F_ARGS, F_REDIRECTS, GateAtom, LineState, command_features, gate_test, match_gate
from policy_router.policy import load_policy
from policy_router.policytest import load_cases
from policy_router.shell import parse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from oracle.fuzzkit import lines  # noqa: E402

WS = "/home/user/project"
HOME = "/home/user"
ENGINE = Engine(load_policy([ROOT / "policies" / "default.yaml"]))


def _corpus(path: Path) -> list[tuple[str, str | None, str | None]]:
    return [
        (raw.replace("\u2424", "\n"), None, None)
        for raw in path.read_text(encoding="utf-8").splitlines()
        if raw.strip() and not raw.startswith("#:")
    ]


LINES = (
    [(c.cmd, c.cwd, c.workspace) for c in load_cases([ROOT / "policies" / "tests" / "default.yaml"])]
    + _corpus(ROOT / "benchmarks" / "corpus.txt")
    + _corpus(ROOT / "tests" / "unit" / "data" / "parse_corpus.txt")
)


def _index_key(program: str) -> str:
    """The name the engine looks the program's plan up under (see Engine.evaluate)."""
    if program in ENGINE._by_program or ENGINE._is_special(program):
        return program
    return _GENERIC_NAME


def _check_gates(cmd_text: str, cwd: str | None = None, ws: str | None = None) -> int:
    parsed = parse(cmd_text)
    line = LineState(parsed, cwd=cwd or WS, workspace=ws or cwd or WS, home=HOME)
    held = 0
    for i, cmd in enumerate(parsed.commands):
        features = command_features(cmd)
        for d in line.cwd_candidates(i) or (None,):
            ctx = line.context(i) if d is None else type(line.context(i))(line, i, d)
            for cr in ENGINE.rules:
                if not cr.match(cmd, ctx):
                    continue
                held += 1
                for name in {_index_key(cmd.program), cmd.program}:
                    g = cr.gate(name, features)
                    assert g != (), (cr.rule.id, cmd_text, name, "gate says the rule cannot hold")
                    if g is not None:
                        assert gate_test(tuple(g))(ctx), (cr.rule.id, cmd_text, name, g)
    return held


def _check_fast_equals_traced(cmd_text: str, cwd: str | None = None, ws: str | None = None) -> None:
    parsed = parse(cmd_text)
    kw = {"cwd": cwd or WS, "workspace": ws or cwd or WS, "home": HOME}
    fast = ENGINE.evaluate(parsed, trace=False, **kw)
    traced = ENGINE.evaluate(parsed, trace=True, **kw)
    assert fast == dataclasses.replace(traced, trace=()), cmd_text


def test_gates_are_sound_on_cases_and_corpora() -> None:
    assert len(LINES) > 1900
    held = sum(_check_gates(*line) for line in LINES)
    assert held > 2000  # the property was really exercised


def test_fast_path_equals_traced_path_on_both_corpora() -> None:
    for line in LINES:
        _check_fast_equals_traced(*line)


def test_gates_skip_rules() -> None:
    """The gates do prune: for an everyday command most generic rules are gated, and the
    union gate fails, so they are skipped without trying their match."""
    fast = ENGINE._by_program["pytest"]
    (any_gate, gate), entries = ENGINE._plan("pytest", fast, F_ARGS)
    own = {cr.rule.id: g for _, _, cr, g, _ in entries if g is not None}
    pooled = {cr.rule.id for _, _, cr, g, p in entries if p}
    assert {"reverse-shell", "read-secrets", "write-protected-path"} <= set(own)
    assert {"reverse-shell", "read-secrets"} <= pooled
    ctx = LineState(parse("pytest tests/unit -x -q"), cwd=WS, workspace=WS, home=HOME).context(0)
    assert gate is not None and gate(ctx) is False
    assert any_gate is not None and any_gate(ctx) is False
    assert not any(g(ctx) for g in own.values())
    ctx = LineState(parse("pytest ~/.ssh/id_rsa"), cwd=WS, workspace=WS, home=HOME).context(0)
    assert gate(ctx) is True and any_gate(ctx) is True
    assert own["read-secrets"](ctx) and own["write-protected-path"](ctx)


PROPS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(lines())
def test_gates_are_sound_on_generated_lines(cmd_text: str) -> None:
    _check_gates(cmd_text)


@PROPS
@given(lines())
def test_fast_path_equals_traced_path_on_generated_lines(cmd_text: str) -> None:
    _check_fast_equals_traced(cmd_text)


A = lambda hay, *lits, ic=False: GateAtom(hay, frozenset(lits), ic)  # noqa: E731

GATE_CASES = [
    # (match object, program, features, expected gate)
    ({"program": ["ls"]}, "ls", F_ARGS, None),
    ({"program": ["ls"]}, "cat", F_ARGS, ()),
    ({"args": {"any": ["re:^/dev/tcp/"]}}, "x", F_ARGS, (A("args", "/dev/tcp/"),)),
    ({"args": {"any": ["re:^/dev/tcp/"]}}, "x", 0, ()),  # needs arguments
    ({"args": {"none": ["re:^/dev/tcp/"]}}, "x", F_ARGS, None),  # `none` gives no literal
    ({"args": {"any": ["re:."]}}, "x", F_ARGS, None),  # no literal every match needs
    ({"paths": {"any": ["~/.netrc"]}}, "x", F_ARGS, (A("paths", "/.netrc"),)),
    ({"paths": {"any": ["!$WORKSPACE"]}}, "x", F_ARGS, None),
    ({"redirects": {"mode": "write", "target": "/etc/*"}}, "x", F_ARGS, ()),
    ({"redirects": {"mode": "write", "target": "/etc/*"}}, "x", F_REDIRECTS, None),
    (
        {"any_of": [{"args": {"any": ["re:secret"]}}, {"redirects": {"mode": "read", "target": "*/.env"}}]},
        "x", F_ARGS, (A("args", "secret"),),
    ),  # the redirect branch cannot hold without redirects
    (
        {"any_of": [{"args": {"any": ["re:secret"]}}, {"redirects": {"mode": "read", "target": "*/.env"}}]},
        "x", F_ARGS | F_REDIRECTS, None,
    ),
    (
        {"any_of": [{"program": ["nc"], "flags": {"any": ["-e"]}}, {"args": {"any": ["re:/dev/tcp"]}}]},
        "curl", F_ARGS, (A("args", "/dev/tcp"),),
    ),  # the nc branch cannot hold for curl
    (
        {"any_of": [{"program": ["nc"], "flags": {"any": ["-e"]}}, {"args": {"any": ["re:/dev/tcp"]}}]},
        "nc", F_ARGS, None,
    ),
    ({"any_of": [{"program": ["nc"]}, {"program": ["socat"]}]}, "curl", F_ARGS, ()),
]


@pytest.mark.parametrize(("match", "program", "features", "expected"), GATE_CASES)
def test_match_gate_table(match: dict, program: str, features: int, expected: object) -> None:
    assert match_gate(match)(program, features) == expected
