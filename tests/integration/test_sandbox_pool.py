"""Warm-container reuse, TTL, replacement of dead containers, concurrency, timeouts,
output cap, failures and cleanup — against the real docker engine through the Router."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from policy_router.errors import ImageNotFoundError, SandboxUnavailableError

docker_mark = pytest.mark.docker


def _exists(client, cid: str) -> bool:
    import docker.errors

    try:
        client.api.inspect_container(cid)
        return True
    except docker.errors.NotFound:
        return False


@docker_mark
def test_second_run_reuses_the_container_and_is_faster(make_router, sandbox_image, workspace) -> None:
    r = make_router(mode="sandbox")
    t0 = time.perf_counter()
    first = r.run("echo one", cwd=str(workspace))
    cold = time.perf_counter() - t0
    warm_times, warm_outs = [], []
    for i in range(3):
        t0 = time.perf_counter()
        warm_outs.append(r.run(f"echo warm-{i}", cwd=str(workspace)))
        warm_times.append(time.perf_counter() - t0)
    warm = sorted(warm_times)[1]  # median of three warm runs
    print(f"\ncold run {cold * 1000:.1f} ms, warm runs {[round(t * 1000, 1) for t in warm_times]} ms (median {warm * 1000:.1f})")
    assert [(o.stdout_text, o.container_id) for o in warm_outs] == [
        (f"warm-{i}\n", first.container_id) for i in range(3)
    ]
    assert warm < cold


@docker_mark
def test_ttl_expiry_replaces_the_container(make_router, sandbox_image, workspace, docker_client) -> None:
    r = make_router(mode="sandbox", sandbox_ttl=1)
    first = r.run("echo a", cwd=str(workspace))
    time.sleep(1.3)
    second = r.run("echo b", cwd=str(workspace))
    assert second.container_id != first.container_id
    assert (_exists(docker_client, first.container_id), second.stdout_text) == (False, "b\n")


@docker_mark
def test_killed_container_is_replaced(make_router, sandbox_image, workspace, docker_client) -> None:
    r = make_router(mode="sandbox")
    first = r.run("echo a", cwd=str(workspace))
    docker_client.api.kill(first.container_id)
    second = r.run("echo b", cwd=str(workspace))
    assert (second.exit_code, second.stdout_text) == (0, "b\n")
    assert second.container_id != first.container_id
    assert not _exists(docker_client, first.container_id)


@docker_mark
def test_twenty_concurrent_runs_are_correct_and_unmixed(make_router, sandbox_image, workspace) -> None:
    r = make_router(mode="sandbox")

    def one(i: int):
        return r.run(f"echo start-{i}; sleep 0.3; echo end-{i}; echo err-{i} >&2; exit {i % 7}", cwd=str(workspace))

    with ThreadPoolExecutor(20) as pool:
        outs = list(pool.map(one, range(20)))
    got = [(o.exit_code, o.stdout_text, o.stderr_text) for o in outs]
    assert got == [(i % 7, f"start-{i}\nend-{i}\n", f"err-{i}\n") for i in range(20)]
    assert len({o.container_id for o in outs}) == 1


@docker_mark
def test_timeout_kills_the_process_inside_the_container(make_router, sandbox_image, workspace) -> None:
    r = make_router(mode="sandbox")
    out = r.run("sleep 301 & (sleep 302 &) ; sleep 303", cwd=str(workspace), timeout=1)
    assert (out.timed_out, out.exit_code) == (True, 124)
    assert out.duration < 10
    ps = r.run("ps -eo args", cwd=str(workspace))
    assert [line for line in ps.stdout_text.splitlines() if "sleep 30" in line] == []
    again = r.run("echo still-usable", cwd=str(workspace))
    assert (again.stdout_text, again.container_id) == ("still-usable\n", out.container_id)


@docker_mark
def test_output_cap_holds_against_100_mib(make_router, sandbox_image, workspace) -> None:
    r = make_router(mode="sandbox")
    out = r.run("head -c 104857600 /dev/zero; echo done >&2", cwd=str(workspace))
    got = (out.exit_code, len(out.stdout), out.stdout_size, out.stdout_truncated, out.stderr_text, out.stderr_truncated)
    assert got == (0, 10 * 1024 * 1024, 100 * 1024 * 1024, True, "done\n", False)


def test_daemon_unreachable_is_a_clear_error_and_nothing_runs_locally(make_router, tmp_path: Path) -> None:
    marker = tmp_path / "ran-on-host"
    r = make_router(mode="sandbox", docker_host=f"unix://{tmp_path}/no-docker.sock")
    with pytest.raises(SandboxUnavailableError, match="docker"):
        r.run(f"touch {marker}", cwd=str(tmp_path))
    assert not marker.exists()


def test_sandbox_unavailable_runs_locally_only_when_the_policy_says_so(make_router, tmp_path: Path) -> None:
    marker = tmp_path / "ran-on-host"
    audit = tmp_path / "audit.jsonl"
    r = make_router("local", mode="sandbox", docker_host=f"unix://{tmp_path}/no-docker.sock", audit_log=str(audit))
    out = r.run(f"touch {marker}", cwd=str(tmp_path))
    assert (out.executor, out.exit_code, marker.exists()) == ("local", 0, True)
    recs = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(x["kind"], x["executor"], x["decision"]) for x in recs] == [
        ("error", "docker", "sandbox"), ("fallback", None, "sandbox"), ("run", "local", "sandbox")
    ]


@docker_mark
def test_missing_image_with_pull_off_names_the_image(make_router, sandbox_image, workspace) -> None:
    r = make_router(mode="sandbox", sandbox_image="policy-router-sandbox:does-not-exist")
    with pytest.raises(ImageNotFoundError, match="policy-router-sandbox:does-not-exist"):
        r.run("true", cwd=str(workspace))


@docker_mark
def test_close_removes_our_containers_and_cleanup_false_keeps_them(make_router, sandbox_image, workspace, docker_client) -> None:
    r = make_router(mode="sandbox")
    cid = r.run("true", cwd=str(workspace)).container_id
    r.close()
    keep = make_router(mode="sandbox", sandbox_cleanup=False)
    kept = keep.run("true", cwd=str(workspace)).container_id
    keep.close()
    try:
        assert (_exists(docker_client, cid), _exists(docker_client, kept)) == (False, True)
    finally:
        docker_client.api.remove_container(kept, force=True)


CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path[:0] = {paths!r}
    from conftest import _stand_in_parse, _stand_in_policy, StandInEngine
    from policy_router.config import Settings
    from policy_router.router import Router
    policy = _stand_in_policy("deny")
    r = Router(policy, settings=Settings.load({{"mode": "sandbox"}}, env={{}}, use_file=False),
               engine=StandInEngine(policy), parser=_stand_in_parse)
    out = r.run("true", cwd={ws!r})
    print(out.container_id, flush=True)
    time.sleep(600)
    """
)


@docker_mark
def test_containers_of_a_sigkilled_process_are_reaped_by_the_next_start(
    make_router, sandbox_image, workspace, docker_client
) -> None:
    tests_dir = str(Path(__file__).resolve().parents[1])
    code = CHILD.format(paths=[tests_dir], ws=str(workspace))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        cid = proc.stdout.readline().strip()
        assert cid and _exists(docker_client, cid)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert _exists(docker_client, cid)  # SIGKILL: no atexit cleanup ran
    r = make_router(mode="sandbox")
    r.run("true", cwd=str(workspace))  # the first docker use of a new Router reaps orphans
    assert not _exists(docker_client, cid)


@docker_mark
def test_stdin_and_output_interleave_without_deadlock(make_router, sandbox_image, workspace) -> None:
    """The command writes 3 MB before reading 20 MiB of stdin: both directions must flow."""
    r = make_router(mode="sandbox")
    out = r.run("head -c 3000000 /dev/zero; cat | wc -c", cwd=str(workspace), stdin=b"y" * (20 * 1024 * 1024), timeout=60)
    assert (out.exit_code, out.timed_out, out.stdout_size, out.stdout[-9:]) == (0, False, 3_000_009, b"20971520\n")


EXITING_CHILD = textwrap.dedent(
    """
    import sys
    sys.path[:0] = {paths!r}
    from conftest import _stand_in_parse, _stand_in_policy, StandInEngine
    from policy_router.config import Settings
    from policy_router.router import Router
    policy = _stand_in_policy("deny")
    r = Router(policy, settings=Settings.load({{"mode": "sandbox"}}, env={{}}, use_file=False),
               engine=StandInEngine(policy), parser=_stand_in_parse)
    print(r.run("true", cwd={ws!r}).container_id, flush=True)
    # no close(): interpreter exit must clean up
    """
)


@docker_mark
def test_containers_are_removed_at_interpreter_exit_without_close(sandbox_image, workspace, docker_client) -> None:
    tests_dir = str(Path(__file__).resolve().parents[1])
    res = subprocess.run([sys.executable, "-c", EXITING_CHILD.format(paths=[tests_dir], ws=str(workspace))],
                         capture_output=True, text=True, timeout=120)
    cid = res.stdout.strip()
    assert (res.returncode, len(cid), _exists(docker_client, cid)) == (0, 64, False)
