"""`policy-router run`, `config` and `sandbox` end to end (subprocess, real CLI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def policy_file(tmp_path: Path, test_policy_yaml: str) -> Path:
    p = tmp_path / "policy.yaml"
    p.write_text(test_policy_yaml)
    return p


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("POLICY_ROUTER_", "STIGMER_"))}
    res = subprocess.run([sys.executable, "-m", "policy_router", *args], cwd=cwd, capture_output=True, text=True,
                         env={**base, **(env or {})}, timeout=120)
    return res.returncode, res.stdout, res.stderr


def test_run_ls_runs_locally(policy_file: Path, workspace: Path) -> None:
    (workspace / "hello.txt").write_text("x")
    code, out, err = cli("run", "--policy", str(policy_file), "--", "ls", cwd=workspace)
    assert (code, out) == (0, "hello.txt\n")
    assert err.startswith("policy-router: local by local-harmless")


def test_run_quiet_passes_exit_code_and_stderr(policy_file: Path, workspace: Path) -> None:
    code, out, err = cli("run", "-q", "--policy", str(policy_file), "--", "echo out; echo err >&2; false",
                         cwd=workspace)
    assert (code, out, err) == (1, "out\n", "err\n")


def test_run_denied_exits_126_and_names_the_rule(policy_file: Path, workspace: Path) -> None:
    code, out, err = cli("run", "--policy", str(policy_file), "--", "shutdown -h now", cwd=workspace)
    assert (code, out) == (126, "")
    assert "denied by deny-destructive" in err and "nothing was run" in err


def test_run_sandbox_unavailable_exits_125_and_runs_nothing(policy_file: Path, workspace: Path, tmp_path: Path) -> None:
    code, out, err = cli("run", "--policy", str(policy_file), "--", "touch made", cwd=workspace,
                         env={"POLICY_ROUTER_DOCKER_HOST": f"unix://{tmp_path}/none.sock"})
    assert (code, out, (workspace / "made").exists()) == (125, "", False)
    assert "sandbox unavailable, nothing was run" in err


def test_run_local_timeout_exits_124(policy_file: Path, workspace: Path) -> None:
    code, _, err = cli("run", "--mode", "local", "--timeout", "0.5", "--policy", str(policy_file), "--", "sleep 30",
                       cwd=workspace)
    assert code == 124 and "timed out" in err


def test_config_shows_values_and_sources(workspace: Path) -> None:
    (workspace / "policy-router.toml").write_text('sandbox_ttl = 42\n')
    code, out, _ = cli("config", "--json", cwd=workspace, env={"STIGMER_SANDBOX_IMAGE": "x:1"})
    data = json.loads(out)
    got = {k: data["settings"][k] for k in ("sandbox_ttl", "sandbox_image", "mode")}
    assert (code, got) == (0, {
        "sandbox_ttl": {"value": 42.0, "source": f"file:{workspace / 'policy-router.toml'}"},
        "sandbox_image": {"value": "x:1", "source": "env:STIGMER_SANDBOX_IMAGE"},
        "mode": {"value": "auto", "source": "default"},
    })


def test_config_bad_env_exits_2_naming_the_variable(workspace: Path) -> None:
    code, _, err = cli("config", cwd=workspace, env={"STIGMER_SANDBOX_TTL": "soon"})
    assert code == 2 and "STIGMER_SANDBOX_TTL" in err


@pytest.mark.docker
def test_run_sandbox_mode_is_non_root_with_read_only_root(policy_file: Path, workspace: Path, sandbox_image: str) -> None:
    code, out, err = cli("run", "--mode", "sandbox", "--policy", str(policy_file), "--", "id -u; touch /etc/x",
                         cwd=workspace)
    assert (code, out) == (1, "65534\n")
    assert "sandbox by" in err and "Read-only file system" in err


@pytest.mark.docker
def test_run_json_outcome(policy_file: Path, workspace: Path, sandbox_image: str) -> None:
    code, out, _ = cli("run", "--json", "--mode", "sandbox", "--policy", str(policy_file), "--", "echo hi", cwd=workspace)
    data = json.loads(out)
    got = {k: data[k] for k in ("exit_code", "executor", "stdout", "stderr", "timed_out", "stdout_truncated")}
    assert (code, got, data["evaluation"]["decision"]) == (
        0, {"exit_code": 0, "executor": "docker", "stdout": "hi\n", "stderr": "", "timed_out": False,
            "stdout_truncated": False}, "sandbox")


@pytest.mark.docker
def test_sandbox_doctor_and_list(workspace: Path, sandbox_image: str) -> None:
    code, out, _ = cli("sandbox", "doctor", "--image", sandbox_image, cwd=workspace)
    assert (code, [line.split("]")[0] for line in out.splitlines()]) == (0, ["[ok"] * 7)
    code, out, _ = cli("sandbox", "list", "--json", cwd=workspace)
    assert code == 0 and sandbox_image in {t for i in json.loads(out)["images"] for t in i["tags"]}
