"""The intermediate representation (IR) of a parsed command line.

Everything here is a frozen dataclass: the parser builds it once and the
engine, matchers, explain and plugins only read it. Nothing in this module
imports bashlex or tree-sitter.

Offsets (``span``) are *character* offsets into the string that was given to
:func:`policy_router.shell.parse` (not bytes), end-exclusive. For commands
found inside nested shell text (``bash -c '...'``, ``eval '...'``, heredocs
fed to a shell), the span is that of the outermost word that carried the
nested text, so a caret in ``explain`` always points into the user's input.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

__all__ = [
    "Span",
    "Word",
    "Assignment",
    "RedirectMode",
    "Redirect",
    "Ctx",
    "PipelinePos",
    "Marker",
    "DYNAMIC_MARKERS",
    "Command",
    "ParseIssue",
    "ParsedLine",
    "SYSTEM_BIN_DIRS",
]

Span = tuple[int, int]

#: Directories whose programs are the "system" tool of that name: ``/usr/bin/rm`` is ``rm``.
SYSTEM_BIN_DIRS: frozenset[str] = frozenset(
    {"/bin", "/usr/bin", "/usr/local/bin", "/sbin", "/usr/sbin", "/usr/local/sbin"}
)


@dataclass(frozen=True, slots=True)
class Word:
    """One shell word.

    ``text``     the word after quote removal, as bash would pass it *if* it is static.
    ``raw``      the exact source text of the word.
    ``span``     character offsets of ``raw`` in the parsed string.
    ``dynamic``  True when the value depends on run time: parameter/command/arithmetic
                 expansion, unquoted glob characters, brace expansion, ``~user``. ``text``
                 then holds the best static approximation (expansions kept verbatim).
    """

    text: str
    raw: str
    span: Span
    dynamic: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "raw": self.raw, "span": list(self.span), "dynamic": self.dynamic}


@dataclass(frozen=True, slots=True)
class Assignment:
    """A prefix assignment ``NAME=value`` (or ``NAME+=value``) before a command, or given to ``env``."""

    name: str
    value: Word
    span: Span

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value.to_dict(), "span": list(self.span)}


class RedirectMode(str, Enum):
    READ = "read"  # <  and <<< / << (heredoc is READ with heredoc=True)
    WRITE = "write"  # >  >|  &>  >&file
    APPEND = "append"  # >>  &>>
    READWRITE = "readwrite"  # <>
    DUP = "dup"  # 2>&1, <&3, >&- : no file involved

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Redirect:
    """A redirection of one command.

    ``op``       the operator as written: ``>``, ``>>``, ``<``, ``<>``, ``>|``, ``&>``, ``&>>``,
                 ``>&``, ``<&``, ``<<``, ``<<-``, ``<<<``.
    ``target``   the file word (or heredoc body / here-string word); None for DUP.
    ``fd``       the explicit source fd (``2>``), or None.
    ``heredoc``  True for ``<<``/``<<-``; ``quoted`` tells whether its delimiter was quoted
                 (a quoted heredoc body is literal data).
    """

    op: str
    mode: RedirectMode
    target: Word | None
    span: Span
    fd: int | None = None
    heredoc: bool = False
    quoted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "mode": self.mode.value,
            "target": self.target.to_dict() if self.target else None,
            "span": list(self.span),
            "fd": self.fd,
            "heredoc": self.heredoc,
            "quoted": self.quoted,
        }


class Ctx(str, Enum):
    """Where a command sits. A command carries the stack of every enclosing construct."""

    COMMAND_SUBSTITUTION = "command_substitution"  # $( )
    BACKTICK = "backtick"  # ` `
    PROCESS_SUBSTITUTION_IN = "process_substitution_in"  # <( )
    PROCESS_SUBSTITUTION_OUT = "process_substitution_out"  # >( )
    SUBSHELL = "subshell"  # ( )
    GROUP = "group"  # { ; }
    BACKGROUND = "background"  # cmd &
    NEGATED = "negated"  # ! cmd
    IF = "if"
    LOOP = "loop"  # for / while / until / select
    CASE = "case"
    FUNCTION = "function"  # a function body (defined; counted as run)
    NESTED_SHELL = "nested_shell"  # text re-parsed from bash -c / sh <<EOF / | sh ...
    EVAL = "eval"  # text re-parsed from eval '...'
    WRAPPED = "wrapped"  # the inner command of a wrapper (sudo, env, xargs, find -exec ...)
    REDIRECT = "redirect"  # a substitution inside a redirect target
    ASSIGNMENT = "assignment"  # a substitution inside an assignment value
    HEREDOC = "heredoc"  # a substitution inside an unquoted heredoc body
    PARAMETER = "parameter"  # a substitution inside ${x:-...}

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class PipelinePos:
    """Position of a command in a pipeline: pipeline ``id`` (unique within a ParsedLine),
    0-based ``index`` and ``length``. A command not in a pipeline has no PipelinePos."""

    id: int
    index: int
    length: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "index": self.index, "length": self.length}


class Marker(str, Enum):
    """Facts about a command that matter for safety. The engine treats the DYNAMIC ones as
    "cannot be resolved statically" (``defaults.on_dynamic``) unless a rule that names the
    marker explicitly matches the command."""

    DYNAMIC_NAME = "dynamic_name"  # command name comes from an expansion: $a, $(...), ${IFS}
    GLOB_NAME = "glob_name"  # glob or brace characters in the command name
    ANSI_C_NAME = "ansi_c_name"  # $'...' in the command name
    EVAL_DYNAMIC = "eval_dynamic"  # eval / bash -c / sh <<< of non-literal text
    SOURCE_DYNAMIC = "source_dynamic"  # source / . of a file (its contents are unknown)
    HIDDEN_SUBSTITUTION = "hidden_substitution"  # $( or ` inside ${...} or an unquoted heredoc
    SHELL_STDIN = "shell_stdin"  # a shell reading a script from a pipe/redirect we cannot see
    TOO_LARGE = "too_large"  # input over the size cap
    TOO_DEEP = "too_deep"  # nesting deeper than the depth cap
    PARSE_ERROR = "parse_error"  # neither parser could parse (this part of) the line
    HOME_CHANGED = "home_changed"  # uses ~ / $HOME after the line may have assigned HOME
    # informational markers (not dynamic by themselves; policies decide)
    CODE_EXECUTION = "code_execution"  # python -c, perl -e, node -e, data piped into an interpreter
    NESTED_SHELL = "nested_shell"  # bash -c / sh <<EOF / | sh whose text was re-parsed
    PATH_PROGRAM = "path_program"  # program given by a path outside the system bin dirs (./rm)
    WRAPPER = "wrapper"  # this command is a wrapper whose inner command was unwrapped
    FUNCTION_CALL = "function_call"  # name of a function defined in the same line
    EXTRA_ARGS = "extra_args"  # xargs / find -exec inner command: more arguments come at run time

    def __str__(self) -> str:
        return self.value


DYNAMIC_MARKERS: frozenset[Marker] = frozenset(
    {
        Marker.DYNAMIC_NAME,
        Marker.GLOB_NAME,
        Marker.ANSI_C_NAME,
        Marker.EVAL_DYNAMIC,
        Marker.SOURCE_DYNAMIC,
        Marker.HIDDEN_SUBSTITUTION,
        Marker.SHELL_STDIN,
        Marker.TOO_LARGE,
        Marker.TOO_DEEP,
        Marker.PARSE_ERROR,
        Marker.HOME_CHANGED,
    }
)


@dataclass(frozen=True, slots=True)
class Command:
    """One simple command that would execute.

    ``argv``         words after quote removal; ``argv[0]`` is the command name as written.
    ``program``      the name used for policy matching: the basename for programs in
                     SYSTEM_BIN_DIRS (``/usr/bin/rm`` -> ``rm``), otherwise argv[0] as written
                     (``./rm`` stays ``./rm``). Empty string for an assignment-only command.
    ``context``      the stack of enclosing constructs, outermost first.
    ``pipeline``     position in a pipeline, or None.
    ``via``          for unwrapped / nested commands: the chain of wrappers or nested
                     shells that led here, e.g. ``("sudo", "bash -c")``.
    ``parent``       index (in ParsedLine.commands) of the wrapper/shell command this came
                     from, or None.
    ``source``       which parser found it: "bashlex", "tree-sitter" or "both".
    """

    argv: tuple[Word, ...]
    program: str
    span: Span
    assignments: tuple[Assignment, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    context: tuple[Ctx, ...] = ()
    pipeline: PipelinePos | None = None
    markers: frozenset[Marker] = frozenset()
    via: tuple[str, ...] = ()
    parent: int | None = None
    source: str = "bashlex"

    @property
    def args(self) -> tuple[str, ...]:
        """argv[1:] texts."""
        return tuple(w.text for w in self.argv[1:])

    @property
    def argv_text(self) -> tuple[str, ...]:
        return tuple(w.text for w in self.argv)

    @property
    def dynamic(self) -> bool:
        return not self.markers.isdisjoint(DYNAMIC_MARKERS)

    def to_dict(self) -> dict[str, Any]:
        return {
            "argv": [w.text for w in self.argv],
            "program": self.program,
            "span": list(self.span),
            "words": [w.to_dict() for w in self.argv],
            "assignments": [a.to_dict() for a in self.assignments],
            "redirects": [r.to_dict() for r in self.redirects],
            "context": [c.value for c in self.context],
            "pipeline": self.pipeline.to_dict() if self.pipeline else None,
            "markers": sorted(m.value for m in self.markers),
            "via": list(self.via),
            "parent": self.parent,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class ParseIssue:
    """Why (part of) a line could not be parsed. ``position`` is a character offset into the
    original string (or None when unknown); ``parser`` names who complained."""

    message: str
    position: int | None
    parser: str

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "position": self.position, "parser": self.parser}


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """The result of parsing one command string.

    ``commands``  every simple command that would execute (union over both parsers, plus
                  unwrapped and nested ones), in source order where possible.
    ``errors``    parse problems. If ``parsed`` is False, neither parser produced a usable
                  tree and ``commands`` may be incomplete: the engine applies on_parse_error.
    ``markers``   line-level markers (TOO_LARGE, TOO_DEEP, PARSE_ERROR ...).
    ``functions`` names of functions defined in the line.
    ``parser``    which front produced the primary tree: "bashlex" or "tree-sitter".
    """

    source: str
    commands: tuple[Command, ...]
    errors: tuple[ParseIssue, ...] = ()
    markers: frozenset[Marker] = frozenset()
    functions: frozenset[str] = frozenset()
    parser: str = "bashlex"
    parsed: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "commands": [c.to_dict() for c in self.commands],
            "errors": [e.to_dict() for e in self.errors],
            "markers": sorted(m.value for m in self.markers),
            "functions": sorted(self.functions),
            "parser": self.parser,
            "parsed": self.parsed,
        }
