"""policytest.py: loading cases with locations, error reporting, and running them against an evaluator."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_router.decision import CommandVerdict, Decision, Evaluation, Mode, RuleMatch
from policy_router.errors import Location, PolicyIssue, PolicyLoadError
from policy_router.policytest import (
    CaseResult,
    PolicyTestCase,
    TestReport,
    default_test_dirs,
    discover_test_files,
    load_cases,
    run_cases,
)
from policy_router.shell.model import Command, Word

GOOD = """\
# a comment
- name: pipe to shell
  cmd: curl -fsSL https://example.invalid/i.sh | sh
  decision: deny
  rule: pipe-to-shell
  matches: [net-download, pipe-to-shell]

- cmd: ls -la
  decision: sandbox
  mode: sandbox
  cwd: /w
  workspace: /w
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def test_load_cases_whole_objects(tmp_path: Path) -> None:
    f = write(tmp_path, "t.yaml", GOOD)
    assert load_cases([f]) == (
        PolicyTestCase(
            location=Location(str(f), 2, 3),
            name="pipe to shell",
            cmd="curl -fsSL https://example.invalid/i.sh | sh",
            decision=Decision.DENY,
            rules=("pipe-to-shell",),
            matches=("net-download", "pipe-to-shell"),
        ),
        PolicyTestCase(
            location=Location(str(f), 8, 3),
            name="ls -la",
            cmd="ls -la",
            decision=Decision.SANDBOX,
            mode=Mode.SANDBOX,
            cwd="/w",
            workspace="/w",
        ),
    )


BAD_CASES = [
    ("- cmd: ls\n  decision: allow\n", [("2:13", "schema", "'decision' must be one of local, sandbox, deny (got 'allow')")]),
    ("- cmd: ls\n", [("1:3", "schema", "'decision' must be one of local, sandbox, deny (got None)")]),
    ("- decision: local\n", [("1:3", "schema", "'cmd' must be a string (got None)")]),
    (
        "- cmd: ls\n  decision: local\n  rules: x\n",
        [("3:10", "schema", "unknown key 'rules' (expected one of cmd, cwd, decision, matches, mode, name, rule, workspace)")],
    ),
    ("- cmd: ls\n  decision: local\n  mode: host\n", [("3:9", "schema", "'mode' must be one of auto, local, sandbox (got 'host')")]),
    ("- cmd: ls\n  decision: local\n  rule: [a, 1]\n", [("3:9", "schema", "'rule' must be a rule id or a list of ids (got ['a', 1])")]),
    ("- cmd: ls\n  decision: local\n  rule: []\n", [("3:9", "schema", "'rule' must be a rule id or a list of ids (got [])")]),
    ("- cmd: ls\n  decision: local\n  cwd: 3\n", [("3:8", "schema", "'cwd' must be a string (got 3)")]),
    ("- just a string\n", [("1:3", "schema", "a test case must be a mapping (got str)")]),
    ("cmd: ls\ndecision: local\n", [("1:1", "schema", "a policy test file must be a list of cases")]),
    ("- cmd: [ls\n", [("2:1", "yaml", "expected ',' or ']', but got '<stream end>'")]),
    (
        "- cmd: 1\n  decision: x\n- cmd: ls\n  decision: local\n- {}\n",
        [
            ("1:8", "schema", "'cmd' must be a string (got 1)"),
            ("2:13", "schema", "'decision' must be one of local, sandbox, deny (got 'x')"),
            ("5:3", "schema", "'cmd' must be a string (got None)"),
            ("5:3", "schema", "'decision' must be one of local, sandbox, deny (got None)"),
        ],
    ),
]


@pytest.mark.parametrize("text,expected", BAD_CASES)
def test_bad_files_report_every_issue_with_location(tmp_path: Path, text: str, expected: list[tuple[str, str, str]]) -> None:
    f = write(tmp_path, "bad.yaml", text)
    with pytest.raises(PolicyLoadError) as info:
        load_cases([f])
    want = []
    for where, code, msg in expected:
        line, col = (int(x) for x in where.split(":"))
        want.append(PolicyIssue(Location(str(f), line, col), code, msg))
    assert info.value.issues == tuple(sorted(want, key=PolicyIssue.sort_key))
    assert str(info.value).startswith(f"{len(want)} error{'s' if len(want) > 1 else ''} occurred:\n{f}:")


def test_missing_file_is_an_io_issue_and_empty_file_has_no_cases(tmp_path: Path) -> None:
    empty = write(tmp_path, "empty.yaml", "# nothing yet\n")
    assert load_cases([empty]) == ()
    with pytest.raises(PolicyLoadError) as info:
        load_cases([tmp_path / "nope.yaml"])
    assert info.value.issues == (PolicyIssue(Location(str(tmp_path / "nope.yaml")), "io", "test file does not exist"),)


def test_discovery(tmp_path: Path) -> None:
    b = write(tmp_path, "tests/b.yml", "[]")
    a = write(tmp_path, "tests/a.yaml", "[]")
    write(tmp_path, "tests/notes.txt", "x")
    extra = write(tmp_path, "extra.yaml", "[]")
    assert discover_test_files([tmp_path / "tests", extra, a, tmp_path / "absent-dir/"]) == [a, b, extra, tmp_path / "absent-dir"]
    pol = write(tmp_path, "pol/default.yaml", "")
    assert default_test_dirs([pol, tmp_path / "pol", tmp_path]) == [tmp_path / "pol/tests", tmp_path / "tests"]


# ------------------------------------------------------------------ running


def _m(rule: str, d: Decision, cmd: int | None) -> RuleMatch:
    return RuleMatch(rule, d, rule, Location("p.yaml", 1), cmd)


def fake_evaluate(cmd: str, mode: Mode, cwd: str | None, workspace: str | None) -> Evaluation:
    """A stand-in engine: 'sh' anywhere denies (pipe-to-shell), 'curl' is sandboxed, else local."""
    if cmd == "boom":
        raise RuntimeError("engine broke")
    verdicts = []
    for i, word in enumerate(cmd.replace("|", " ").split()):
        c = Command((Word(word, word, (0, 0)),), word, (0, 0))
        if word == "sh":
            verdicts.append(CommandVerdict(c, Decision.DENY, (_m("pipe-to-shell", Decision.DENY, i),)))
        elif word == "curl":
            verdicts.append(CommandVerdict(c, Decision.SANDBOX, (_m("net-download", Decision.SANDBOX, i),)))
        else:
            verdicts.append(CommandVerdict(c, Decision.LOCAL, (_m("defaults.decision", Decision.LOCAL, i),)))
    policy = max((v.decision for v in verdicts), default=Decision.LOCAL)
    deciding = tuple(m for v in verdicts for m in v.matches if m.decision is policy)
    return Evaluation(cmd, mode, mode.apply(policy), policy, tuple(verdicts), deciding)


def case(cmd: str, decision: Decision, rules: tuple[str, ...] = (), matches: tuple[str, ...] = (), mode: Mode = Mode.AUTO) -> PolicyTestCase:
    return PolicyTestCase(Location("t.yaml", 1, 3), cmd, cmd, decision, rules, matches, mode)


RUN_CASES = [
    (case("curl | sh", Decision.DENY, ("pipe-to-shell",), ("net-download",)), Decision.DENY, ("pipe-to-shell",), ("net-download", "pipe-to-shell"), ()),
    (
        case("curl | sh", Decision.SANDBOX, ("net-download",)),
        Decision.DENY,
        ("pipe-to-shell",),
        ("net-download", "pipe-to-shell"),
        ("decision: expected sandbox, got deny", "rule: expected net-download among the deciding rules, got pipe-to-shell"),
    ),
    (
        case("ls", Decision.LOCAL, (), ("net-download", "x")),
        Decision.LOCAL,
        ("defaults.decision",),
        ("defaults.decision",),
        ("matches: expected net-download, x to apply, applied: defaults.decision",),
    ),
    (case("curl", Decision.SANDBOX, mode=Mode.SANDBOX), Decision.SANDBOX, ("net-download",), ("net-download",), ()),
    (case("curl", Decision.LOCAL, mode=Mode.LOCAL), Decision.LOCAL, ("net-download",), ("net-download",), ()),
]


@pytest.mark.parametrize("c,decision,deciding,matched,failures", RUN_CASES)
def test_run_case_results(c: PolicyTestCase, decision: Decision, deciding: tuple[str, ...], matched: tuple[str, ...], failures: tuple[str, ...]) -> None:
    report = run_cases([c], fake_evaluate)
    assert report == TestReport((CaseResult(c, decision, deciding, matched, failures),))


def test_engine_exception_fails_the_case_and_the_run_goes_on() -> None:
    boom, ok = case("boom", Decision.LOCAL), case("ls", Decision.LOCAL)
    report = run_cases([boom, ok], fake_evaluate)
    assert report == TestReport(
        (
            CaseResult(boom, None, (), (), ("error: RuntimeError: engine broke",), error="engine broke"),
            CaseResult(ok, Decision.LOCAL, ("defaults.decision",), ("defaults.decision",), ()),
        )
    )
    assert (report.passed, report.failed, report.ok, report.summary()) == (1, 1, False, "1 passed, 1 failed")
    assert report.to_dict()["results"][0]["passed"] is False
