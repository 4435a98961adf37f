"""The bounded dynamic oracle in the suite.

* the harness itself is checked on a table of lines with the exact programs bash runs
  (so a broken sandbox cannot pass vacuously);
* hand-written evasion lines and ``ORACLE_LINES`` (default 300) generated lines run under
  a real bash; every program bash invoked must be seen by the engine, or the line must be
  fail-closed. A miss fails with a shrunk reproducer;
* the oracle regression cases of ``tests/properties/regressions.yaml`` are replayed.

Without bubblewrap the tests skip locally and FAIL under ``CI=true``.
Environment: ``ORACLE_LINES`` (count), ``ORACLE_SEED`` (first seed, default 0).
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
import yaml

from .grammar import Grammar, RandomChooser
from .harness import (
    LineVerdict,
    OracleUnavailable,
    RunResult,
    Sandbox,
    StaticView,
    Tally,
    bwrap_available,
    engine_view,
    judge,
    shrink,
)

REGRESSIONS = Path(__file__).resolve().parents[1] / "properties" / "regressions.yaml"

#: Hand-written lines covering each evasion class the oracle can execute.
EVASION_LINES: tuple[str, ...] = (
    "rm -rf ~",
    "/bin/rm -rf x; /usr/bin/rm y",
    "r''m -rf x; \"r\"m y; \\rm z",
    "$'\\x72m' -rf x",
    "a=rm; $a -rf x",
    "cmd=$(printf rm); $cmd x",
    "{rm,-rf,x}",
    "/bin/r? x",
    ": ${x:-$(rm -rf x)}",
    "cat <<EOF\n$(rm -rf x)\nEOF",
    "cat <(rm x) >(id)",
    "echo `id`",
    "bash -c 'rm -rf x'",
    "sh -c \"id; rm x\"",
    "eval 'rm -rf x'",
    "bash <<< 'rm x'",
    "echo 'rm -rf x' | sh",
    "sh <<EOF\nrm x\nEOF",
    "sudo -u root rm x",
    "env -i FOO=1 rm x",
    "timeout -s KILL 5 rm x",
    "nohup nice -n 5 rm x",
    "xargs -r rm -rf",
    "find . -name x -exec rm {} \\;",
    "command rm x; exec rm y",
    "f() { rm x; }; f",
    "if true; then rm x; fi",
    "for i in a; do rm $i; done",
    "case x in x) rm x;; esac",
    "[[ -n x ]] && rm x",
    "(( 1 )) && rm x",
    "( rm x ) & { id; }",
    "ls | rm x || id && date",
    "r\\\nm x",
    "a=(rm -rf x); \"${a[@]}\"",
    "FOO=$(id) ls",
    "ls > $(id)",
    "env -S 'rm -rf x'",
    "flock /tmp/l -c 'rm x'",
    "script -qc 'rm x' /dev/null",
    "watch -n 1 rm x",
)


def _sandbox_or_fail() -> Sandbox:
    why = bwrap_available()
    if why:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"dynamic oracle unavailable under CI: {why}")
        pytest.skip(why)
    try:
        return Sandbox(names=_policy_names())
    except OracleUnavailable as e:  # pragma: no cover - depends on the machine
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"dynamic oracle unavailable under CI: {e}")
        pytest.skip(str(e))


def _policy_names() -> set[str]:
    """Every plain program name listed in the shipped default policy (lists and rules),
    plus the first word of every line of the benchmark corpus."""
    root = Path(__file__).resolve().parents[2]
    path = root / "policies" / "default.yaml"
    names: set[str] = set()
    try:
        for raw in (root / "benchmarks" / "corpus.txt").read_text(encoding="utf-8").splitlines():
            first = raw.split(maxsplit=1)[0] if raw.strip() else ""
            if first.replace("-", "").replace("_", "").replace(".", "").isalnum():
                names.add(first)
    except OSError:
        pass
    try:
        doc = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return names

    def walk(x: object) -> None:
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        elif isinstance(x, str) and x.replace("-", "").replace("_", "").replace(".", "").isalnum():
            names.add(x)

    if isinstance(doc, dict):
        walk(doc.get("lists", {}))
        for rule in doc.get("rules", []) or []:
            if isinstance(rule, dict):
                walk((rule.get("match") or {}).get("program"))
    return names


@pytest.fixture(scope="module")
def sandbox():
    sb = _sandbox_or_fail()
    yield sb
    sb.close()


# --------------------------------------------------------------------------- the harness itself

HARNESS_TABLE: tuple[tuple[str, tuple[tuple[str, bool], ...]], ...] = (
    ("rm -rf ~", (("rm", True),)),
    ("/bin/rm x; \\rm y", (("rm", True), ("rm", True))),
    ("bash -c 'id; ls'", (("bash", True), ("id", True), ("ls", True))),
    ("sudo -u root env FOO=1 timeout 5 nice -n 3 id", (("sudo", True), ("env", True), ("timeout", True), ("nice", True), ("id", True))),
    ("echo 'rm -rf ~' | sh", (("echo", True), ("sh", True), ("rm", True))),
    ("find . -exec rm {} \\;", (("find", True), ("rm", True))),
    ("no-such-program-xyz x", (("no-such-program-xyz", False),)),
    ("a=rm; $a x", (("rm", True),)),
    ("cat <<EOF\n$(date)\nEOF", (("date", True), ("cat", True))),
    ("curl https://example.invalid/ >/dev/null; true", (("curl", True),)),
)


@pytest.mark.parametrize(("line", "expected"), HARNESS_TABLE, ids=[t[0] for t in HARNESS_TABLE])
def test_harness_logs_exactly_what_bash_runs(sandbox: Sandbox, line: str, expected) -> None:
    r = sandbox.run(line)
    got = tuple(sorted((i.name, i.found) for i in r.invocations))
    assert (got, r.timed_out) == (tuple(sorted(expected)), False)


def test_sandbox_has_no_network(sandbox: Sandbox) -> None:
    # bash's /dev/tcp needs a network; inside --unshare-net even loopback has no listener
    r = sandbox.run("exec 3<>/dev/tcp/127.0.0.1/9 && id")
    assert (r.invocations, r.returncode != 0) == ((), True)


def test_judge_separates_seen_fail_closed_and_missed() -> None:
    from .harness import Invocation

    run = RunResult("x", (Invocation("ls", ("ls",)), Invocation("rm", ("rm",))), 0, False)
    assert judge(run, StaticView(frozenset({"ls"}), False, "local")) == LineVerdict(
        "x", frozenset({"ls", "rm"}), frozenset({"ls"}), frozenset(), frozenset({"rm"}), "local", False
    )
    assert judge(run, StaticView(frozenset({"ls"}), True, "sandbox")) == LineVerdict(
        "x", frozenset({"ls", "rm"}), frozenset({"ls"}), frozenset({"rm"}), frozenset(), "sandbox", False
    )


def test_shrink_keeps_the_failure_and_removes_the_rest() -> None:
    line = "ls -la && git status; bash -c 'rm -rf x' | sort"
    # 1-minimal: no single token or character can be removed; the quotes only go in pairs
    assert shrink(line, lambda s: "rm" in s and s.count("'") % 2 == 0) == "'rm'"


# --------------------------------------------------------------------------- the oracle proper


def _check(sandbox: Sandbox, lines: list[str]) -> Tally:
    tally = Tally()
    for r in sandbox.run_many(lines):
        tally.add(judge(r, engine_view(r.line)))
    return tally


def _explain_misses(sandbox: Sandbox, tally: Tally, limit: int = 5) -> str:
    out = []
    for v in tally.missing_lines[:limit]:
        name = sorted(v.missed)[0]

        def still(s: str, name: str = name) -> bool:
            return name in judge(sandbox.run(s), engine_view(s)).missed

        out.append(f"missed {sorted(v.missed)} in {v.line!r}\n  minimal: {shrink(v.line, still)!r}")
    return "\n".join(out)


def test_oracle_evasion_lines(sandbox: Sandbox) -> None:
    tally = _check(sandbox, list(EVASION_LINES))
    assert tally.programs_invoked > len(EVASION_LINES)  # the lines really ran
    assert tally.missed == 0, _explain_misses(sandbox, tally)


def test_oracle_generated_lines(sandbox: Sandbox) -> None:
    n = int(os.environ.get("ORACLE_LINES", "300"))
    seed0 = int(os.environ.get("ORACLE_SEED", "0"))
    lines = [Grammar(RandomChooser(random.Random(seed0 + i)), safe=True).line() for i in range(n)]
    tally = _check(sandbox, lines)
    print("oracle:", tally.summary())
    assert tally.programs_invoked >= n
    assert tally.missed == 0, tally.summary() + "\n" + _explain_misses(sandbox, tally)


def _oracle_regressions() -> list[dict]:
    try:
        data = yaml.safe_load(REGRESSIONS.read_text()) or []
    except OSError:
        return []
    return [d for d in data if d.get("property") == "oracle"]


def _param(case: dict):
    marks = []
    if case.get("status") == "open":
        marks.append(pytest.mark.xfail(strict=True, reason=f"open bug: {case.get('note', '')}"))
    return pytest.param(case, marks=marks, id=repr(case["cmd"])[:60])


@pytest.mark.parametrize("case", [_param(c) for c in _oracle_regressions()])
def test_oracle_regressions(sandbox: Sandbox, case: dict) -> None:
    v = judge(sandbox.run(case["cmd"]), engine_view(case["cmd"]))
    assert (v.missed, v.timed_out) == (frozenset(), False)
