"""policy-router: decide per shell command whether it runs locally, in a sandbox, or not at all.

The public API is re-exported here (httpx style) and pinned by ``tests/unit/test_public_api.py``.
Heavy modules (the parsers, the docker SDK) are imported on first use of a name, so
``import policy_router`` stays cheap for plugins that only need :data:`hookimpl`.

::

    from policy_router import Router
    with Router.from_config() as router:
        ev = router.decide("ls -la && git status")   # Evaluation: decision, deciding rules, commands
        out = router.run("pytest -q")                # Outcome; raises CommandDenied on deny
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

import pluggy

__version__ = "0.1.0"

#: Marker for plugin hook implementations: ``@hookimpl def policy_router_register_matchers(registry): ...``
hookimpl = pluggy.HookimplMarker("policy_router")

# public name -> defining module (relative to this package)
_EXPORTS: dict[str, str] = {
    # facade and settings
    "Router": ".router",
    "Settings": ".config",
    # parsing
    "parse": ".shell",
    "ParsedLine": ".shell.model",
    "Command": ".shell.model",
    "Word": ".shell.model",
    "Redirect": ".shell.model",
    "Marker": ".shell.model",
    "Ctx": ".shell.model",
    # policies and decisions
    "load_policy": ".policy",
    "Policy": ".policy.model",
    "Rule": ".policy.model",
    "Engine": ".engine",
    "Decision": ".decision",
    "Mode": ".decision",
    "Evaluation": ".decision",
    "RuleMatch": ".decision",
    "CommandVerdict": ".decision",
    # execution
    "ExecRequest": ".executors.base",
    "Outcome": ".executors.base",
    # errors
    "Location": ".errors",
    "PolicyRouterError": ".errors",
    "PolicyError": ".errors",
    "PolicyLoadError": ".errors",
    "PluginError": ".errors",
    "ConfigError": ".errors",
    "ExecutorError": ".errors",
    "SandboxUnavailableError": ".errors",
    "ImageNotFoundError": ".errors",
    "CommandDenied": ".errors",
}

__all__ = ["__version__", "hookimpl", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'policy_router' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .config import Settings
    from .decision import CommandVerdict, Decision, Evaluation, Mode, RuleMatch
    from .engine import Engine
    from .errors import (
        CommandDenied,
        ConfigError,
        ExecutorError,
        ImageNotFoundError,
        Location,
        PluginError,
        PolicyError,
        PolicyLoadError,
        PolicyRouterError,
        SandboxUnavailableError,
    )
    from .executors.base import ExecRequest, Outcome
    from .policy import load_policy
    from .policy.model import Policy, Rule
    from .router import Router
    from .shell import parse
    from .shell.model import Command, Ctx, Marker, ParsedLine, Redirect, Word
