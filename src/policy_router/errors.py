"""The one exception tree of policy-router.

Every error carries a stable ``code`` string and, where it has one, a
:class:`Location`. Third-party exceptions (bashlex, tree-sitter, docker,
requests, yaml, jsonschema) are wrapped at the module boundary that talks to
that library; none of them escapes to callers.

::

    PolicyRouterError                 code            CLI exit
    ├── ShellParseError               parse-error       (internal; a parse failure is data in ParsedLine)
    ├── PolicyError                   policy-error      2
    │   └── PolicyLoadError           (many PolicyIssue, sorted by location)
    ├── PluginError                   plugin-error      2
    ├── ConfigError                   config-error      2
    ├── ExecutorError                 executor-error    125
    │   ├── SandboxUnavailableError   sandbox-unavailable
    │   ├── ImageNotFoundError        image-not-found
    │   └── ExecutionTimeoutError     timeout           124
    └── CommandDenied                 denied            126   (carries the Evaluation)

A :class:`PolicyLoadError` renders like OPA's errors::

    3 errors occurred:
    policies/a.yaml:4:5: schema: 'decision' must be one of local, sandbox, deny (got 'allow')
    ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:  # pragma: no cover
    from .decision import Evaluation

__all__ = [
    "Location",
    "PolicyRouterError",
    "ShellParseError",
    "PolicyError",
    "PolicyIssue",
    "PolicyLoadError",
    "PluginError",
    "ConfigError",
    "ExecutorError",
    "SandboxUnavailableError",
    "ImageNotFoundError",
    "ExecutionTimeoutError",
    "CommandDenied",
]


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in a file (policy) or in a command string (``file`` is ``"<cmd>"``).

    ``line`` and ``col`` are 1-based; 0 means unknown.
    """

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line and self.col:
            return f"{self.file}:{self.line}:{self.col}"
        if self.line:
            return f"{self.file}:{self.line}"
        return self.file

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "col": self.col}


class PolicyRouterError(Exception):
    """Root of every error policy-router raises."""

    code: str = "error"
    exit_code: int = 1

    def __init__(self, message: str, *, location: Location | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.location = location
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        if self.location is not None:
            return f"{self.location}: {self.code}: {self.message}"
        return self.message


class ShellParseError(PolicyRouterError):
    """A command string could not be parsed. Normally recorded in ParsedLine.errors, not raised."""

    code = "parse-error"


class PolicyError(PolicyRouterError):
    """Something is wrong with a policy."""

    code = "policy-error"
    exit_code = 2


@dataclass(frozen=True, slots=True)
class PolicyIssue:
    """One problem found while loading a policy; many are collected before raising."""

    location: Location
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.code}: {self.message}"

    def sort_key(self) -> tuple:
        return (self.location.file, self.location.line, self.location.col, self.code, self.message)


class PolicyLoadError(PolicyError):
    """Raised after loading collected one or more :class:`PolicyIssue`.

    A policy with any issue is never used, not even partly.
    """

    def __init__(self, issues: Iterable[PolicyIssue]):
        self.issues: tuple[PolicyIssue, ...] = tuple(sorted(issues, key=PolicyIssue.sort_key))
        n = len(self.issues)
        head = "1 error occurred:" if n == 1 else f"{n} errors occurred:"
        body = "\n".join(str(i) for i in self.issues)
        first = self.issues[0].location if self.issues else None
        super().__init__(f"{head}\n{body}", location=first, code="policy-load")

    def __str__(self) -> str:
        return self.message


class PluginError(PolicyRouterError):
    """A plugin failed to load, or a hook broke its contract."""

    code = "plugin-error"
    exit_code = 2


class ConfigError(PolicyRouterError):
    """A setting has a bad value; the message names the setting and its source."""

    code = "config-error"
    exit_code = 2


class ExecutorError(PolicyRouterError):
    """An executor could not run a command."""

    code = "executor-error"
    exit_code = 125


class SandboxUnavailableError(ExecutorError):
    """The sandbox backend (e.g. the Docker daemon) cannot be reached or used."""

    code = "sandbox-unavailable"


class ImageNotFoundError(SandboxUnavailableError):
    """The sandbox image is not present locally and could not (or may not) be pulled."""

    code = "image-not-found"


class ExecutionTimeoutError(ExecutorError):
    """Raised only by callers that ask for it; executors report timeouts in the Outcome."""

    code = "timeout"
    exit_code = 124


class CommandDenied(PolicyRouterError):
    """The policy denied the command. Carries the full Evaluation."""

    code = "denied"
    exit_code = 126

    def __init__(self, evaluation: "Evaluation"):
        self.evaluation = evaluation
        rules = ", ".join(
            f"{m.rule_id} ({m.location})" if m.location else m.rule_id for m in evaluation.deciding
        ) or "policy default"
        super().__init__(f"denied by {rules}: {evaluation.cmd!r}")
