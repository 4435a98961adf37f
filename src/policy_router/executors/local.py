"""The local executor: runs a command line on the host with ``/bin/bash -c``.

* The shell runs in a **new session** (and so its own process group).
* stdout / stderr are read with a selector loop in the calling thread, captured up to the
  cap and drained beyond it; every chunk also goes to the streaming callbacks.
* On timeout the **whole process group** gets SIGKILL (grandchildren included).
* When the shell exits, whatever is left of its process group is killed too, so nothing
  started by a run outlives it. The group is killed *before* the shell is reaped, so the
  group id cannot have been reused.
* **Git hardening** (``git_hardening=True``, the default; setting ``local_git_hardening``):
  every run's environment carries git configuration overrides
  (``GIT_CONFIG_COUNT`` / ``GIT_CONFIG_KEY_<n>`` / ``GIT_CONFIG_VALUE_<n>``, appended after
  any the caller's environment already has, so ours win). Git gives this "command" scope
  precedence over the repository's own ``.git/config`` (and its ``[include]`` files), so a
  repository the sandbox (or anyone) prepared cannot make a local ``git status`` / ``diff``
  / ``log`` / ``show`` / ``blame`` / ``verify-commit`` run a program through the keys in
  :data:`GIT_HARDENING`. Per-driver keys (``diff.<driver>.textconv``, ``filter.<driver>.*``)
  and ``diff.external`` cannot be neutralised this way; docs/security.md lists them.

Registered as executor ``local`` through ``policy_router_register_executors``.
"""

from __future__ import annotations

import errno
import os
import selectors
import shlex
import signal
import subprocess
import time
from typing import Any, Mapping

from .. import hookimpl
from ..errors import ExecutorError
from .base import TIMEOUT_EXIT_CODE, CappedBuffer, ExecRequest, Outcome

__all__ = ["LocalExecutor", "GIT_HARDENING", "git_hardened_env", "policy_router_register_executors"]

#: ``(key, value)`` git configuration forced on every local run (see the module docstring).
#: Each neutralises a repository-level setting that makes a read-only git command run a
#: program: the fsmonitor hook (``status``, ``diff``), hooks such as ``post-index-change``
#: (``status`` writes the index), the pager (``grep -O``; any pager on a tty), signature
#: programs (``verify-commit``, ``verify-tag``, ``log --show-signature``), ssh and askpass
#: commands (network commands under ``mode=local``); and it refuses implicitly discovered
#: bare repositories (an embedded bare repository's config would otherwise apply to
#: ``cd it && git log``).
GIT_HARDENING: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", "/dev/null"),
    ("core.pager", "cat"),
    ("core.askPass", ""),
    ("gpg.program", "gpg"),
    ("gpg.openpgp.program", "gpg"),
    ("gpg.x509.program", "gpgsm"),
    ("gpg.ssh.program", "ssh-keygen"),
    ("safe.bareRepository", "explicit"),
)


def git_hardened_env(env: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``env`` with :data:`GIT_HARDENING` appended to its ``GIT_CONFIG_*`` entries.

    Existing ``GIT_CONFIG_COUNT`` entries are kept (ours get the following indices and so win
    for the same key). ``core.sshCommand`` is pinned too: to ``ssh``, or to ``$GIT_SSH`` when
    the environment names one (``core.sshCommand`` would otherwise take precedence over it;
    ``GIT_SSH_COMMAND`` still beats both). Raises :class:`ExecutorError` when the environment
    has a ``GIT_CONFIG_COUNT`` that is not a non-negative integer (git would refuse to run).
    """
    out = dict(env)
    raw = out.get("GIT_CONFIG_COUNT", "").strip()
    if raw and not raw.isdigit():
        raise ExecutorError(f"GIT_CONFIG_COUNT in the environment must be a non-negative integer (got {raw!r})")
    n = int(raw) if raw else 0
    ssh = out.get("GIT_SSH")
    pairs = (*GIT_HARDENING, ("core.sshCommand", shlex.quote(ssh) if ssh else "ssh"))
    for key, value in pairs:
        out[f"GIT_CONFIG_KEY_{n}"] = key
        out[f"GIT_CONFIG_VALUE_{n}"] = value
        n += 1
    out["GIT_CONFIG_COUNT"] = str(n)
    return out

_READ_SIZE = 1 << 16
#: After a kill, how long to keep draining pipes that an escaped process may still hold.
_DRAIN_GRACE = 1.0


def _killpg(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    except PermissionError:  # pragma: no cover - only if the group was reused by another user
        pass


def _exited_unreaped(pid: int) -> bool:
    """True when ``pid`` has exited; does not reap it (WNOWAIT)."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


class LocalExecutor:
    """Runs commands on the host. Thread-safe: each ``run`` owns its process and pipes."""

    def __init__(self, shell: str = "/bin/bash", *, name: str = "local", git_hardening: bool = True):
        if not shell.startswith("/"):
            raise ExecutorError(f"shell must be an absolute path (got {shell!r})")
        self.shell = shell
        self.name = name
        self.git_hardening = git_hardening

    def run(self, request: ExecRequest) -> Outcome:
        """Run ``request.cmd`` and return its Outcome (never raises for the command's failure)."""
        started = time.time()
        t0 = time.monotonic()
        deadline = None if request.timeout is None else t0 + request.timeout
        env = dict(request.env) if request.env is not None else None
        if self.git_hardening:
            env = git_hardened_env(os.environ if env is None else env)
        try:
            proc = subprocess.Popen(
                [self.shell, "-c", request.cmd],
                cwd=request.cwd,
                env=env,
                stdin=subprocess.PIPE if request.stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            raise ExecutorError(f"cannot start {self.shell!r} in {request.cwd or os.getcwd()!r}: {exc}") from exc

        out = CappedBuffer(request.output_cap, request.on_stdout)
        err = CappedBuffer(request.output_cap, request.on_stderr)
        pgid = proc.pid  # start_new_session: the shell leads its own group
        timed_out = False
        try:
            timed_out = self._pump(proc, request, out, err, deadline)
        except BaseException:
            _killpg(pgid)
            proc.wait()
            raise
        finally:
            for f in (proc.stdin, proc.stdout, proc.stderr):
                if f is not None:
                    try:
                        f.close()
                    except OSError:
                        pass
        status = proc.wait()
        exit_code = TIMEOUT_EXIT_CODE if timed_out else (128 - status if status < 0 else status)
        return Outcome.from_capture(
            out, err, exit_code=exit_code, started=started, t0=t0, executor=self.name, timed_out=timed_out
        )

    def _pump(
        self,
        proc: subprocess.Popen,
        request: ExecRequest,
        out: CappedBuffer,
        err: CappedBuffer,
        deadline: float | None,
    ) -> bool:
        """Move data until both output pipes close; returns True when the timeout fired."""
        sel = selectors.DefaultSelector()
        assert proc.stdout is not None and proc.stderr is not None
        sel.register(proc.stdout.fileno(), selectors.EVENT_READ, out)
        sel.register(proc.stderr.fileno(), selectors.EVENT_READ, err)
        stdin_data = memoryview(request.stdin) if request.stdin else None
        stdin_fd = proc.stdin.fileno() if (proc.stdin is not None and stdin_data is not None) else None
        if stdin_fd is not None:
            os.set_blocking(stdin_fd, False)
            sel.register(stdin_fd, selectors.EVENT_WRITE, None)
        pgid = proc.pid
        timed_out = False
        group_killed = False
        drain_until: float | None = None
        open_outputs = 2
        try:
            while open_outputs:
                now = time.monotonic()
                if deadline is not None and not timed_out and now >= deadline:
                    timed_out = True
                    _killpg(pgid)
                    group_killed = True
                    drain_until = now + _DRAIN_GRACE
                if not group_killed and _exited_unreaped(proc.pid):
                    # The shell is gone: end what it left behind, then drain.
                    _killpg(pgid)
                    group_killed = True
                    drain_until = now + _DRAIN_GRACE
                if drain_until is not None and now >= drain_until:
                    break
                wait = 0.05
                if deadline is not None and not timed_out:
                    wait = min(wait, max(0.0, deadline - now))
                if drain_until is not None:
                    wait = min(wait, max(0.0, drain_until - now))
                for key, _ in sel.select(wait):
                    fd = key.fd
                    if key.data is None:  # stdin writable
                        assert stdin_data is not None
                        try:
                            n = os.write(fd, stdin_data[:_READ_SIZE])
                        except BlockingIOError:
                            continue
                        except BrokenPipeError:
                            n = len(stdin_data)
                        stdin_data = stdin_data[n:]
                        if not stdin_data:
                            sel.unregister(fd)
                            assert proc.stdin is not None
                            try:
                                proc.stdin.close()
                            except OSError:
                                pass
                        continue
                    try:
                        chunk = os.read(fd, _READ_SIZE)
                    except OSError as exc:  # pragma: no cover - EIO on odd fds
                        if exc.errno not in (errno.EAGAIN, errno.EINTR):
                            chunk = b""
                        else:
                            continue
                    if chunk:
                        key.data.feed(chunk)
                    else:
                        sel.unregister(fd)
                        open_outputs -= 1
        finally:
            sel.close()
        if not group_killed:
            # Both pipes closed, but the shell may still be exiting (coreutils close stdout in
            # an atexit handler): wait for it, unreaped, before ending its group.
            timed_out = self._wait_exit(proc.pid, deadline)
            _killpg(pgid)
        return timed_out

    @staticmethod
    def _wait_exit(pid: int, deadline: float | None) -> bool:
        """Wait (without reaping) until ``pid`` exits; kill its group at the deadline.
        Returns True when the deadline fired."""
        if deadline is None:
            try:
                os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
            except ChildProcessError:
                pass
            return False
        delay = 0.0005
        while not _exited_unreaped(pid):
            if time.monotonic() >= deadline:
                _killpg(pid)
                return True
            time.sleep(delay)
            delay = min(delay * 2, 0.02)
        return False

    def close(self) -> None:
        """Nothing to release: each run cleans up after itself."""


def _factory(settings: Any) -> LocalExecutor:
    shell = getattr(settings, "shell", None) or "/bin/bash"
    return LocalExecutor(shell, git_hardening=getattr(settings, "local_git_hardening", True))


@hookimpl
def policy_router_register_executors(registry: Any) -> None:
    """Register the built-in ``local`` executor."""
    registry.add("local", _factory)
