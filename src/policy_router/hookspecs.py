"""Every hook of policy-router, typed and documented, plus the registry objects hooks receive.

Hooks are prefixed ``policy_router_``. Registration hooks follow tox's shape: the hook
receives a *registry* and the plugin calls ``registry.add(...)`` (no list of return values).
docs/hooks.md documents each hook under a heading ``name(args)``; a test enforces it.

Plugins implement hooks with the marker exported by the package::

    from policy_router import hookimpl

    @hookimpl
    def policy_router_register_matchers(registry):
        registry.add("uid", schema={"type": "integer"}, compile=..., doc="...")
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

import pluggy

from .errors import PluginError

if TYPE_CHECKING:  # pragma: no cover
    from .decision import Decision, Evaluation
    from .policy.model import Policy
    from .shell.model import Command

__all__ = [
    "hookspec",
    "Predicate",
    "CompileFn",
    "MatcherSpec",
    "MatcherRegistry",
    "ExecutorRegistry",
    "policy_router_register_matchers",
    "policy_router_register_executors",
    "policy_router_adjust_decision",
]

hookspec = pluggy.HookspecMarker("policy_router")

#: A compiled match key: ``predicate(command, ctx) -> bool`` where ``ctx`` is a
#: :class:`policy_router.matchers.MatchContext` for that command.
Predicate = Callable[["Command", Any], bool]

#: ``compile(value, ctx) -> Predicate``; ``ctx`` is a :class:`policy_router.matchers.CompileContext`.
CompileFn = Callable[[Any, Any], Predicate]


@dataclass(frozen=True, slots=True)
class MatcherSpec:
    """One match key: its name, the JSON Schema fragment of its value, the compile
    function, a one-line doc and the name of the plugin that registered it."""

    key: str
    schema: Mapping[str, Any]
    compile: CompileFn
    doc: str = ""
    plugin: str = ""


class MatcherRegistry:
    """Collects match keys during ``policy_router_register_matchers``.

    Keys are unique: registering a key twice raises :class:`PluginError`.
    """

    def __init__(self) -> None:
        self._specs: dict[str, MatcherSpec] = {}
        self._current_plugin = ""

    def add(
        self,
        key: str,
        *,
        schema: Mapping[str, Any],
        compile: CompileFn,
        doc: str = "",
    ) -> None:
        """Register match key ``key``. ``schema`` is the JSON Schema (draft 2020-12) of its
        value; it may refer to ``{"$ref": "#/$defs/match"}`` for nested match objects.
        ``compile(value, ctx)`` is called once per rule at engine construction and returns a
        predicate ``(command, match_ctx) -> bool``."""
        if not isinstance(key, str) or not key.isidentifier():
            raise PluginError(f"matcher key must be an identifier (got {key!r})")
        if key in self._specs:
            other = self._specs[key].plugin or "?"
            raise PluginError(f"matcher key {key!r} registered twice (first by {other})")
        if not callable(compile):
            raise PluginError(f"matcher {key!r}: compile must be callable (got {compile!r})")
        self._specs[key] = MatcherSpec(key, dict(schema), compile, doc, self._current_plugin)

    def get(self, key: str) -> MatcherSpec | None:
        """The spec for ``key`` or None."""
        return self._specs.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._specs

    def __iter__(self) -> Iterator[MatcherSpec]:
        return iter(self._specs.values())

    def keys(self) -> list[str]:
        """Registered keys in registration order."""
        return list(self._specs)


@dataclass(slots=True)
class ExecutorRegistry:
    """Collects executor factories during ``policy_router_register_executors``.

    ``add(name, factory)`` registers ``factory(settings) -> Executor`` under ``name``
    (e.g. ``"local"``, ``"docker"``). Names are unique; a duplicate raises PluginError.
    """

    _factories: dict[str, Callable[[Any], Any]] = field(default_factory=dict)

    def add(self, name: str, factory: Callable[[Any], Any]) -> None:
        """Register ``factory`` (``Callable[[Settings], Executor]``) as executor ``name``."""
        if not isinstance(name, str) or not name:
            raise PluginError(f"executor name must be a non-empty string (got {name!r})")
        if name in self._factories:
            raise PluginError(f"executor {name!r} registered twice")
        if not callable(factory):
            raise PluginError(f"executor {name!r}: factory must be callable (got {factory!r})")
        self._factories[name] = factory

    def get(self, name: str) -> Callable[[Any], Any] | None:
        """The factory registered as ``name`` or None."""
        return self._factories.get(name)

    def names(self) -> list[str]:
        """Registered executor names in registration order."""
        return list(self._factories)


@hookspec
def policy_router_register_matchers(registry: MatcherRegistry) -> None:
    """Register match keys usable in policy ``match`` objects.

    :param registry: call ``registry.add(key, schema=..., compile=..., doc=...)`` for each key.

    Called once per plugin manager (the result is cached). Built-in keys are registered the
    same way by :mod:`policy_router.matchers`. A plugin key appears in ``schema()`` and is
    validated like a built-in key.
    """


@hookspec
def policy_router_register_executors(registry: ExecutorRegistry) -> None:
    """Register executors that run commands.

    :param registry: call ``registry.add(name, factory)``; ``factory(settings)`` returns an
        object following the ``Executor`` protocol of ``policy_router.executors.base``.
    """


@hookspec
def policy_router_adjust_decision(evaluation: "Evaluation", policy: "Policy") -> "Decision | None":
    """Make the policy decision of a line stricter.

    :param evaluation: the Evaluation as the policy alone decided it (mode ``auto``).
    :param policy: the loaded Policy.
    :return: a ``Decision`` (or its string value) or None for "no opinion".

    The engine takes the maximum of the policy decision and every returned value, so a hook
    can only make a decision stricter: a weaker value is ignored (and traced). A value that
    is not a decision raises :class:`PluginError`.
    """
