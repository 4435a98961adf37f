"""The executor contract: :class:`ExecRequest` in, :class:`Outcome` out.

Every executor (local, docker, or a plugin's) takes a validated :class:`ExecRequest` and
returns an :class:`Outcome`. Executors register through the pluggy hook
``policy_router_register_executors(registry)`` by calling ``registry.add(name, factory)``
(see :class:`policy_router.hookspecs.ExecutorRegistry`); ``factory(settings)`` returns an
:class:`Executor`.

Output convention: ``Outcome.stdout`` / ``Outcome.stderr`` are the captured **bytes**
(at most ``output_cap`` bytes each; ``*_truncated`` tells whether more was produced and
discarded). ``stdout_text`` / ``stderr_text`` decode them as UTF-8 with
``errors="replace"``. Streaming callbacks receive every chunk, also past the cap.

Exit code convention: the command's own code (0-255); a command killed by signal N
reports ``128 + N`` like a shell; a command killed because of its timeout reports 124
(like GNU ``timeout``) and ``timed_out=True``.
"""

from __future__ import annotations

import math
import time
import types
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol, runtime_checkable

from ..errors import ExecutorError

if TYPE_CHECKING:  # pragma: no cover
    from ..decision import Evaluation

__all__ = [
    "DEFAULT_OUTPUT_CAP",
    "TIMEOUT_EXIT_CODE",
    "StreamCallback",
    "Mount",
    "SandboxSpec",
    "ExecRequest",
    "Outcome",
    "Executor",
    "CappedBuffer",
]

#: Default cap on captured stdout and on captured stderr (each): 10 MiB.
DEFAULT_OUTPUT_CAP = 10 * 1024 * 1024
#: Exit code reported when a command was killed because it ran out of time.
TIMEOUT_EXIT_CODE = 124

StreamCallback = Callable[[bytes], None]


@dataclass(frozen=True, slots=True)
class Mount:
    """An extra host path made visible in the sandbox, read-only unless ``read_only`` is False."""

    source: str
    target: str
    read_only: bool = True

    def __post_init__(self) -> None:
        for name in ("source", "target"):
            v = getattr(self, name)
            if not isinstance(v, str) or not v.startswith("/"):
                raise ExecutorError(f"mount {name} must be an absolute path (got {v!r})")


@dataclass(frozen=True, slots=True)
class SandboxSpec:
    """Everything a sandbox executor needs to know about the container to use.

    Built by the Router from the policy profile chosen by the Evaluation, with the
    settings filling what the profile leaves open. ``network`` is ``None`` for no network
    (``network_mode="none"``) or the name of an existing docker network.
    """

    image: str
    profile: str = "default"
    network: str | None = None
    memory: str | None = "1g"
    cpus: float | None = 1.0
    pids: int | None = 256
    user: str = "65534:65534"
    mounts: tuple[Mount, ...] = ()
    shell: str = "/bin/bash"

    def __post_init__(self) -> None:
        if not isinstance(self.image, str) or not self.image.strip():
            raise ExecutorError(f"sandbox image must be a non-empty string (got {self.image!r})")
        if self.network is not None and (not isinstance(self.network, str) or not self.network):
            raise ExecutorError(f"sandbox network must be a network name or None (got {self.network!r})")
        if self.network == "host":
            raise ExecutorError("sandbox network 'host' is refused: it would share the host's network stack")
        if self.cpus is not None and (not isinstance(self.cpus, (int, float)) or not 0 < self.cpus <= 1024):
            raise ExecutorError(f"sandbox cpus must be a positive number (got {self.cpus!r})")
        if self.pids is not None and (not isinstance(self.pids, int) or isinstance(self.pids, bool) or self.pids < 1):
            raise ExecutorError(f"sandbox pids must be a positive integer (got {self.pids!r})")
        if not isinstance(self.user, str) or not self.user:
            raise ExecutorError(f"sandbox user must be 'uid[:gid]' (got {self.user!r})")
        if self.user.split(":", 1)[0] in ("0", "root"):
            raise ExecutorError("sandbox user must not be root")


def _check_text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ExecutorError(f"{name} must be a string (got {type(value).__name__})")
    if "\x00" in value:
        raise ExecutorError(f"{name} must not contain NUL bytes")
    return value


@dataclass(frozen=True, slots=True)
class ExecRequest:
    """One command to run. Validated on construction (raises :class:`ExecutorError`).

    ``cmd``         the command line, given to the shell as one ``-c`` argument.
    ``cwd``         absolute working directory, or None for the executor's default
                    (the current directory locally, the workspace in a sandbox).
    ``env``         the **complete** environment of the command, or None to inherit
                    (locally: this process's environment; in a sandbox: the image's).
    ``stdin``       bytes fed to the command's stdin (str is encoded as UTF-8), or None
                    for an empty stdin.
    ``timeout``     seconds, or None for no limit. On expiry the command is killed.
    ``output_cap``  bytes captured per stream (default 10 MiB); the rest is drained and
                    dropped, and the Outcome says it was truncated.
    ``on_stdout`` / ``on_stderr``  called with every chunk as it arrives (also past the cap),
                    from the thread that runs the command.
    ``workspace``   absolute host directory a sandbox mounts read-write at the same path.
    ``sandbox``     the container to use (sandbox executors only).
    """

    cmd: str
    cwd: str | None = None
    env: Mapping[str, str] | None = None
    stdin: bytes | None = None
    timeout: float | None = None
    output_cap: int = DEFAULT_OUTPUT_CAP
    on_stdout: StreamCallback | None = None
    on_stderr: StreamCallback | None = None
    workspace: str | None = None
    sandbox: SandboxSpec | None = None

    def __post_init__(self) -> None:
        _check_text("cmd", self.cmd)
        if not self.cmd.strip():
            raise ExecutorError("cmd must not be empty")
        for name in ("cwd", "workspace"):
            v = getattr(self, name)
            if v is not None:
                _check_text(name, v)
                if not v.startswith("/"):
                    raise ExecutorError(f"{name} must be an absolute path (got {v!r})")
        if self.env is not None:
            if not isinstance(self.env, Mapping):
                raise ExecutorError(f"env must be a mapping (got {type(self.env).__name__})")
            env: dict[str, str] = {}
            for k, v in self.env.items():
                _check_text("env name", k)
                _check_text(f"env value of {k}", v)
                if not k or "=" in k:
                    raise ExecutorError(f"env name must be non-empty and contain no '=' (got {k!r})")
                env[k] = v
            object.__setattr__(self, "env", types.MappingProxyType(env))
        if isinstance(self.stdin, str):
            object.__setattr__(self, "stdin", self.stdin.encode("utf-8"))
        elif self.stdin is not None and not isinstance(self.stdin, (bytes, bytearray, memoryview)):
            raise ExecutorError(f"stdin must be bytes, str or None (got {type(self.stdin).__name__})")
        elif self.stdin is not None:
            object.__setattr__(self, "stdin", bytes(self.stdin))
        if self.timeout is not None:
            if isinstance(self.timeout, bool) or not isinstance(self.timeout, (int, float)):
                raise ExecutorError(f"timeout must be a number of seconds (got {self.timeout!r})")
            if not math.isfinite(self.timeout) or self.timeout <= 0:
                raise ExecutorError(f"timeout must be finite and > 0 (got {self.timeout!r})")
        if isinstance(self.output_cap, bool) or not isinstance(self.output_cap, int) or self.output_cap < 0:
            raise ExecutorError(f"output_cap must be an integer >= 0 (got {self.output_cap!r})")
        for name in ("on_stdout", "on_stderr"):
            cb = getattr(self, name)
            if cb is not None and not callable(cb):
                raise ExecutorError(f"{name} must be callable")
        if self.sandbox is not None and not isinstance(self.sandbox, SandboxSpec):
            raise ExecutorError("sandbox must be a SandboxSpec")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What running one command produced. The same shape from every executor.

    ``started`` / ``ended`` are wall-clock epoch seconds; ``duration`` is measured with a
    monotonic clock. ``stdout_size`` / ``stderr_size`` count every byte the command
    wrote, including what the cap dropped.
    """

    exit_code: int
    stdout: bytes
    stderr: bytes
    started: float
    ended: float
    duration: float
    executor: str
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    stdout_size: int = 0
    stderr_size: int = 0
    timed_out: bool = False
    container_id: str | None = None
    evaluation: "Evaluation | None" = field(default=None, compare=False)

    @classmethod
    def from_capture(
        cls,
        out: "CappedBuffer",
        err: "CappedBuffer",
        *,
        exit_code: int,
        started: float,
        t0: float,
        executor: str,
        timed_out: bool,
        container_id: str | None = None,
    ) -> "Outcome":
        """The Outcome of a finished run whose output went into two :class:`CappedBuffer`;
        ``started`` is the wall-clock start and ``t0`` the ``time.monotonic()`` start."""
        return cls(
            exit_code=exit_code,
            stdout=out.getvalue(),
            stderr=err.getvalue(),
            started=started,
            ended=time.time(),
            duration=time.monotonic() - t0,
            executor=executor,
            stdout_truncated=out.truncated,
            stderr_truncated=err.truncated,
            stdout_size=out.total,
            stderr_size=err.total,
            timed_out=timed_out,
            container_id=container_id,
        )

    @property
    def stdout_text(self) -> str:
        """stdout decoded as UTF-8 (undecodable bytes replaced)."""
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def stderr_text(self) -> str:
        """stderr decoded as UTF-8 (undecodable bytes replaced)."""
        return self.stderr.decode("utf-8", errors="replace")

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    def with_evaluation(self, evaluation: "Evaluation") -> "Outcome":
        """A copy of this Outcome that references the Evaluation that routed it."""
        from dataclasses import replace

        return replace(self, evaluation=evaluation)

    def to_dict(self, *, output: bool = True) -> dict[str, Any]:
        """JSON-able form; ``output=False`` leaves out stdout/stderr text."""
        d: dict[str, Any] = {
            "exit_code": self.exit_code,
            "executor": self.executor,
            "container_id": self.container_id,
            "timed_out": self.timed_out,
            "started": self.started,
            "ended": self.ended,
            "duration": self.duration,
            "stdout_truncated": self.stdout_truncated,
            "stderr_truncated": self.stderr_truncated,
            "stdout_size": self.stdout_size,
            "stderr_size": self.stderr_size,
        }
        if output:
            d["stdout"] = self.stdout_text
            d["stderr"] = self.stderr_text
        if self.evaluation is not None:
            d["evaluation"] = self.evaluation.to_dict()
        return d


@runtime_checkable
class Executor(Protocol):
    """Runs an :class:`ExecRequest`. Must be safe to call ``run`` from many threads."""

    name: str

    def run(self, request: ExecRequest) -> Outcome:  # pragma: no cover - protocol
        ...

    def close(self) -> None:  # pragma: no cover - protocol
        ...


class CappedBuffer:
    """Collects at most ``cap`` bytes of a stream, counts all of it, forwards every chunk.

    Not thread-safe: each stream has its own buffer, fed from one thread.
    """

    __slots__ = ("cap", "_parts", "_kept", "total", "callback")

    def __init__(self, cap: int, callback: StreamCallback | None = None):
        self.cap = cap
        self._parts: list[bytes] = []
        self._kept = 0
        self.total = 0
        self.callback = callback

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.total += len(chunk)
        room = self.cap - self._kept
        if room > 0:
            part = chunk if len(chunk) <= room else chunk[:room]
            self._parts.append(part)
            self._kept += len(part)
        if self.callback is not None:
            self.callback(chunk)

    @property
    def truncated(self) -> bool:
        return self.total > self._kept

    def getvalue(self) -> bytes:
        return b"".join(self._parts)
