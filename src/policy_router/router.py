"""The Router: the facade a worker embeds. Decide a command line, then run it where the
policy says.

::

    with Router.from_config() as router:
        ev = router.decide("git status")          # Evaluation (cached, thread-safe)
        out = router.run("pytest -q", timeout=600) # Outcome; raises CommandDenied on deny

* ``deny``    → nothing runs; :class:`CommandDenied` carries the Evaluation.
* ``local``   → the ``executor`` setting (``local``: ``/bin/bash -c`` on the host).
* ``sandbox`` → the ``sandbox_executor`` setting (``docker``) with the Evaluation's profile.
  If the sandbox is unavailable, the policy's ``defaults.on_sandbox_unavailable`` decides:
  ``deny`` (the default) re-raises :class:`SandboxUnavailableError`; ``local`` runs on the
  host, logs a warning and writes a ``fallback`` audit record. Never silently.

Modes: the operator's ``mode`` setting (CLI/env/file) may be ``local``; a per-call ``mode``
may only be *stricter* than the setting (order local < auto < sandbox) — a looser one raises
:class:`ConfigError`, so a caller (an agent) cannot talk its way out of the sandbox.

Thread safety: ``decide``/``run`` may be called from any number of threads. Decisions are
cached in a bounded LRU keyed by ``(cmd, cwd, workspace, mode, trace)``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Mapping

from .audit import AuditLog, make_record
from .config import Settings
from .decision import Decision, Evaluation, Mode
from .errors import CommandDenied, ConfigError, ExecutorError, SandboxUnavailableError
from .executors.base import ExecRequest, Executor, Mount, Outcome, SandboxSpec, StreamCallback

if TYPE_CHECKING:  # pragma: no cover
    from .policy.model import Policy

__all__ = ["Router", "MODE_STRICTNESS"]

log = logging.getLogger("policy_router")

#: How strict each mode is; a per-call mode may not be below the configured one.
MODE_STRICTNESS = {Mode.LOCAL: 0, Mode.AUTO: 1, Mode.SANDBOX: 2}


class Router:
    """Decide and run shell command lines under a policy. See the module docstring."""

    def __init__(
        self,
        policy: "Policy | None" = None,
        *,
        settings: Settings | None = None,
        pm: Any = None,
        engine: Any = None,
        parser: Any = None,
    ):
        """``policy`` defaults to ``load_policy(settings.policy or None)``; ``pm`` to the
        process-wide plugin manager; ``engine`` (anything with ``evaluate(parsed, *, mode,
        cwd, workspace, trace)``) to ``Engine(policy, pm)``; ``parser`` (``str -> ParsedLine``) to
        :func:`policy_router.shell.parse`. ``engine`` and ``parser`` exist for tests and
        alternative front-ends."""
        self.settings = settings if settings is not None else Settings.load()
        if pm is None:
            from .plugins import default_plugin_manager

            pm = default_plugin_manager()
        self.pm = pm
        if policy is None:
            from .policy import load_policy

            policy = load_policy(list(self.settings.policy) or None, pm=pm)
        self.policy = policy
        if engine is None:
            from .engine import Engine

            engine = Engine(policy, pm)
        self.engine = engine
        if parser is None:
            from .shell import parse as parser
        self._parse = parser
        self._cache: OrderedDict[tuple[str, str, str, Mode, bool], Evaluation] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = self.settings.cache_size
        self.audit: AuditLog | None = AuditLog(self.settings.audit_log) if self.settings.audit_log else None
        self._executors: dict[str, Executor] = {}
        self._exec_lock = threading.Lock()
        self._registry = self._build_registry()
        self._closed = False

    @classmethod
    def from_config(
        cls,
        *,
        policy: "Policy | None" = None,
        pm: Any = None,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> "Router":
        """A Router whose settings come from ``overrides`` (CLI level) > env > config file
        (searched from ``cwd``) > defaults. Unknown override names raise ConfigError."""
        return cls(policy, settings=Settings.load(overrides, env=env, cwd=cwd), pm=pm)

    # -- executors --------------------------------------------------------------------------
    def _build_registry(self) -> Any:
        from .hookspecs import ExecutorRegistry

        reg = ExecutorRegistry()
        # Built-in executors (plugins.BUILTIN_PLUGINS) register through the same hook as
        # external ones; POLICY_ROUTER_DISABLE_PLUGINS can block either.
        self.pm.hook.policy_router_register_executors(registry=reg)
        return reg

    def executor(self, name: str) -> Executor:
        """The executor registered as ``name`` (created once per Router)."""
        ex = self._executors.get(name)
        if ex is not None:
            return ex
        with self._exec_lock:
            ex = self._executors.get(name)
            if ex is None:
                if self._closed:
                    raise ExecutorError("the Router is closed")
                factory = self._registry.get(name)
                if factory is None:
                    raise ExecutorError(
                        f"no executor named {name!r} (registered: {', '.join(self._registry.names()) or 'none'})"
                    )
                ex = factory(self.settings)
                self._executors[name] = ex
        return ex

    # -- deciding ---------------------------------------------------------------------------
    def _effective_mode(self, mode: Mode | str | None) -> Mode:
        base = self.settings.mode
        if mode is None:
            return base
        try:
            m = mode if isinstance(mode, Mode) else Mode(str(mode))
        except ValueError:
            raise ConfigError(f"mode must be one of auto, local, sandbox (got {mode!r})") from None
        if MODE_STRICTNESS[m] < MODE_STRICTNESS[base]:
            raise ConfigError(
                f"mode {m.value!r} is looser than the configured mode {base.value!r}; a caller may only "
                f"make the mode stricter (local is an operator setting: --mode / POLICY_ROUTER_MODE)"
            )
        return m

    def _workspace(self, cwd: str) -> str:
        return self.settings.workspace or cwd

    def _decide(
        self, cmd: str, cwd: str | None, mode: Mode | str | None, trace: bool = False
    ) -> tuple[Evaluation, str, str]:
        if cwd is None:
            cwd = os.getcwd()
        elif not cwd.startswith("/"):
            cwd = os.path.abspath(cwd)
        m = self._effective_mode(mode)
        workspace = self.settings.workspace or cwd
        key = (cmd, cwd, workspace, m, trace)
        if self._cache_size:
            with self._cache_lock:
                ev = self._cache.get(key)
                if ev is not None:
                    self._cache.move_to_end(key)
                    return ev, cwd, workspace
        if not isinstance(cmd, str):
            raise ConfigError(f"cmd must be a string (got {type(cmd).__name__})")
        parsed = self._parse(cmd)
        ev = self.engine.evaluate(parsed, mode=m, cwd=cwd, workspace=workspace, trace=trace)
        if self._cache_size:
            with self._cache_lock:
                self._cache[key] = ev
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return ev, cwd, workspace

    def decide(
        self, cmd: str, cwd: str | None = None, mode: Mode | str | None = None, *, trace: bool = False
    ) -> Evaluation:
        """The Evaluation of ``cmd`` (thread-safe, cached). Writes a ``decision`` audit record.

        ``trace=True`` also records the evaluation's trace events (what ``explain --trace``
        shows); it costs time, so the hot path leaves it off. Matches, deciding rules and
        locations are present either way."""
        ev, cwd_, _ = self._decide(cmd, cwd, mode, trace)
        if self.audit is not None:
            self.audit.write(make_record("decision", cmd, cwd=cwd_, evaluation=ev))
        return ev

    def cache_clear(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    # -- running ----------------------------------------------------------------------------
    def sandbox_spec(self, profile: str | None) -> SandboxSpec:
        """The SandboxSpec for a profile name (None: the policy's default profile).

        The profile gives image, network, limits, user and mounts; the settings fill in
        when the policy has no such profile. An explicitly set ``sandbox_image`` overrides
        the profile's image. A profile with ``network: true`` needs ``sandbox_network``.
        """
        s = self.settings
        name = profile or getattr(self.policy.defaults, "profile", None)
        prof = self.policy.profiles.get(name) if name else None
        if name and prof is None:
            raise ConfigError(f"sandbox profile {name!r} is not defined in the policy")
        if prof is None:
            return SandboxSpec(
                image=s.sandbox_image, profile=name or "default", network=None, memory=s.sandbox_memory,
                cpus=s.sandbox_cpus, pids=s.sandbox_pids, user=s.sandbox_user, shell=s.sandbox_shell,
            )
        network = None
        if prof.network:
            if not s.sandbox_network:
                raise ConfigError(
                    f"sandbox profile {prof.name!r} asks for network access but no sandbox_network is "
                    f"configured (POLICY_ROUTER_SANDBOX_NETWORK)"
                )
            network = s.sandbox_network
        image = s.sandbox_image if s.explicitly_set("sandbox_image") or not prof.image else prof.image
        return SandboxSpec(
            image=image, profile=prof.name, network=network, memory=prof.memory, cpus=prof.cpus,
            pids=prof.pids, user=prof.user, mounts=tuple(Mount(src, dst) for src, dst in prof.mounts),
            shell=s.sandbox_shell,
        )

    def run(
        self,
        cmd: str,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        stdin: bytes | str | None = None,
        mode: Mode | str | None = None,
        *,
        on_stdout: StreamCallback | None = None,
        on_stderr: StreamCallback | None = None,
    ) -> Outcome:
        """Decide ``cmd`` and run it where the policy says; returns the Outcome (with the
        Evaluation attached). Raises CommandDenied, SandboxUnavailableError (incl.
        ImageNotFoundError), ExecutorError or ConfigError. The command's own failure is
        data in the Outcome, not an exception.

        ``env`` is the complete environment locally; in a sandbox it is added to the
        image's environment. ``timeout`` defaults to the ``timeout`` setting.
        """
        ev, cwd_, workspace = self._decide(cmd, cwd, mode)
        timeout = timeout if timeout is not None else self.settings.timeout
        base = dict(cmd=cmd, cwd=cwd_, env=env, stdin=stdin, timeout=timeout, output_cap=self.settings.output_cap,
                    on_stdout=on_stdout, on_stderr=on_stderr)
        if ev.decision is Decision.DENY:
            self._audit("denied", cmd, cwd_, ev)
            raise CommandDenied(ev)
        if ev.decision is Decision.LOCAL:
            return self._run_with(self.settings.executor, ExecRequest(**base), ev, cwd_)
        try:
            spec = self.sandbox_spec(ev.profile)
            request = ExecRequest(**base, workspace=workspace, sandbox=spec)
            return self._run_with(self.settings.sandbox_executor, request, ev, cwd_)
        except SandboxUnavailableError as exc:
            fallback = getattr(self.policy.defaults, "on_sandbox_unavailable", Decision.DENY)
            if fallback is Decision.LOCAL or fallback == "local":
                log.warning("sandbox unavailable (%s); the policy allows running on the host: %r", exc, cmd)
                self._audit("fallback", cmd, cwd_, ev, error=str(exc))
                return self._run_with(self.settings.executor, ExecRequest(**base), ev, cwd_)
            raise

    def _run_with(self, executor_name: str, request: ExecRequest, ev: Evaluation, cwd: str) -> Outcome:
        try:
            outcome = self.executor(executor_name).run(request)
        except ExecutorError as exc:
            self._audit("error", request.cmd, cwd, ev, executor=executor_name, error=str(exc))
            raise
        outcome = outcome.with_evaluation(ev)
        self._audit("run", request.cmd, cwd, ev, outcome=outcome)
        return outcome

    def _audit(self, kind: str, cmd: str, cwd: str, ev: Evaluation, **kw: Any) -> None:
        if self.audit is not None:
            self.audit.write(make_record(kind, cmd, cwd=cwd, evaluation=ev, **kw))

    async def arun(
        self,
        cmd: str,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        stdin: bytes | str | None = None,
        mode: Mode | str | None = None,
        **kw: Any,
    ) -> Outcome:
        """:meth:`run` in a worker thread, for asyncio callers (the event loop is not blocked)."""
        return await asyncio.to_thread(self.run, cmd, cwd, env, timeout, stdin, mode, **kw)

    async def adecide(self, cmd: str, cwd: str | None = None, mode: Mode | str | None = None) -> Evaluation:
        """:meth:`decide` in a worker thread."""
        return await asyncio.to_thread(self.decide, cmd, cwd, mode)

    # -- lifecycle --------------------------------------------------------------------------
    def close(self) -> None:
        """Close every executor (the docker one removes its containers unless cleanup=false)."""
        with self._exec_lock:
            self._closed = True
            executors = list(self._executors.values())
            self._executors.clear()
        for ex in executors:
            try:
                ex.close()
            except Exception as exc:  # noqa: BLE001 - closing is best effort
                log.warning("closing executor %s failed: %s", getattr(ex, "name", ex), exc)

    def __enter__(self) -> "Router":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
