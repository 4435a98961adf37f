"""cli.py without the engine: parser, exit-code mapping, batch protocol (with a stand-in engine).

Tests that need the real parser, engine and policy loader live in test_cli_real.py.
"""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest

from policy_router import __version__, cli
from policy_router.decision import CommandVerdict, Decision, Evaluation, Mode, RuleMatch
from policy_router.errors import (
    CommandDenied,
    ConfigError,
    ExecutionTimeoutError,
    ExecutorError,
    Location,
    PluginError,
    PolicyError,
    PolicyIssue,
    PolicyLoadError,
    SandboxUnavailableError,
)
from policy_router.shell.model import Command, Word


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """No operator settings leak in: no POLICY_ROUTER_* / STIGMER_* env, no config file upward."""
    import os

    for k in list(os.environ):
        if k.startswith(("POLICY_ROUTER_", "STIGMER_")):
            monkeypatch.delenv(k)
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--version") == (0, f"policy-router {__version__}\n", "")


@pytest.mark.parametrize("sub", ["explain", "validate", "test", "schema"])
def test_every_subcommand_has_help_with_examples(capsys: pytest.CaptureFixture[str], sub: str) -> None:
    code, out, err = run(capsys, sub, "--help")
    assert (code, err) == (0, "")
    assert out.startswith(f"usage: policy-router {sub}") and f"\nexample" in out and f"policy-router {sub}" in out.split("example", 1)[1]


@pytest.mark.parametrize(
    "argv,needle",
    [
        ([], "the following arguments are required: COMMAND"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["explain"], "the following arguments are required: CMD"),
        (["explain", "--"], "the following arguments are required: CMD"),
        (["explain", "--mode", "host", "ls"], "argument --mode: invalid choice: 'host'"),
        (["schema", "extra"], "unrecognized arguments: extra"),
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "") and needle in err


def _ev(cmd: str = "x") -> Evaluation:
    return Evaluation(cmd, Mode.AUTO, Decision.DENY, Decision.DENY, (), (RuleMatch("r", Decision.DENY, "no", Location("p.yaml", 3)),))


ISSUES = [PolicyIssue(Location("p.yaml", 4, 5), "schema", "bad"), PolicyIssue(Location("p.yaml", 2, 1), "yaml", "worse")]
ERROR_CASES = [
    (PolicyLoadError(ISSUES), 2, "policy-router: error: 2 errors occurred:\np.yaml:2:1: yaml: worse\np.yaml:4:5: schema: bad\n"),
    (PolicyError("nope", location=Location("p.yaml", 1, 2)), 2, "policy-router: error: p.yaml:1:2: policy-error: nope\n"),
    (ConfigError("POLICY_ROUTER_MODE: bad value 'x' (env)"), 2, "policy-router: error: POLICY_ROUTER_MODE: bad value 'x' (env)\n"),
    (PluginError("cannot load plugin 'evil'"), 2, "policy-router: error: cannot load plugin 'evil'\n"),
    (ExecutorError("docker gone"), 125, "policy-router: error: docker gone\n"),
    (SandboxUnavailableError("daemon unreachable"), 125, "policy-router: error: daemon unreachable\n"),
    (ExecutionTimeoutError("timed out after 3s"), 124, "policy-router: error: timed out after 3s\n"),
    (CommandDenied(_ev("rm -rf /")), 126, "policy-router: error: denied by r (p.yaml:3): 'rm -rf /'\n"),
    (RuntimeError("kaput"), 70, "policy-router: error: internal error: RuntimeError: kaput (set POLICY_ROUTER_DEBUG=1 for a traceback)\n"),
    (KeyboardInterrupt(), 130, "policy-router: error: interrupted\n"),
]


@pytest.mark.parametrize("exc,code,stderr", ERROR_CASES, ids=[type(e[0]).__name__ for e in ERROR_CASES])
def test_exceptions_map_to_documented_exit_codes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], exc: BaseException, code: int, stderr: str
) -> None:
    def boom(args: Any) -> int:
        raise exc

    monkeypatch.setattr(cli, "cmd_schema", boom)
    monkeypatch.delenv("POLICY_ROUTER_DEBUG", raising=False)
    assert run(capsys, "schema") == (code, "", stderr)


def test_internal_error_traceback_only_with_debug(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def boom(args: Any) -> int:
        raise RuntimeError("kaput")

    monkeypatch.setattr(cli, "cmd_schema", boom)
    monkeypatch.setenv("POLICY_ROUTER_DEBUG", "1")
    code, out, err = run(capsys, "schema")
    assert code == 70 and err.startswith("policy-router: error: internal error: RuntimeError: kaput\nTraceback")


# ------------------------------------------------------------- explain with a stand-in engine


def fake_eval(cmd: str, *, mode: Mode, cwd: str | None, workspace: str | None) -> Evaluation:
    """'rm' denies, 'curl' sandboxes, anything else is local; 'boom' breaks the engine."""
    if cmd == "boom":
        raise RuntimeError("engine broke")
    d = Decision.DENY if "rm" in cmd else Decision.SANDBOX if "curl" in cmd else Decision.LOCAL
    m = RuleMatch(f"r-{d.value}", d, f"because {cwd} {workspace}", Location("p.yaml", 1), 0)
    c = Command((Word(cmd, cmd, (0, len(cmd))),), cmd, (0, len(cmd)))
    return Evaluation(cmd, mode, mode.apply(d), d, (CommandVerdict(c, d, (m,)),), (m,))


class FakeExplainer:
    built = 0

    def __init__(self, paths: Any) -> None:
        FakeExplainer.built += 1
        self.paths = paths

    def evaluate(self, cmd: str, *, mode: Mode, cwd: str | None, workspace: str | None) -> Evaluation:
        return fake_eval(cmd, mode=mode, cwd=cwd, workspace=workspace)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> type[FakeExplainer]:
    FakeExplainer.built = 0
    monkeypatch.setattr(cli, "_Explainer", FakeExplainer)
    return FakeExplainer


@pytest.mark.parametrize(
    "argv,code",
    [
        (["explain", "ls"], 0),
        (["explain", "--exit-code", "ls"], 0),
        (["explain", "--exit-code", "curl", "x"], 10),
        (["explain", "--exit-code", "rm", "-rf", "x"], 11),
        (["explain", "--exit-code", "--mode", "local", "curl"], 0),
        (["explain", "--exit-code", "--mode", "sandbox", "ls"], 10),
        (["explain", "rm"], 0),
    ],
)
def test_explain_exit_codes(fake: Any, capsys: pytest.CaptureFixture[str], argv: list[str], code: int) -> None:
    assert run(capsys, *argv)[0] == code


def test_explain_json_joins_words_and_passes_options(fake: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain", "--json", "--cwd", "/c", "--workspace", "/w", "--mode", "sandbox", "--", "rm", "-rf", "x")
    assert (code, err) == (0, "")
    assert json.loads(out) == fake_eval("rm -rf x", mode=Mode.SANDBOX, cwd="/c", workspace="/w").to_dict()


def test_explain_text(fake: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain", "curl")
    assert (code, err) == (0, "")
    assert out == "sandbox\ncmd: curl\ndeciding: r-sandbox (p.yaml:1)\ncommands:\n  [0] sandbox  curl\n        * r-sandbox  sandbox  p.yaml:1  because None None\n"


BATCH_IN = "\n".join(
    [
        json.dumps("ls -la"),
        json.dumps({"cmd": "rm -rf /", "mode": "sandbox", "cwd": "/c", "id": "a1"}),
        "not json",
        "",
        json.dumps(["ls"]),
        json.dumps({"cmd": 3}),
        json.dumps({"cmd": "ls", "mode": "host"}),
        json.dumps({"cmd": "ls", "shell": "zsh"}),
        json.dumps("boom"),
        json.dumps({"cmd": "curl x", "workspace": "/w"}),
    ]
) + "\n"


def test_batch_protocol(fake: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(BATCH_IN))
    code, out, err = run(capsys, "explain", "--exit-code", "--cwd", "/d", "-")
    rows = [json.loads(line) for line in out.splitlines()]

    def ok(line: int, cmd: str, mode: Mode, cwd: str | None, ws: str | None, **extra: Any) -> dict[str, Any]:
        return {**fake_eval(cmd, mode=mode, cwd=cwd, workspace=ws).to_dict(), "line": line, **extra}

    def bad(line: int, code: str, message: str) -> dict[str, Any]:
        return {"error": {"code": code, "message": message}, "line": line}

    assert rows == [
        ok(1, "ls -la", Mode.AUTO, "/d", None),
        ok(2, "rm -rf /", Mode.SANDBOX, "/c", None, id="a1"),
        bad(3, "bad-input", "not JSON: Expecting value at column 1"),
        bad(5, "bad-input", 'expected a JSON string or an object with "cmd" (got list)'),
        bad(6, "bad-input", '"cmd" must be a string (got 3)'),
        bad(7, "bad-input", "\"mode\" must be one of auto, local, sandbox (got 'host')"),
        bad(8, "bad-input", "unknown key(s) shell (expected cmd, cwd, mode, workspace, id)"),
        bad(9, "internal", "RuntimeError: engine broke"),
        ok(10, "curl x", Mode.AUTO, "/d", "/w"),
    ]
    assert (code, err, fake.built) == (11, "", 1)  # bad lines count as deny; engine built once


def test_batch_without_exit_code_is_0_and_handles_10000_lines(fake: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [json.dumps(f"echo {i}") if i % 100 else "{broken" for i in range(10_000)]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines)))
    code, out, err = run(capsys, "explain", "-")
    rows = [json.loads(x) for x in out.splitlines()]
    assert (code, err, len(rows)) == (0, "", 10_000)
    assert [r["line"] for r in rows] == list(range(1, 10_001))
    assert sum("error" in r for r in rows) == 100


def test_policy_paths_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY_ROUTER_POLICY", "/a.yaml::/b")
    assert cli._policy_paths(["x.yaml"]) == ["x.yaml"]
    assert cli._policy_paths(None) == ["/a.yaml", "/b"]
    monkeypatch.delenv("POLICY_ROUTER_POLICY")
    assert cli._policy_paths([]) is None


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["cmd", "mode", "cwd", "id", "x"]), inner, max_size=3),
    max_leaves=6,
)
_batch_line = st.one_of(
    _json_values.map(json.dumps),
    st.text(alphabet=st.characters(blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), max_size=20),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_batch_line, max_size=15))
def test_batch_any_input_one_answer_per_nonblank_line_in_order(
    fake: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], lines: list[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    code, out, err = run(capsys, "explain", "--exit-code", "-")
    # JSON Lines are separated by "\n" only (str.splitlines would also split at U+0085 /
    # U+2028, which may appear raw inside a JSON string of the output)
    rows = [json.loads(x) for x in out.split("\n") if x]
    expected_lines = [i for i, line in enumerate(lines, 1) if line.strip()]
    assert [r["line"] for r in rows] == expected_lines and err == ""
    assert all(("error" in r) != ("decision" in r) for r in rows)
    worst = max([11 if "error" in r else cli.EXIT_DECISION[Decision(r["decision"])] for r in rows], default=0)
    assert code == worst


def test_batch_reads_bytes_and_bad_utf8_is_one_bad_line(fake: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    raw = b'"ls"\n"\xff\xfe"\r\n{"cmd": "curl \xc3\xa9"}\r\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="ascii"))
    code, out, err = run(capsys, "explain", "-")
    rows = [json.loads(x) for x in out.splitlines()]
    assert (code, err) == (0, "")
    assert rows == [
        {**fake_eval("ls", mode=Mode.AUTO, cwd=None, workspace=None).to_dict(), "line": 1},
        {"error": {"code": "bad-input", "message": "not UTF-8: byte 2"}, "line": 2},
        {**fake_eval("curl \u00e9", mode=Mode.AUTO, cwd=None, workspace=None).to_dict(), "line": 3},
    ]


def test_explain_settings_from_env_and_config_file(fake: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    seen: list[Any] = []
    monkeypatch.setattr(FakeExplainer, "__init__", lambda self, paths: seen.append(paths))
    (tmp_path / "policy-router.toml").write_text('policy = ["team.yaml"]\nmode = "sandbox"\nworkspace = "/ws"\n')
    code, out, err = run(capsys, "explain", "--json", "ls")
    assert (code, err, seen) == (0, "", [[str(tmp_path / "team.yaml")]])
    assert json.loads(out) == fake_eval("ls", mode=Mode.SANDBOX, cwd=None, workspace="/ws").to_dict()
    # env beats the file, flags beat env
    monkeypatch.setenv("POLICY_ROUTER_MODE", "local")
    monkeypatch.setenv("POLICY_ROUTER_POLICY", "/e1.yaml:/e2.yaml")
    code, out, err = run(capsys, "explain", "--json", "curl")
    assert (code, seen[-1], json.loads(out)["mode"]) == (0, ["/e1.yaml", "/e2.yaml"], "local")
    code, out, err = run(capsys, "explain", "--json", "--mode", "auto", "--policy", "cli.yaml", "curl")
    assert (code, seen[-1], json.loads(out)["mode"]) == (0, ["cli.yaml"], "auto")


def test_bad_setting_is_a_config_error(fake: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("POLICY_ROUTER_MODE", "host")
    code, out, err = run(capsys, "explain", "ls")
    assert (code, out) == (2, "") and err.startswith("policy-router: error: ") and "POLICY_ROUTER_MODE" in err
