"""The local executor and the ExecRequest/Outcome contract."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_router.errors import ExecutorError
from policy_router.executors.base import DEFAULT_OUTPUT_CAP, CappedBuffer, ExecRequest, SandboxSpec
from policy_router.executors.local import LocalExecutor

EX = LocalExecutor()


def view(o: Any) -> dict[str, Any]:
    return {
        "exit_code": o.exit_code, "stdout": o.stdout, "stderr": o.stderr, "timed_out": o.timed_out,
        "stdout_truncated": o.stdout_truncated, "stderr_truncated": o.stderr_truncated,
        "stdout_size": o.stdout_size, "stderr_size": o.stderr_size, "executor": o.executor,
        "container_id": o.container_id,
    }


def ok(stdout: bytes = b"", stderr: bytes = b"", code: int = 0) -> dict[str, Any]:
    return {
        "exit_code": code, "stdout": stdout, "stderr": stderr, "timed_out": False,
        "stdout_truncated": False, "stderr_truncated": False, "stdout_size": len(stdout),
        "stderr_size": len(stderr), "executor": "local", "container_id": None,
    }


CASES = [
    ("echo hi", {}, ok(b"hi\n")),
    ("echo out; echo err >&2; exit 3", {}, ok(b"out\n", b"err\n", 3)),
    ("cat", {"stdin": b"fed via stdin"}, ok(b"fed via stdin")),
    ("cat", {"stdin": "text stdin"}, ok(b"text stdin")),
    ("wc -c", {"stdin": b"x" * 300_000}, ok(b"300000\n")),
    ("printf %s \"$FOO\"", {"env": {"FOO": "bar", "PATH": "/usr/bin:/bin"}}, ok(b"bar")),
    ("kill -9 $$", {}, ok(code=137)),
    ("exit 255", {}, ok(code=255)),
    ("cat /nonexistent-file-xyz", {"env": {"LC_ALL": "C", "PATH": "/usr/bin:/bin"}},
     ok(stderr=b"cat: /nonexistent-file-xyz: No such file or directory\n", code=1)),
]


@pytest.mark.parametrize("cmd,kw,expected", CASES, ids=[c[0][:30] for c in CASES])
def test_local_cases(cmd: str, kw: dict[str, Any], expected: dict[str, Any]) -> None:
    assert view(EX.run(ExecRequest(cmd, **kw))) == expected


def test_cwd_is_as_requested(tmp_path: Path) -> None:
    assert view(EX.run(ExecRequest("pwd", cwd=str(tmp_path)))) == ok(f"{tmp_path}\n".encode())


def test_timeout_kills_the_whole_group_including_grandchildren() -> None:
    # the grandchild is started by a nested shell and prints its pid
    out = EX.run(ExecRequest("bash -c 'sleep 300 & echo $!; wait' ; sleep 300", timeout=1))
    assert (out.timed_out, out.exit_code) == (True, 124)
    assert out.duration < 5
    pid = int(out.stdout.split()[0])
    for _ in range(100):  # gone, or at most a zombie waiting for init
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            state = "gone"
        if state in ("gone", "Z"):
            break
        time.sleep(0.02)
    assert state in ("gone", "Z")


def test_background_leftovers_do_not_outlive_the_run() -> None:
    out = EX.run(ExecRequest("sleep 300 >/dev/null 2>&1 & echo $!"))
    pid = int(out.stdout)
    time.sleep(0.1)
    state = "gone"
    if Path(f"/proc/{pid}").exists():
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    assert (out.exit_code, state in ("gone", "Z")) == (0, True)


def test_output_cap_holds_against_100_mib_and_drains() -> None:
    out = EX.run(ExecRequest("head -c 104857600 /dev/zero; echo done >&2"))
    assert view(out) == {
        **ok(b"\0" * DEFAULT_OUTPUT_CAP, b"done\n"),
        "stdout_truncated": True, "stdout_size": 100 * 1024 * 1024,
    }


def test_streaming_callbacks_see_everything_even_past_the_cap() -> None:
    seen_out: list[bytes] = []
    seen_err: list[bytes] = []
    out = EX.run(ExecRequest("head -c 5000 /dev/zero; echo e >&2", output_cap=10,
                             on_stdout=seen_out.append, on_stderr=seen_err.append))
    assert (b"".join(seen_out), b"".join(seen_err), out.stdout, out.stdout_truncated) == (
        b"\0" * 5000, b"e\n", b"\0" * 10, True)


def test_concurrent_runs_are_unmixed() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(20) as pool:
        outs = list(pool.map(lambda i: EX.run(ExecRequest(f"echo {i}; sleep 0.1; echo {i} >&2")), range(20)))
    assert [(o.stdout, o.stderr) for o in outs] == [(f"{i}\n".encode(), f"{i}\n".encode()) for i in range(20)]


BAD_REQUESTS = [
    ({"cmd": ""}, "empty"),
    ({"cmd": "   "}, "empty"),
    ({"cmd": "echo \x00"}, "NUL"),
    ({"cmd": "ls", "cwd": "relative/dir"}, "absolute"),
    ({"cmd": "ls", "timeout": 0}, "> 0"),
    ({"cmd": "ls", "timeout": -1}, "> 0"),
    ({"cmd": "ls", "timeout": float("inf")}, "finite"),
    ({"cmd": "ls", "timeout": True}, "number"),
    ({"cmd": "ls", "output_cap": -1}, ">= 0"),
    ({"cmd": "ls", "env": {"A=B": "x"}}, "no '='"),
    ({"cmd": "ls", "env": {"A": 1}}, "string"),
    ({"cmd": "ls", "stdin": 12}, "stdin"),
    ({"cmd": "ls", "on_stdout": "not callable"}, "callable"),
    ({"cmd": 42}, "string"),
]


@pytest.mark.parametrize("kw,msg", BAD_REQUESTS, ids=[repr(k)[:40] for k, _ in BAD_REQUESTS])
def test_exec_request_is_validated_on_construction(kw: dict[str, Any], msg: str) -> None:
    with pytest.raises(ExecutorError, match=msg):
        ExecRequest(**kw)


@pytest.mark.parametrize(
    "kw,msg",
    [
        ({"image": ""}, "image"),
        ({"image": "x", "user": "0:0"}, "root"),
        ({"image": "x", "user": "root"}, "root"),
        ({"image": "x", "network": "host"}, "host"),
        ({"image": "x", "pids": 0}, "pids"),
        ({"image": "x", "cpus": -1}, "cpus"),
    ],
)
def test_sandbox_spec_is_validated(kw: dict[str, Any], msg: str) -> None:
    with pytest.raises(ExecutorError, match=msg):
        SandboxSpec(**kw)


def test_env_is_frozen_copy() -> None:
    env = {"A": "1"}
    req = ExecRequest("true", env=env)
    env["A"] = "2"
    assert dict(req.env or {}) == {"A": "1"}
    with pytest.raises(TypeError):
        req.env["A"] = "3"  # type: ignore[index]


@settings(max_examples=200, deadline=None)
@given(chunks=st.lists(st.binary(max_size=50), max_size=30), cap=st.integers(0, 400))
def test_capped_buffer_keeps_a_prefix_and_counts_everything(chunks: list[bytes], cap: int) -> None:
    seen: list[bytes] = []
    buf = CappedBuffer(cap, seen.append)
    for c in chunks:
        buf.feed(c)
    data = b"".join(chunks)
    assert (buf.getvalue(), buf.total, buf.truncated, b"".join(seen)) == (data[:cap], len(data), len(data) > cap, data)


def test_bad_shell_is_an_executor_error(tmp_path: Path) -> None:
    with pytest.raises(ExecutorError, match="cannot start"):
        LocalExecutor(str(tmp_path / "no-such-shell")).run(ExecRequest("true"))
    with pytest.raises(ExecutorError, match="absolute"):
        LocalExecutor("bash")
