"""The docker sandbox executor (docker SDK only, never the docker CLI).

Each (SandboxSpec, workspace) gets one warm, hardened container from the
:class:`~policy_router.executors.pool.ContainerPool`; every command runs in it with
``exec``. The container itself only idles (``tail -f /dev/null`` under ``init``).

Hardening of every container (see :func:`container_config`):

* ``network_mode="none"`` (a profile with network uses the configured network by name;
  ``host`` is refused), read-only root with a tmpfs ``/tmp``,
* ``cap_drop=["ALL"]``, ``no-new-privileges``, non-root ``user``,
* pids / memory (swap = memory) / CPU limits, ``init=True``, the image entrypoint cleared,
* only the workspace is bind-mounted, read-write at the same path; profile mounts are
  read-only;
* when the workspace holds a git repository (and ``protect_git`` is on, the default), its
  git directory is re-mounted onto itself and its ``config`` / ``hooks`` read-only over the
  workspace mount (see :mod:`policy_router.executors.gitprotect`), so a sandboxed command
  cannot plant code that a later *local* git command would run.

The pool key is ``(SandboxSpec, workspace, GitProtection)``: the protection carries the
identity (device, inode) of every protected file, so a repository that appears, or a config
the host rewrote, gets a fresh container with current mounts.

Timeouts: every exec carries a random token in its environment
(``POLICY_ROUTER_RUN=<token>``). On timeout a second exec kills (SIGKILL) every process in
the container whose environment holds that token: the command, its children and
grandchildren, also those that left the process group. The container stays usable.

Cleanup: every container carries ``policy-router.managed=1`` and an owner label
``host:pid:starttime``. The executor removes its own containers on ``close()`` and at
interpreter exit (unless ``cleanup=False``), and its first use of the daemon reaps
containers whose owner process (on this host) is gone — also after a SIGKILL.

Every docker / requests / socket exception becomes SandboxUnavailableError or
ImageNotFoundError; nothing ever falls back to the host here.
"""

from __future__ import annotations

import atexit
import os
import selectors
import socket
import sys
import threading
import time
import uuid
import weakref
from typing import Any, Callable, Iterator

from .. import hookimpl
from ..errors import ExecutorError, ImageNotFoundError, SandboxUnavailableError
from .base import TIMEOUT_EXIT_CODE, CappedBuffer, ExecRequest, Outcome, SandboxSpec
from .gitprotect import NO_PROTECTION, GitProtection, git_protection
from .pool import ContainerPool

__all__ = [
    "DockerExecutor",
    "LABEL_MANAGED",
    "LABEL_OWNER",
    "FORBIDDEN_WORKSPACES",
    "LABEL_GIT_PROTECTED",
    "container_config",
    "owner_label",
    "owner_alive",
    "policy_router_register_executors",
]

LABEL_MANAGED = "policy-router.managed"
LABEL_OWNER = "policy-router.owner"
LABEL_CREATED = "policy-router.created"
LABEL_PROFILE = "policy-router.profile"
LABEL_WORKSPACE = "policy-router.workspace"
LABEL_GIT_PROTECTED = "policy-router.git-protected"
TOKEN_ENV = "POLICY_ROUTER_RUN"
IDLE_COMMAND = ["tail", "-f", "/dev/null"]
_KILL_GRACE = 2.0
#: Host directories that may never be the read-write workspace.
FORBIDDEN_WORKSPACES = frozenset(
    {"/", "/tmp", "/proc", "/sys", "/dev", "/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64",
     "/var", "/run", "/boot", "/root", "/home", "/opt", "/srv", "/mnt", "/media", "/var/run", "/var/lib"}
)

# Kills every process whose initial environment carries POLICY_ROUTER_RUN=$T. Runs a few
# passes so processes forked during the first pass are caught too.
_KILL_SCRIPT = r"""
n=0
while [ $n -lt 4 ]; do
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [ "$p" = "$$" ] && continue
    if tr '\000' '\n' < "$d/environ" 2>/dev/null | grep -qx "POLICY_ROUTER_RUN=$T"; then
      kill -9 "$p" 2>/dev/null
    fi
  done
  n=$((n+1))
done
"""


# -- owner labels -----------------------------------------------------------------------------
def _proc_start_time(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("ascii", "replace")
    except OSError:
        return None
    # comm may contain spaces/parens: fields after the last ')'
    rest = data[data.rfind(")") + 2 :].split()
    return rest[19] if len(rest) > 19 else None


def owner_label(pid: int | None = None) -> str:
    """``host:pid:starttime`` of the current (or given) process."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{_proc_start_time(pid) or '?'}"


def owner_alive(label: str) -> bool | None:
    """Whether the owner process is alive: True/False on this host, None for another host."""
    try:
        host, pid_s, start = label.rsplit(":", 2)
        pid = int(pid_s)
    except ValueError:
        return False
    if host != socket.gethostname():
        return None
    cur = _proc_start_time(pid)
    return cur is not None and (start == "?" or cur == start)


# -- the pure configuration builder ----------------------------------------------------------
def container_config(
    spec: SandboxSpec,
    workspace: str,
    *,
    labels: dict[str, str],
    protection: GitProtection = NO_PROTECTION,
) -> dict[str, Any]:
    """The hardened ``containers.run``-style keyword arguments for ``spec`` and ``workspace``.

    ``protection`` adds the git-protection mounts (each at its own path, over the read-write
    workspace; docker mounts parents before children). Pure function (no daemon needed):
    tests compare its whole output.
    """
    if not workspace.startswith("/"):
        raise ExecutorError(f"workspace must be an absolute path (got {workspace!r})")
    if os.path.normpath(workspace) in FORBIDDEN_WORKSPACES:
        raise ExecutorError(
            f"workspace {workspace!r} is refused: mounting it read-write would expose the host "
            f"(or hide the sandbox's own {workspace})"
        )
    volumes: dict[str, dict[str, str]] = {workspace: {"bind": workspace, "mode": "rw"}}
    for m in protection.mounts:
        if m.source != m.target or not m.target.startswith(workspace.rstrip("/") + "/"):
            raise ExecutorError(f"git protection mount {m.target!r} must be a path inside the workspace mounted onto itself")
        volumes[m.source] = {"bind": m.target, "mode": "ro" if m.read_only else "rw"}
    for m in spec.mounts:
        if m.target == workspace:
            raise ExecutorError(f"mount target {m.target!r} would hide the workspace")
        volumes[m.source] = {"bind": m.target, "mode": "ro" if m.read_only else "rw"}
    kw: dict[str, Any] = {
        "image": spec.image,
        "command": list(IDLE_COMMAND),
        "entrypoint": [],
        "detach": True,
        "user": spec.user,
        "working_dir": workspace,
        "environment": {"HOME": "/tmp", "TMPDIR": "/tmp"},
        "labels": dict(labels),
        "network_mode": spec.network if spec.network else "none",
        "read_only": True,
        "tmpfs": {"/tmp": "rw,nosuid,nodev,size=256m,mode=1777"},
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges:true"],
        "init": True,
        "volumes": volumes,
        "ipc_mode": "private",
    }
    if spec.pids is not None:
        kw["pids_limit"] = spec.pids
    if spec.memory is not None:
        kw["mem_limit"] = spec.memory
        kw["memswap_limit"] = spec.memory  # no swap on top of the memory limit
    if spec.cpus is not None:
        kw["nano_cpus"] = int(spec.cpus * 1e9)
    return kw


_HOST_CONFIG_KEYS = {
    "network_mode", "read_only", "tmpfs", "cap_drop", "security_opt", "init", "pids_limit",
    "mem_limit", "memswap_limit", "nano_cpus", "ipc_mode",
}


# -- error wrapping ---------------------------------------------------------------------------
def _wrap(exc: BaseException, what: str, host: str) -> ExecutorError:
    import docker.errors as de
    import requests.exceptions as rex

    if isinstance(exc, ExecutorError):
        return exc
    if isinstance(exc, de.ImageNotFound):
        return ImageNotFoundError(f"{what}: image not found: {exc.explanation or exc}")
    if isinstance(exc, (rex.ConnectionError, rex.Timeout, ConnectionError, FileNotFoundError, socket.timeout)):
        return SandboxUnavailableError(f"cannot reach the docker daemon at {host} ({what}): {exc}")
    if isinstance(exc, de.APIError):
        return SandboxUnavailableError(f"docker API error during {what}: {exc.explanation or exc}")
    if isinstance(exc, de.DockerException):
        return SandboxUnavailableError(f"docker is unavailable at {host} ({what}): {exc}")
    if isinstance(exc, OSError):
        return SandboxUnavailableError(f"docker connection failed at {host} ({what}): {exc}")
    return SandboxUnavailableError(f"unexpected docker failure during {what}: {type(exc).__name__}: {exc}")


class _ContainerGone(Exception):
    """The pooled container no longer runs (killed, removed, stopped)."""


_LIVE: "weakref.WeakSet[DockerExecutor]" = weakref.WeakSet()


@atexit.register
def _close_all_at_exit() -> None:  # pragma: no cover - exercised in a subprocess test
    for ex in list(_LIVE):
        try:
            ex.close()
        except Exception:
            pass


class DockerExecutor:
    """Runs commands in pooled, hardened containers. Thread-safe."""

    name = "docker"

    def __init__(
        self,
        *,
        ttl: float = 3600.0,
        pool_size: int = 8,
        auto_pull: bool = False,
        cleanup: bool = True,
        docker_host: str | None = None,
        api_timeout: float = 120.0,
        reap_on_start: bool = True,
        progress: Any = None,
        protect_git: bool = True,
    ):
        self.auto_pull = auto_pull
        self.protect_git = protect_git
        self.cleanup = cleanup
        self.docker_host = docker_host
        self.api_timeout = api_timeout
        self.reap_on_start = reap_on_start
        self._progress = progress if progress is not None else sys.stderr
        self._client_obj: Any = None
        self._client_lock = threading.Lock()
        self._pull_lock = threading.Lock()
        self._owner = owner_label()
        self.pool: ContainerPool[tuple[SandboxSpec, str, GitProtection]] = ContainerPool(
            self._create_container, self._remove_container, ttl=ttl, max_size=pool_size
        )
        _LIVE.add(self)

    # -- daemon connection ------------------------------------------------------------------
    @property
    def host(self) -> str:
        return self.docker_host or os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"

    def client(self) -> Any:
        """The docker SDK client (created on first use, which also reaps orphaned containers)."""
        if self._client_obj is not None:
            return self._client_obj
        with self._client_lock:
            if self._client_obj is None:
                import docker

                try:
                    # many concurrent execs each hold a connection while streaming
                    if self.docker_host:
                        c = docker.DockerClient(base_url=self.docker_host, version="auto",
                                                timeout=self.api_timeout, max_pool_size=64)
                    else:
                        c = docker.from_env(timeout=self.api_timeout, max_pool_size=64)
                    c.ping()
                except Exception as exc:  # noqa: BLE001 - every docker failure is wrapped
                    raise _wrap(exc, "connect", self.host) from exc
                self._client_obj = c
                if self.reap_on_start:
                    reap_orphans(c)
        return self._client_obj

    # -- containers -------------------------------------------------------------------------
    def _labels(self, spec: SandboxSpec, workspace: str, protection: GitProtection) -> dict[str, str]:
        return {
            LABEL_MANAGED: "1",
            LABEL_OWNER: self._owner,
            LABEL_CREATED: f"{time.time():.3f}",
            LABEL_PROFILE: spec.profile,
            LABEL_WORKSPACE: workspace,
            LABEL_GIT_PROTECTED: str(len(protection.mounts)),
        }

    def _create_container(self, key: tuple[SandboxSpec, str, GitProtection]) -> str:
        spec, workspace, protection = key
        api = self.client().api
        kw = container_config(
            spec, workspace, labels=self._labels(spec, workspace, protection), protection=protection
        )
        hc_kw = {k: kw.pop(k) for k in list(kw) if k in _HOST_CONFIG_KEYS}
        volumes = kw.pop("volumes")
        hc_kw["binds"] = volumes
        kw.pop("detach")
        try:
            host_config = api.create_host_config(**hc_kw)
        except Exception as exc:  # noqa: BLE001
            raise _wrap(exc, "building the host config", self.host) from exc
        create_kw = dict(kw, volumes=[v["bind"] for v in volumes.values()], host_config=host_config)
        try:
            try:
                cid = api.create_container(**create_kw)["Id"]
            except Exception as exc:  # noqa: BLE001
                import docker.errors as de

                if not isinstance(exc, de.ImageNotFound):
                    raise
                self._ensure_image(spec.image)
                cid = api.create_container(**create_kw)["Id"]
            try:
                api.start(cid)
            except Exception:
                self._remove_container(cid)
                raise
        except ExecutorError:
            raise
        except Exception as exc:  # noqa: BLE001
            err = _wrap(exc, f"creating a sandbox container from {spec.image!r}", self.host)
            raise err from exc
        return cid

    def _ensure_image(self, image: str) -> None:
        """Pull ``image`` if auto-pull is on; else ImageNotFoundError naming it."""
        if not self.auto_pull:
            raise ImageNotFoundError(
                f"sandbox image {image!r} is not present locally and auto-pull is off "
                f"(build it with `policy-router sandbox build`, or set POLICY_ROUTER_SANDBOX_AUTO_PULL=true)"
            )
        with self._pull_lock:
            api = self.client().api
            repo, _, tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "latest")
            tty = hasattr(self._progress, "isatty") and self._progress.isatty()
            try:
                for ev in api.pull(repo, tag=tag or "latest", stream=True, decode=True):
                    if tty:
                        line = " ".join(str(ev.get(k, "")) for k in ("id", "status", "progress")).strip()
                        self._progress.write(f"\r\x1b[2K{line[:120]}")
                        self._progress.flush()
                    if "error" in ev:
                        raise ImageNotFoundError(f"pulling sandbox image {image!r} failed: {ev['error']}")
            except ExecutorError:
                raise
            except Exception as exc:  # noqa: BLE001
                raise ImageNotFoundError(f"sandbox image {image!r} is missing and pulling it failed: {exc}") from exc
            finally:
                if tty:
                    self._progress.write("\n")

    def _remove_container(self, cid: str) -> None:
        try:
            self.client().api.remove_container(cid, force=True)
        except Exception:  # noqa: BLE001 - already gone or daemon away: the reaper retries
            pass

    # -- running ----------------------------------------------------------------------------
    def run(self, request: ExecRequest) -> Outcome:
        """Run ``request`` in the warm container of its (sandbox spec, workspace)."""
        spec = request.sandbox
        if spec is None:
            raise ExecutorError("the docker executor needs request.sandbox (a SandboxSpec)")
        workspace = request.workspace or request.cwd
        if workspace is None:
            raise ExecutorError("the docker executor needs a workspace (or a cwd)")
        workspace = os.path.realpath(workspace)
        cwd = os.path.realpath(request.cwd) if request.cwd else workspace
        if cwd != workspace and not cwd.startswith(workspace.rstrip("/") + "/"):
            raise ExecutorError(f"cwd {cwd!r} is outside the sandbox workspace {workspace!r}")
        protection = git_protection(workspace) if self.protect_git else NO_PROTECTION
        key = (spec, workspace, protection)
        for attempt in range(2):
            try:
                lease = self.pool.acquire(key)
            except ExecutorError:
                raise
            except Exception as exc:  # noqa: BLE001
                raise _wrap(exc, "acquiring a container", self.host) from exc
            try:
                return self._exec(lease.container_id, spec, cwd, request)
            except _ContainerGone as gone:
                lease.invalidate()
                if attempt:
                    raise SandboxUnavailableError(f"sandbox container died twice in a row: {gone}") from None
            finally:
                lease.release()
        raise AssertionError("unreachable")  # pragma: no cover

    def _exec(self, cid: str, spec: SandboxSpec, cwd: str, request: ExecRequest) -> Outcome:
        import docker.errors as de

        api = self.client().api
        token = uuid.uuid4().hex
        env = dict(request.env or {})
        env[TOKEN_ENV] = token
        started = time.time()
        t0 = time.monotonic()
        try:
            exec_id = api.exec_create(
                cid,
                [spec.shell, "-c", request.cmd],
                stdout=True,
                stderr=True,
                stdin=bool(request.stdin),
                tty=False,
                environment=env,
                workdir=cwd,
                user=spec.user,
            )["Id"]
        except de.NotFound as exc:
            raise _ContainerGone(str(exc)) from exc
        except de.APIError as exc:
            if exc.status_code == 409:  # "container ... is not running"
                raise _ContainerGone(str(exc)) from exc
            raise _wrap(exc, "exec_create", self.host) from exc
        except Exception as exc:  # noqa: BLE001
            raise _wrap(exc, "exec_create", self.host) from exc

        out = CappedBuffer(request.output_cap, request.on_stdout)
        err = CappedBuffer(request.output_cap, request.on_stderr)
        deadline = None if request.timeout is None else t0 + request.timeout
        try:
            raw = api.exec_start(exec_id, socket=True)
        except de.APIError as exc:
            if exc.status_code == 409:
                raise _ContainerGone(str(exc)) from exc
            raise _wrap(exc, "exec_start", self.host) from exc
        except Exception as exc:  # noqa: BLE001
            raise _wrap(exc, "exec_start", self.host) from exc
        sock: socket.socket = getattr(raw, "_sock", raw)
        try:
            timed_out = self._pump(sock, request, out, err, deadline, lambda: self._kill(cid, spec, token))
        except OSError as exc:
            raise _wrap(exc, "reading command output", self.host) from exc
        finally:
            try:
                raw.close()
            except Exception:  # noqa: BLE001
                pass
            try:
                sock.close()
            except Exception:  # noqa: BLE001
                pass
        exit_code = TIMEOUT_EXIT_CODE
        if not timed_out:
            exit_code = self._exit_code(exec_id)
        return Outcome.from_capture(
            out, err, exit_code=exit_code, started=started, t0=t0, executor=self.name,
            timed_out=timed_out, container_id=cid,
        )

    def _exit_code(self, exec_id: str) -> int:
        api = self.client().api
        delay, waited = 0.0005, 0.0
        while waited < 10.0:  # the stream can end a moment before docker records the exit
            try:
                info = api.exec_inspect(exec_id)
            except Exception as exc:  # noqa: BLE001
                raise _wrap(exc, "exec_inspect", self.host) from exc
            if not info.get("Running") and info.get("ExitCode") is not None:
                code = int(info["ExitCode"])
                return code if code >= 0 else 128 + 9
            time.sleep(delay)
            waited += delay
            delay = min(delay * 2, 0.05)
        raise SandboxUnavailableError("docker did not report the exit code of the command")

    @staticmethod
    def _pump(
        sock: socket.socket,
        request: ExecRequest,
        out: CappedBuffer,
        err: CappedBuffer,
        deadline: float | None,
        kill: Callable[[], None],
    ) -> bool:
        """Demultiplex docker's framed stream into ``out``/``err`` until EOF; True if timed out."""
        pending = memoryview(request.stdin) if request.stdin else None
        if pending is None:
            _shutdown_write(sock)
        sock.setblocking(False)
        sel = selectors.DefaultSelector()
        sel.register(sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if pending is not None else 0))
        buf = bytearray()
        timed_out = False
        drain_until: float | None = None
        try:
            while True:
                now = time.monotonic()
                if deadline is not None and not timed_out and now >= deadline:
                    timed_out = True
                    kill()
                    drain_until = time.monotonic() + _KILL_GRACE
                if drain_until is not None and now >= drain_until:
                    break
                wait: float | None = None
                if deadline is not None and not timed_out:
                    wait = max(0.0, deadline - now)
                if drain_until is not None:
                    wait = max(0.0, drain_until - now)
                events = sel.select(wait)
                if not events:
                    continue
                mask = events[0][1]
                if mask & selectors.EVENT_WRITE and pending is not None:
                    # stdin is written as the command reads it, interleaved with reading its
                    # output, so a command that writes before reading cannot deadlock us
                    try:
                        n = sock.send(pending[: 1 << 16])
                    except (BlockingIOError, InterruptedError):
                        n = 0
                    except OSError:  # the command closed stdin / exited
                        n = len(pending)
                    pending = pending[n:]
                    if not pending:
                        pending = None
                        _shutdown_write(sock)
                        sel.modify(sock, selectors.EVENT_READ)
                if not mask & selectors.EVENT_READ:
                    continue
                try:
                    chunk = sock.recv(1 << 16)
                except (BlockingIOError, InterruptedError):
                    continue
                if not chunk:
                    break
                buf += chunk
                for stream, payload in _frames(buf):
                    (err if stream == 2 else out).feed(payload)
        finally:
            sel.close()
        return timed_out

    def _kill(self, cid: str, spec: SandboxSpec, token: str) -> None:
        """SIGKILL every process of the run identified by ``token`` inside the container."""
        api = self.client().api
        try:
            kid = api.exec_create(cid, ["/bin/sh", "-c", _KILL_SCRIPT], environment={"T": token}, user=spec.user)["Id"]
            api.exec_start(kid)
        except Exception:  # noqa: BLE001 - fall back to replacing the container
            self._remove_container(cid)

    # -- lifecycle --------------------------------------------------------------------------
    def close(self) -> None:
        """Remove our pooled containers (unless cleanup is off) and stop the pool."""
        self.pool.close(remove=self.cleanup)
        _LIVE.discard(self)


def _shutdown_write(sock: socket.socket) -> None:
    """Close our sending side: the command sees end of stdin."""
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def _frames(buf: bytearray) -> Iterator[tuple[int, bytes]]:
    """Pop complete docker stream frames (8-byte header: type, 0,0,0, big-endian size)."""
    while len(buf) >= 8:
        size = int.from_bytes(buf[4:8], "big")
        if len(buf) < 8 + size:
            return
        stream = buf[0]
        payload = bytes(buf[8 : 8 + size])
        del buf[: 8 + size]
        yield stream, payload


# -- maintenance (used by the executor on start and by `policy-router sandbox`) --------------
def list_managed(client: Any) -> list[dict[str, Any]]:
    """Every container with our label, as plain dicts (id, name, image, status, owner, ...)."""
    rows = []
    for c in client.api.containers(all=True, filters={"label": f"{LABEL_MANAGED}=1"}):
        labels = c.get("Labels") or {}
        owner = labels.get(LABEL_OWNER, "")
        rows.append(
            {
                "id": c["Id"],
                "name": (c.get("Names") or ["?"])[0].lstrip("/"),
                "image": c.get("Image"),
                "state": c.get("State"),
                "status": c.get("Status"),
                "owner": owner,
                "owner_alive": owner_alive(owner),
                "profile": labels.get(LABEL_PROFILE),
                "workspace": labels.get(LABEL_WORKSPACE),
                "created": float(labels.get(LABEL_CREATED, c.get("Created", 0)) or 0),
            }
        )
    return rows


def reap_orphans(client: Any, *, everything: bool = False) -> list[str]:
    """Remove our containers whose owner process on this host is dead (or all with ``everything``).

    Containers owned by live processes, and by processes on other hosts, are kept.
    Best effort: errors are swallowed (the next start tries again).
    """
    removed = []
    try:
        rows = list_managed(client)
    except Exception:  # noqa: BLE001
        return removed
    for row in rows:
        if everything or row["owner_alive"] is False:
            try:
                client.api.remove_container(row["id"], force=True)
                removed.append(row["id"])
            except Exception:  # noqa: BLE001
                pass
    return removed


def _factory(settings: Any) -> DockerExecutor:
    return DockerExecutor(
        ttl=getattr(settings, "sandbox_ttl", 3600.0),
        pool_size=getattr(settings, "sandbox_pool_size", 8),
        auto_pull=getattr(settings, "sandbox_auto_pull", False),
        cleanup=getattr(settings, "sandbox_cleanup", True),
        docker_host=getattr(settings, "docker_host", None),
        protect_git=getattr(settings, "sandbox_protect_git", True),
    )


@hookimpl
def policy_router_register_executors(registry: Any) -> None:
    """Register the built-in ``docker`` sandbox executor."""
    registry.add("docker", _factory)
