"""Every sandbox promise, proven by a command run through the Router in the real sandbox.

Each test compares a projection of the whole Outcome (decision, executor, exit code,
output) rather than one field.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.docker


def view(out: Any) -> dict[str, Any]:
    """The stable part of an Outcome (no timings, no container id)."""
    return {
        "decision": out.evaluation.decision.value,
        "executor": out.executor,
        "exit_code": out.exit_code,
        "stdout": out.stdout_text,
        "timed_out": out.timed_out,
        "stdout_truncated": out.stdout_truncated,
    }


@pytest.fixture
def router(make_router, sandbox_image, workspace):
    return make_router(mode="sandbox")


def test_cannot_write_outside_workspace_and_host_file_untouched(router, workspace: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("original\n")
    cmd = f"echo pwned > {outside} 2>/dev/null; echo rc=$?; echo pwned > /etc/pwned 2>/dev/null; echo rc=$?"
    out = router.run(cmd, cwd=str(workspace))
    assert view(out) == {
        "decision": "sandbox", "executor": "docker", "exit_code": 0,
        "stdout": "rc=1\nrc=1\n", "timed_out": False, "stdout_truncated": False,
    }
    assert outside.read_text() == "original\n"
    assert not Path("/etc/pwned").exists()


def test_can_write_inside_workspace_and_file_appears_on_host(router, workspace: Path) -> None:
    out = router.run("mkdir -p sub && echo made-in-sandbox > sub/f.txt && cat sub/f.txt", cwd=str(workspace))
    assert view(out) == {
        "decision": "sandbox", "executor": "docker", "exit_code": 0,
        "stdout": "made-in-sandbox\n", "timed_out": False, "stdout_truncated": False,
    }
    assert (workspace / "sub" / "f.txt").read_text() == "made-in-sandbox\n"


def test_only_loopback_network_interface(router, workspace: Path) -> None:
    out = router.run(
        "ls /sys/class/net; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '", cwd=str(workspace)
    )
    assert view(out)["stdout"] == "lo\nlo\n"
    assert view(out)["exit_code"] == 0


def test_not_root_and_no_capabilities(router, workspace: Path) -> None:
    out = router.run("id -u; id -g; grep -E '^Cap(Eff|Prm|Bnd):' /proc/self/status | tr -s '\\t' ' '; grep NoNewPrivs /proc/self/status", cwd=str(workspace))
    assert view(out) == {
        "decision": "sandbox", "executor": "docker", "exit_code": 0,
        "stdout": "65534\n65534\nCapPrm: 0000000000000000\nCapEff: 0000000000000000\n"
                  "CapBnd: 0000000000000000\nNoNewPrivs:\t1\n",
        "timed_out": False, "stdout_truncated": False,
    }


def test_root_filesystem_is_read_only_but_tmp_is_writable(router, workspace: Path) -> None:
    out = router.run(
        "for d in /usr /etc /bin /; do touch $d/x 2>/dev/null && echo $d:writable || echo $d:ro; done; "
        "touch /tmp/x && echo /tmp:writable",
        cwd=str(workspace),
    )
    assert view(out)["stdout"] == "/usr:ro\n/etc:ro\n/bin:ro\n/:ro\n/tmp:writable\n"


FORK_PROBE = r"""
import os, time
n = 0
for i in range(300):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        os.close(1); os.close(2)
        time.sleep(3)
        os._exit(0)
    n += 1
print("forked", n)
print("capped" if n < 64 else "NOT capped")
"""


def test_fork_bomb_is_capped_by_pids_limit_and_host_is_fine(router, workspace: Path) -> None:
    (workspace / "forks.py").write_text(FORK_PROBE)
    out = router.run("python3 forks.py", cwd=str(workspace), timeout=60)
    assert out.exit_code == 0 and not out.timed_out, out
    lines = out.stdout_text.splitlines()
    assert lines[1] == "capped", lines
    assert 0 < int(lines[0].split()[1]) < 64
    # the host can still start processes
    assert subprocess.run(["true"]).returncode == 0


def test_memory_hog_is_killed(router, workspace: Path) -> None:
    out = router.run("python3 -c 'b = bytearray(1024 * 1024 * 1024); print(len(b))'", cwd=str(workspace), timeout=60)
    assert view(out) == {
        "decision": "sandbox", "executor": "docker", "exit_code": 137,  # SIGKILL by the OOM killer
        "stdout": "", "timed_out": False, "stdout_truncated": False,
    }


def test_network_profile_uses_the_configured_network_name(make_router, sandbox_image, workspace, docker_client) -> None:
    """Tests never create networks: the configured name is 'none' (which always exists) and
    the container's HostConfig.NetworkMode is inspected; a profile asking for network with no
    network configured is refused."""
    from policy_router.errors import ConfigError

    r = make_router(mode="sandbox", sandbox_network="none")
    spec = r.sandbox_spec("netted")
    assert spec.network == "none"
    from policy_router.executors.base import ExecRequest

    ex = r.executor("docker")
    out = ex.run(ExecRequest("echo ok", workspace=str(workspace), sandbox=spec))
    host_config = docker_client.api.inspect_container(out.container_id)["HostConfig"]
    assert (out.stdout_text, host_config["NetworkMode"]) == ("ok\n", "none")
    with pytest.raises(ConfigError, match="network"):
        make_router(mode="sandbox").sandbox_spec("netted")


def test_container_is_hardened_as_configured(router, workspace: Path, docker_client) -> None:
    out = router.run("true", cwd=str(workspace))
    info = docker_client.api.inspect_container(out.container_id)
    hc = info["HostConfig"]
    got = {
        "NetworkMode": hc["NetworkMode"], "ReadonlyRootfs": hc["ReadonlyRootfs"], "CapDrop": hc["CapDrop"],
        "SecurityOpt": hc["SecurityOpt"], "PidsLimit": hc["PidsLimit"], "Memory": hc["Memory"],
        "MemorySwap": hc["MemorySwap"], "NanoCpus": hc["NanoCpus"], "Init": hc["Init"],
        "Binds": hc["Binds"], "Tmpfs": sorted(hc["Tmpfs"]), "User": info["Config"]["User"],
        "Entrypoint": info["Config"]["Entrypoint"], "managed": info["Config"]["Labels"]["policy-router.managed"],
        "Privileged": hc["Privileged"],
    }
    assert got == {
        "NetworkMode": "none", "ReadonlyRootfs": True, "CapDrop": ["ALL"],
        "SecurityOpt": ["no-new-privileges:true"], "PidsLimit": 64, "Memory": 256 * 1024 * 1024,
        "MemorySwap": 256 * 1024 * 1024, "NanoCpus": 1_000_000_000, "Init": True,
        "Binds": [f"{workspace}:{workspace}:rw"], "Tmpfs": ["/tmp"], "User": "65534:65534",
        "Entrypoint": [], "managed": "1", "Privileged": False,
    }
