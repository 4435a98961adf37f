"""JSONL audit records: one line per decision or run.

Every record is written with ONE ``os.write`` on a file descriptor opened with
``O_APPEND``, while holding an exclusive ``flock`` on it (and, within one process, a lock
that ``fork`` also waits for), so lines from many threads and many processes never
interleave or tear. The file is opened per record (cheap, and safe
under log rotation).

Record fields (``kind`` is ``decision``, ``run``, ``denied``, ``fallback`` or ``error``)::

    time, kind, cmd, cwd, mode, decision, policy_decision, rules, profile,
    executor, container_id, exit_code, duration, timed_out,
    stdout_truncated, stderr_truncated, error, pid
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from .errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from .decision import Evaluation
    from .executors.base import Outcome

__all__ = ["AuditLog", "make_record"]

# In-process writers are serialised by _LOCK, and a fork waits for it (register_at_fork):
# a child process must never inherit a descriptor whose flock a thread of the parent holds,
# or that lock would stay held by the child's copy and every later writer would block.
_LOCK = threading.Lock()


def _after_fork_in_child() -> None:
    global _LOCK
    _LOCK = threading.Lock()


os.register_at_fork(before=lambda: _LOCK.acquire(), after_in_parent=lambda: _LOCK.release(),
                    after_in_child=_after_fork_in_child)


def make_record(
    kind: str,
    cmd: str,
    *,
    cwd: str | None = None,
    evaluation: "Evaluation | None" = None,
    outcome: "Outcome | None" = None,
    executor: str | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """Build one audit record (a flat JSON-able dict) from what is known about a run."""
    rec: dict[str, Any] = {
        "time": time.time(),
        "kind": kind,
        "cmd": cmd,
        "cwd": cwd,
        "mode": None,
        "decision": None,
        "policy_decision": None,
        "rules": [],
        "profile": None,
        "executor": executor,
        "container_id": None,
        "exit_code": None,
        "duration": None,
        "timed_out": None,
        "stdout_truncated": None,
        "stderr_truncated": None,
        "error": error,
        "pid": os.getpid(),
    }
    if evaluation is not None:
        rec["mode"] = evaluation.mode.value
        rec["decision"] = evaluation.decision.value
        rec["policy_decision"] = evaluation.policy_decision.value
        rec["rules"] = [m.rule_id for m in evaluation.deciding]
        rec["profile"] = evaluation.profile
    if outcome is not None:
        rec["executor"] = outcome.executor
        rec["container_id"] = outcome.container_id
        rec["exit_code"] = outcome.exit_code
        rec["duration"] = round(outcome.duration, 6)
        rec["timed_out"] = outcome.timed_out
        rec["stdout_truncated"] = outcome.stdout_truncated
        rec["stderr_truncated"] = outcome.stderr_truncated
    return rec


class AuditLog:
    """Appends JSON lines to ``path``; safe across threads and processes."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = os.fspath(path)
        parent = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(parent):
            raise ConfigError(f"audit_log: directory {parent!r} does not exist")

    def write(self, record: dict[str, Any]) -> None:
        """Append ``record`` as one line. Raises ConfigError if the file cannot be written."""
        data = (json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str) + "\n").encode(
            "utf-8"
        )
        with _LOCK:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as exc:
                raise ConfigError(f"audit_log: cannot open {self.path!r}: {exc}") from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                view = memoryview(data)
                while view:  # a regular file takes it in one write; loop only for the odd short write
                    n = os.write(fd, view)
                    view = view[n:]
            finally:
                os.close(fd)  # closing releases the flock

    def __repr__(self) -> str:
        return f"AuditLog({self.path!r})"
