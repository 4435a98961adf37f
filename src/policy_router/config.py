"""Settings and where each one came from.

Precedence, highest first::

    CLI flags  >  environment  >  config file  >  defaults

* **Environment**: ``POLICY_ROUTER_<NAME>`` for every setting (upper-case field name),
  plus the seed system's ``STIGMER_*`` aliases for five of them. When both names are set,
  ours wins.
* **Config file**: the first ``policy-router.toml`` (top-level keys) or ``pyproject.toml``
  with a ``[tool.policy-router]`` table found from the working directory upward
  (``policy-router.toml`` wins within one directory). Relative paths in a file are
  relative to that file's directory.
* A bad value raises :class:`ConfigError` naming the variable, key or flag and its source.

``Settings.sources`` maps every field to ``"default"``, ``"cli"``, ``"env:NAME"`` or
``"file:PATH"``; ``policy-router config`` prints both.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from .decision import Mode
from .errors import ConfigError

__all__ = ["Settings", "SETTINGS_DOC", "ENV_PREFIX", "ALIASES", "find_config_file", "parse_bool"]

ENV_PREFIX = "POLICY_ROUTER_"

#: Seed-system env names accepted as aliases (ours wins when both are set).
ALIASES: dict[str, str] = {
    "mode": "STIGMER_EXECUTION_MODE",
    "sandbox_image": "STIGMER_SANDBOX_IMAGE",
    "sandbox_auto_pull": "STIGMER_SANDBOX_AUTO_PULL",
    "sandbox_cleanup": "STIGMER_SANDBOX_CLEANUP",
    "sandbox_ttl": "STIGMER_SANDBOX_TTL",
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def parse_bool(value: Any, where: str) -> bool:
    """``true/false/1/0/yes/no/on/off`` (case-insensitive) or a bool; else ConfigError."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE:
        return True
    if isinstance(value, str) and value.strip().lower() in _FALSE:
        return False
    raise ConfigError(f"{where}: expected a boolean (true/false/1/0/yes/no/on/off) (got {value!r})")


def _mode(value: Any, where: str) -> Mode:
    if isinstance(value, Mode):
        return value
    try:
        return Mode(str(value).strip().lower())
    except ValueError:
        raise ConfigError(f"{where}: expected one of auto, local, sandbox (got {value!r})") from None


def _number(lo: float, hi: float, *, integer: bool = False, optional: bool = False) -> Callable[[Any, str], Any]:
    def conv(value: Any, where: str) -> Any:
        if optional and (value is None or (isinstance(value, str) and value.strip().lower() in ("", "none"))):
            return None
        if isinstance(value, bool):
            raise ConfigError(f"{where}: expected a number (got {value!r})")
        try:
            n = int(value) if integer and not isinstance(value, float) else float(value)
        except (TypeError, ValueError):
            kind = "an integer" if integer else "a number"
            raise ConfigError(f"{where}: expected {kind} (got {value!r})") from None
        if integer and isinstance(value, float):
            raise ConfigError(f"{where}: expected an integer (got {value!r})")
        if isinstance(n, float) and not math.isfinite(n) or not lo <= n <= hi:
            raise ConfigError(f"{where}: expected a value between {lo:g} and {hi:g} (got {value!r})")
        return n

    return conv


def _text(*, optional: bool = False, absolute: bool = False) -> Callable[[Any, str], Any]:
    def conv(value: Any, where: str) -> Any:
        if optional and (value is None or value == ""):
            return None
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: expected a non-empty string (got {value!r})")
        if absolute and not value.startswith("/"):
            raise ConfigError(f"{where}: expected an absolute path (got {value!r})")
        return value

    return conv


#: ASCII digits only: str.isdigit() also accepts '²' and other digits int() rejects.
_DIGITS = re.compile(r"[0-9]+")


def _user(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: expected 'uid:gid' (got {value!r})")
    parts = value.split(":")
    if len(parts) > 2 or not all(_DIGITS.fullmatch(p) for p in parts):
        raise ConfigError(f"{where}: expected numeric 'uid:gid' such as 65534:65534 (got {value!r})")
    if parts[0] == "0":
        raise ConfigError(f"{where}: the sandbox user must not be root (got {value!r})")
    return value


def _memory(value: Any, where: str) -> str:
    s = str(value).strip().lower()
    num = s[:-1] if s and s[-1] in "bkmg" else s
    if not _DIGITS.fullmatch(num) or int(num) == 0:
        raise ConfigError(f"{where}: expected a docker memory size such as 512m or 1g (got {value!r})")
    return s


def _paths(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        items = [p for p in value.split(os.pathsep) if p]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise ConfigError(f"{where}: expected a path or a list of paths (got {value!r})")
    for p in items:
        if not isinstance(p, str) or not p:
            raise ConfigError(f"{where}: expected a path (got {p!r})")
    return tuple(items)


def _network(value: Any, where: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a docker network name (got {value!r})")
    if value == "host":
        raise ConfigError(f"{where}: 'host' networking is refused for sandboxes")
    return value


@dataclass(frozen=True, slots=True)
class _Spec:
    conv: Callable[[Any, str], Any]
    doc: str
    is_path: bool = False


_SPECS: dict[str, _Spec] = {
    "mode": _Spec(_mode, "auto: the policy decides; sandbox: nothing runs on the host; local: operator override, everything not denied runs on the host"),
    "policy": _Spec(_paths, "policy files, layered in order (env: separated by ':'); empty = the shipped default policy", is_path=True),
    "audit_log": _Spec(_text(optional=True), "JSONL audit log path; empty = no audit log", is_path=True),
    "executor": _Spec(_text(), "executor for `local` decisions"),
    "sandbox_executor": _Spec(_text(), "executor for `sandbox` decisions"),
    "shell": _Spec(_text(absolute=True), "shell used by the local executor (`SHELL -c CMD`)"),
    "local_git_hardening": _Spec(parse_bool, "local runs get git config overrides in their environment (GIT_CONFIG_COUNT…) that stop a repository's config from making git run programs (core.fsmonitor, core.hooksPath, core.pager, …)"),
    "timeout": _Spec(_number(0.001, 7 * 86400, optional=True), "default timeout in seconds; empty = none"),
    "output_cap": _Spec(_number(0, 1 << 40, integer=True), "bytes of stdout and of stderr captured per run"),
    "workspace": _Spec(_text(optional=True), "host directory mounted read-write in the sandbox; empty = the run's cwd", is_path=True),
    "cache_size": _Spec(_number(0, 10_000_000, integer=True), "decision cache entries (0 disables it)"),
    "sandbox_image": _Spec(_text(), "image when a profile names none; when set explicitly (env/file/CLI) it overrides every profile's image"),
    "sandbox_auto_pull": _Spec(parse_bool, "pull a missing sandbox image from its registry"),
    "sandbox_cleanup": _Spec(parse_bool, "remove our containers on exit; false keeps them for debugging"),
    "sandbox_ttl": _Spec(_number(1, 30 * 86400), "seconds an idle warm container is kept"),
    "sandbox_pool_size": _Spec(_number(1, 1000, integer=True), "most warm containers kept per Router"),
    "sandbox_network": _Spec(_network, "existing docker network for profiles with network: true; empty = such profiles cannot run"),
    "sandbox_user": _Spec(_user, "uid:gid inside the sandbox when the profile names none"),
    "sandbox_memory": _Spec(_memory, "memory limit when the profile names none"),
    "sandbox_cpus": _Spec(_number(0.01, 1024), "CPU limit when the profile names none"),
    "sandbox_pids": _Spec(_number(8, 1 << 22, integer=True), "process limit when the profile names none"),
    "sandbox_shell": _Spec(_text(absolute=True), "shell inside the sandbox image"),
    "sandbox_protect_git": _Spec(parse_bool, "mount the workspace repository's .git/config and .git/hooks read-only in the sandbox (and pin .git itself), so sandboxed commands cannot plant code for later local git commands"),
    "docker_host": _Spec(_text(optional=True), "docker daemon URL; empty = DOCKER_HOST or the default socket"),
}

#: Human description of every setting, for docs and ``policy-router config``.
SETTINGS_DOC: dict[str, str] = {k: v.doc for k, v in _SPECS.items()}

_CONFIG_FILE = "policy-router.toml"


def find_config_file(start: str | os.PathLike[str] | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The nearest config file from ``start`` upward and its policy-router table, or None."""
    here = Path(start or os.getcwd()).resolve()
    for d in (here, *here.parents):
        own = d / _CONFIG_FILE
        if own.is_file():
            return own, _read_toml(own)
        py = d / "pyproject.toml"
        if py.is_file():
            data = _read_toml(py)
            table = data.get("tool", {}).get("policy-router")
            if table is not None:
                if not isinstance(table, dict):
                    raise ConfigError(f"{py}: [tool.policy-router] must be a table")
                return py, table
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Settings:
    """The effective settings. Build with :meth:`Settings.load`; ``Settings()`` is the defaults."""

    mode: Mode = Mode.AUTO
    policy: tuple[str, ...] = ()
    audit_log: str | None = None
    executor: str = "local"
    sandbox_executor: str = "docker"
    shell: str = "/bin/bash"
    local_git_hardening: bool = True
    timeout: float | None = None
    output_cap: int = 10 * 1024 * 1024
    workspace: str | None = None
    cache_size: int = 4096
    sandbox_image: str = "policy-router-sandbox:basic"
    sandbox_auto_pull: bool = False
    sandbox_cleanup: bool = True
    sandbox_ttl: float = 3600.0
    sandbox_pool_size: int = 8
    sandbox_network: str | None = None
    sandbox_user: str = "65534:65534"
    sandbox_memory: str = "1g"
    sandbox_cpus: float = 1.0
    sandbox_pids: int = 256
    sandbox_shell: str = "/bin/bash"
    sandbox_protect_git: bool = True
    docker_host: str | None = None
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)
    config_file: str | None = field(default=None, compare=False)

    def source(self, name: str) -> str:
        """Where setting ``name`` came from (``default`` when not recorded)."""
        return self.sources.get(name, "default")

    def explicitly_set(self, name: str) -> bool:
        return self.source(name) != "default"

    def items(self) -> list[tuple[str, Any, str]]:
        """``(name, value, source)`` for every setting, in declaration order."""
        return [(n, getattr(self, n), self.source(n)) for n in _SPECS]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for n, v, src in self.items():
            if isinstance(v, Mode):
                v = v.value
            elif isinstance(v, tuple):
                v = list(v)
            out[n] = {"value": v, "source": src}
        return out

    def replace(self, **overrides: Any) -> "Settings":
        """A copy with ``overrides`` applied as CLI-level settings (validated)."""
        values = {n: getattr(self, n) for n in _SPECS}
        sources = dict(self.sources)
        for k, v in overrides.items():
            if v is None and k not in ("audit_log", "timeout", "workspace", "sandbox_network", "docker_host"):
                continue
            if k not in _SPECS:
                raise ConfigError(f"unknown setting {k!r}")
            values[k] = _SPECS[k].conv(v, f"setting {k}")
            sources[k] = "cli"
        return Settings(**values, sources=sources, config_file=self.config_file)

    @classmethod
    def load(
        cls,
        cli: Mapping[str, Any] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        config_file: str | os.PathLike[str] | None = None,
        use_file: bool = True,
    ) -> "Settings":
        """Resolve every setting from CLI values, env, the config file and defaults.

        ``cli`` values that are None are treated as "not given". ``env`` defaults to
        ``os.environ``. ``config_file`` forces a file instead of searching from ``cwd``.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        found: tuple[Path, dict[str, Any]] | None = None
        if config_file is not None:
            p = Path(config_file)
            data = _read_toml(p)
            if p.name == "pyproject.toml":
                data = data.get("tool", {}).get("policy-router", {})
            found = (p.resolve(), data)
        elif use_file:
            found = find_config_file(cwd)
        if found is not None:
            path, table = found
            for key, raw in table.items():
                name = key.replace("-", "_")
                if name not in _SPECS:
                    raise ConfigError(
                        f"{path}: unknown setting {key!r} (known: {', '.join(_SPECS)})"
                    )
                val = _SPECS[name].conv(raw, f"{path}: {key}")
                val = _resolve_paths(name, val, path.parent)
                values[name] = val
                sources[name] = f"file:{path}"
        for name, spec in _SPECS.items():
            ours = ENV_PREFIX + name.upper()
            alias = ALIASES.get(name)
            for var in (alias, ours):  # ours last, so it wins
                if var is None or var not in env:
                    continue
                raw = env[var]
                if raw == "" and name not in ("audit_log", "timeout", "workspace", "sandbox_network", "docker_host", "policy"):
                    raise ConfigError(f"environment variable {var} is set but empty")
                values[name] = spec.conv(raw, f"environment variable {var}")
                sources[name] = f"env:{var}"
        for name, raw in (cli or {}).items():
            if raw is None:
                continue
            if name not in _SPECS:
                raise ConfigError(f"unknown setting {name!r}")
            values[name] = _SPECS[name].conv(raw, f"command-line option for {name}")
            sources[name] = "cli"
        return cls(**values, sources=sources, config_file=str(found[0]) if found else None)


def _resolve_paths(name: str, value: Any, base: Path) -> Any:
    if not _SPECS[name].is_path or value is None:
        return value
    if isinstance(value, tuple):
        return tuple(str((base / p).resolve()) if not os.path.isabs(p) else p for p in value)
    return value if os.path.isabs(value) else str((base / value).resolve())


# Keep the dataclass fields and the spec table in step (checked at import).
_fields = [f.name for f in dataclasses.fields(Settings) if f.name not in ("sources", "config_file")]
if _fields != list(_SPECS):  # pragma: no cover - a programming error
    raise RuntimeError(f"Settings fields and _SPECS differ: {_fields} vs {list(_SPECS)}")
