"""Audit log: record shape, appends safe across threads and processes."""

from __future__ import annotations

import json
import multiprocessing
import threading
from pathlib import Path

import pytest

from policy_router.audit import AuditLog, make_record
from policy_router.errors import ConfigError
from policy_router.executors.base import Outcome

RECORD_KEYS = {
    "time", "kind", "cmd", "cwd", "mode", "decision", "policy_decision", "rules", "profile", "executor",
    "container_id", "exit_code", "duration", "timed_out", "stdout_truncated", "stderr_truncated", "error", "pid",
}


def test_record_from_outcome() -> None:
    out = Outcome(exit_code=3, stdout=b"", stderr=b"", started=1.0, ended=2.0, duration=1.0, executor="docker",
                  stdout_truncated=True, container_id="abc")
    rec = make_record("run", "make", cwd="/w", outcome=out)
    rec.pop("time"), rec.pop("pid")
    assert rec == {
        "kind": "run", "cmd": "make", "cwd": "/w", "mode": None, "decision": None, "policy_decision": None,
        "rules": [], "profile": None, "executor": "docker", "container_id": "abc", "exit_code": 3,
        "duration": 1.0, "timed_out": False, "stdout_truncated": True, "stderr_truncated": False, "error": None,
    }


def _writer(path: str, tag: str, n: int) -> None:
    log = AuditLog(path)
    for i in range(n):
        log.write(make_record("run", f"{tag}-{i}-" + "x" * 3000))


def test_appends_from_threads_and_processes_never_interleave(tmp_path: Path) -> None:
    path = str(tmp_path / "audit.jsonl")
    threads = [threading.Thread(target=_writer, args=(path, f"t{k}", 100)) for k in range(4)]
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(path, f"p{k}", 100)) for k in range(3)]
    for t in threads + procs:
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        p.join()
    lines = Path(path).read_text().splitlines()
    recs = [json.loads(line) for line in lines]
    assert len(recs) == 700
    assert all(set(r) == RECORD_KEYS for r in recs)
    expected = {f"{tag}-{i}-" + "x" * 3000 for tag in [f"t{k}" for k in range(4)] + [f"p{k}" for k in range(3)] for i in range(100)}
    assert {r["cmd"] for r in recs} == expected


def test_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        AuditLog(tmp_path / "nope" / "audit.jsonl")


def test_file_mode_is_private(tmp_path: Path) -> None:
    p = tmp_path / "a.jsonl"
    AuditLog(p).write({"k": 1})
    assert (p.stat().st_mode & 0o777, p.read_text()) == (0o600, '{"k":1}\n')
