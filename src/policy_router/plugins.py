"""The plugin manager: hook specs, built-in plugins, entry points, a blocklist, tracing.

Order (tox / datasette style): the modules in :data:`BUILTIN_PLUGINS` are registered first,
under their module path as plugin name; then setuptools entry points of group
``policy_router``; then ``check_pending()`` verifies that every hook implementation matches a
spec.

Environment:

* ``POLICY_ROUTER_DISABLE_PLUGINS`` — comma-separated plugin names (module path of a built-in,
  or entry-point name) that are blocked and never registered.
* ``POLICY_ROUTER_TRACE_HOOKS=1`` — every hook call is traced to stderr.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import weakref
from typing import Mapping

import pluggy

from . import hookspecs
from .errors import PluginError
from .hookspecs import ExecutorRegistry, MatcherRegistry

__all__ = [
    "PROJECT_NAME",
    "ENTRYPOINT_GROUP",
    "BUILTIN_PLUGINS",
    "get_plugin_manager",
    "default_plugin_manager",
    "matcher_registry",
    "executor_registry",
]

PROJECT_NAME = "policy_router"
ENTRYPOINT_GROUP = "policy_router"

#: Module paths of the built-in plugins, registered before entry points.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "policy_router.matchers",
    "policy_router.executors.local",
    "policy_router.executors.docker",
)

_DISABLE_ENV = "POLICY_ROUTER_DISABLE_PLUGINS"
_TRACE_ENV = "POLICY_ROUTER_TRACE_HOOKS"


def _blocked_names(environ: Mapping[str, str]) -> set[str]:
    raw = environ.get(_DISABLE_ENV, "")
    return {n.strip() for n in raw.split(",") if n.strip()}


def get_plugin_manager(
    *, load_entrypoints: bool = True, environ: Mapping[str, str] | None = None
) -> pluggy.PluginManager:
    """Build a new plugin manager with the hook specs, the built-in plugins and (unless
    ``load_entrypoints`` is False) the ``policy_router`` entry points.

    Raises :class:`PluginError` when a plugin cannot be imported or implements an unknown hook.
    """
    env = os.environ if environ is None else environ
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    blocked = _blocked_names(env)
    for name in blocked:
        pm.set_blocked(name)
    for modpath in BUILTIN_PLUGINS:
        if modpath in blocked:
            continue
        try:
            module = importlib.import_module(modpath)
        except ImportError as exc:
            raise PluginError(f"cannot import built-in plugin {modpath!r}: {exc}") from exc
        pm.register(module, name=modpath)
    if load_entrypoints:
        try:
            pm.load_setuptools_entrypoints(ENTRYPOINT_GROUP)
        except Exception as exc:  # an external plugin failed to import
            raise PluginError(f"cannot load a {ENTRYPOINT_GROUP!r} entry point: {exc}") from exc
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(str(exc)) from exc
    if env.get(_TRACE_ENV, "") not in ("", "0"):
        pm.trace.root.setwriter(sys.stderr.write)
        pm.enable_tracing()
    return pm


_default_lock = threading.Lock()
_default_pm: pluggy.PluginManager | None = None


def default_plugin_manager() -> pluggy.PluginManager:
    """A process-wide plugin manager built once by :func:`get_plugin_manager` (thread-safe)."""
    global _default_pm
    with _default_lock:
        if _default_pm is None:
            _default_pm = get_plugin_manager()
        return _default_pm


_matchers_cache: "weakref.WeakKeyDictionary[pluggy.PluginManager, MatcherRegistry]" = (
    weakref.WeakKeyDictionary()
)
_cache_lock = threading.Lock()


def _call_each(pm: pluggy.PluginManager, hookname: str, registry: object) -> None:
    """Call every implementation of a registration hook, telling the registry which plugin
    is registering (so duplicates can name it)."""
    caller = getattr(pm.hook, hookname)
    # pluggy calls implementations last-registered-first; registration should follow
    # registration order, so built-ins register their keys first.
    for impl in caller.get_hookimpls():
        setattr(registry, "_current_plugin", impl.plugin_name)
        try:
            impl.function(registry)
        except PluginError:
            raise
        except Exception as exc:
            raise PluginError(f"plugin {impl.plugin_name!r} failed in {hookname}: {exc}") from exc


def matcher_registry(pm: pluggy.PluginManager | None = None) -> MatcherRegistry:
    """The match keys registered by ``pm``'s plugins (built once per plugin manager)."""
    pm = pm if pm is not None else default_plugin_manager()
    with _cache_lock:
        reg = _matchers_cache.get(pm)
        if reg is None:
            reg = MatcherRegistry()
            _call_each(pm, "policy_router_register_matchers", reg)
            reg._current_plugin = ""
            _matchers_cache[pm] = reg
        return reg


def executor_registry(pm: pluggy.PluginManager | None = None) -> ExecutorRegistry:
    """A fresh :class:`ExecutorRegistry` filled by ``pm``'s ``policy_router_register_executors``."""
    pm = pm if pm is not None else default_plugin_manager()
    reg = ExecutorRegistry()
    pm.hook.policy_router_register_executors(registry=reg)
    return reg
