"""Constant propagation and static expansion over the commands of ONE shell text.

:func:`static_expand` rewrites the argv (and prefix-assignment values / redirect targets)
of the commands found in one text, before wrappers are unwrapped:

* brace expansion of argument words (:func:`.expand.brace_variants`);
* ``$NAME`` / ``${NAME}`` replaced by the value of an earlier literal assignment in the same
  shell scope (``f=~/.ssh/id_rsa; cat $f``, ``export X=/etc; cat $X/shadow``,
  ``a=rm; $a -rf ~``), with word splitting of unquoted values;
* ``$NAME`` in the body of ``for NAME in WORDS; do BODY; done`` over static WORDS: each
  command of the body that uses it becomes one command per value (``for f in a b; do cat
  $f; done``: ``cat a`` and ``cat b``; see :func:`find_loops` and "Loops" below);
* commands that use ``~`` / ``$HOME`` after anything in the text may have assigned ``HOME``
  get :attr:`Marker.HOME_CHANGED`.

A value is used only when it is certain. An assignment counts when it is a standalone
assignment (or ``export``/``readonly``/``declare``/``typeset`` with at most ``-x -r -g``), not
a pipeline stage and not the right-hand side of ``&&`` / ``||``, and its value is static or
built only from known values; it reaches the later uses at the top level of the text, or,
inside a subshell, group, if/loop/case/function body or substitution, the later uses in that
same construct (see :meth:`_Scope.value`). A name is never resolved (anywhere in the text) when
it also occurs in any other position that could assign it: an assignment that does not count,
``read``/``for``/``getopts``/``printf -v``/``unset``/``local``/``${X:=..}``/arithmetic, any word
of ``eval``/``trap``/``alias``/declaration builtins, a dynamic word, a heredoc body. After a
call of a function defined in the text, ``eval``, ``source``/``.``, ``trap``, ``command``/
``builtin``/``exec`` or a command whose name is dynamic, nothing is resolved. Prefix
assignments (``X=1 cmd $X``) do not count: bash expands ``cmd``'s words first. A command name
resolved this way keeps its ``dynamic_name`` marker. Special variables (``HOME``, ``IFS``,
``PWD``, ``RANDOM`` ...) are never propagated, and any assignment of ``IFS`` switches
propagation off for the text.

Loops. :func:`find_loops` pairs every loop keyword of the text with its ``done`` by a
tokenizer that knows where commands start; it gives up (no loop of the text is used) at
anything it does not model exactly: ``case``, ``coproc``, heredocs and here-strings, a line
continuation, ``alias``, a reserved word where it cannot tell whether a command starts. A
``for`` loop is used when every word of its list is static after brace expansion and quote
removal (glob characters allowed; ``~``/``~/..`` becomes ``$HOME``; no ``$``, backtick, ``~user``
or other ``~``), NAME is not special, is never assigned in the text (no assignment of it at
all, no other ``for``/``read``/``unset``/... of it, as for assignments above), and the parsers
agree (every command of the body carries the loop's ``Ctx.LOOP`` and ends inside it). Its
values then hold for the words of the commands in the body (not in a function body defined
there, not after ``done``) up to the first barrier in the body. A value from a glob word is a
file name bash found: it is used only inside double quotes (written as the pattern, dynamic);
an unquoted reference stays as written (the name would be split and globbed again). Where
the values are not certain (after ``done``, after a barrier, a name assigned elsewhere too),
the values of every static ``for`` list are candidates for the maybe-assigned copies.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import product

from .expand import MAX_BRACE_WORDS, brace_variants, expand_word, substitute
from .model import Assignment, Command, Ctx, Marker, Redirect, Word
from .words import (
    F_ARITH, F_BRACE, F_EXPANSION, F_GLOB, F_PROCSUBST, F_SUBST, F_TILDE, _ansi_c, _match_close, _skip_backtick,
    _skip_dquote, analyze, make_word, program_name,
)

__all__ = ["static_expand", "uses_home", "hijacking_loop", "find_loops", "Loop", "LoopValue", "SPECIAL_NAMES", "MAYBE_VIA", "MAX_LOOP_COPIES"]

#: Variables bash sets or gives a meaning itself: never propagated.
SPECIAL_NAMES = frozenset(
    {
        "HOME", "IFS", "PWD", "OLDPWD", "RANDOM", "SRANDOM", "SECONDS", "LINENO", "BASHPID", "BASH_COMMAND",
        "EPOCHSECONDS", "EPOCHREALTIME", "HISTCMD", "PPID", "UID", "EUID", "SHLVL", "REPLY", "OPTARG",
        "OPTIND", "BASH_REMATCH", "PIPESTATUS", "FUNCNAME", "GROUPS", "DIRSTACK", "COLUMNS", "LINES",
        "BASH_SUBSHELL", "BASH_ARGV0", "BASH_ARGC", "BASH_ARGV", "BASH_SOURCE", "BASH_LINENO", "HOSTNAME",
        "CDPATH", "GLOBIGNORE", "BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS", "POSIXLY_CORRECT", "PS4",
    }
)
#: Programs whose words may assign a variable (or run text that does).
_ASSIGNERS = frozenset(
    {
        "read", "readarray", "mapfile", "getopts", "printf", "unset", "let", "declare", "typeset", "local",
        "export", "readonly", "eval", "source", ".", "trap", "alias", "wait", "command", "builtin", "time",
        "exec", "enable", "set", "shopt", "coproc", "select", "for", "", "[[", "((",
    }
)
#: After one of these runs, any variable may have changed.
_BARRIER_PROGRAMS = frozenset({"eval", "source", ".", "trap", "command", "builtin", "exec", "enable", "coproc"})
_DECL = frozenset({"export", "readonly", "declare", "typeset"})
_DECL_OPTS = frozenset("xrg")
_UNSAFE_NAME = frozenset({Marker.DYNAMIC_NAME, Marker.GLOB_NAME, Marker.PARSE_ERROR})
_VALUE_BAD = F_SUBST | F_ARITH | F_PROCSUBST
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").fullmatch
_DECL_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\+?)=")
_LIST_HEADER = re.compile(r"(?:(?<![A-Za-z0-9_-])(?:for|select)[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]+in|(?<![A-Za-z0-9_-])case)([^;&|()\n`'\"\\$]*?)(?=[;\n]|[ \t]in(?![A-Za-z0-9_]))")
#: ``for NAME`` / ``select NAME`` headers (with or without ``in``) whose variable changes how
#: later commands run: the command search path, shell start-up and prompt code, history,
#: pagers and editors, interpreter and loader options (see :func:`hijacking_loop`).
_HIJACK_LOOP = re.compile(
    r"(?<![A-Za-z0-9_-])(?:for|select)[ \t]+(?:PATH|IFS|CDPATH|BASH_ENV|ENV|PS[0-4]|PROMPT_COMMAND|"
    r"SHELLOPTS|BASHOPTS|BASH_\w+|HOME|ZDOTDIR|INPUTRC|GLOBIGNORE|TMPDIR|LD_\w+|DYLD_\w+|GIT_\w+|"
    r"HIST\w*|SAVEHIST|PAGER|MANPAGER|MANOPT|EDITOR|VISUAL|BROWSER|LESS\w*|PYTHON\w+|NODE_\w+|"
    r"(?i:npm_config)_\w+|PERL5\w*|PERLLIB|RUBY\w+|\w*JAVA_\w*OPTIONS|SSH_ASKPASS|SUDO_ASKPASS|"
    r"MAKEFLAGS|MAKEFILES|CC|CXX|CPP|LD|SHELL)(?![A-Za-z0-9_])"
)


def hijacking_loop(src: str) -> bool:
    """True when ``src`` has a ``for``/``select`` loop whose variable is a name that changes
    how commands run (``for PATH in /tmp/evil; do ls; done`` runs /tmp/evil/ls): the line's
    commands cannot be resolved statically."""
    return ("for" in src or "select" in src) and _HIJACK_LOOP.search(src) is not None


_HOME_WORD = re.compile(r"(?<![A-Za-z0-9_])HOME(?![A-Za-z0-9_])")


# ---------------------------------------------------------------------------------------------
# for NAME in WORDS; do BODY; done


@dataclass(frozen=True, slots=True)
class LoopValue:
    """One value a ``for`` loop variable takes: ``text`` after quote removal (``~`` written
    ``$HOME``), ``dynamic`` as for an assignment value, ``glob`` when it comes from an unquoted
    glob word (the value is then a file name bash found: it is used only inside double quotes,
    where it is neither split nor globbed again, and written as the pattern, dynamic)."""

    text: str
    dynamic: bool
    glob: bool = False


@dataclass(frozen=True, slots=True)
class Loop:
    """A ``for NAME in WORDS; do BODY; done`` found in the text of one parse.

    ``name_pos``  where NAME is written; ``header`` from ``for`` to the end of ``do``;
    ``body``      from the end of ``do`` to the start of ``done``;
    ``depth``     loops around the body, this one included (``Ctx.LOOP`` entries its commands
                  carry); ``values`` the values of NAME in order, or None when WORDS is not
                  static (or absent: ``for f; do`` iterates ``"$@"``)."""

    name: str
    name_pos: int
    header: tuple[int, int]
    body: tuple[int, int]
    depth: int
    values: tuple[LoopValue, ...] | None


#: at most this many values of one loop and copies of one command (the product over nested loops)
MAX_LOOP_VALUES = MAX_BRACE_WORDS
MAX_LOOP_COPIES = 64


class _GiveUp(Exception):
    """The loop scanner met text it does not model: no loop of the text is used."""


#: reserved words; at a position where the scanner cannot tell whether a command starts
#: (after an assignment, a redirection, ``}``, ``done`` ...) any of them stops the scan
_RESERVED = frozenset(
    {"for", "select", "while", "until", "do", "done", "if", "then", "elif", "else", "fi", "{", "}", "!", "case", "esac", "in", "function", "time", "coproc", "[[", "]]"}
)
_META = frozenset(" \t\n;&|()<>")
_ASSIGN_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=").match
_CASE_WORD = re.compile(r"(?<![\w-])(?:case|esac)(?![\w-])").search
_FD_WORD = re.compile(r"[0-9]+|\{[A-Za-z_][A-Za-z0-9_]*\}").fullmatch
#: command position: 1 a command (or reserved word) starts here, 0 no, -1 unknown
_YES, _NO, _UNSURE = 1, 0, -1


def find_loops(src: str) -> list[Loop] | None:
    """Every ``for``/``select``/``while``/``until`` loop of ``src`` that is a ``for NAME in
    WORDS; do ... done`` with its body span (:class:`Loop`), or None when the text holds
    anything the scanner does not model exactly (``case``, ``coproc``, heredocs, a line
    continuation, a reserved word where it cannot tell if a command starts, unbalanced
    constructs, any ``alias`` ...). Loops inside ``$( )`` and ``( )`` are found; text inside double quotes,
    backticks, ``${ }`` and ``$(( ))`` is skipped as a whole (a loop there is not found)."""
    if "<<" in src or "\\\n" in src or "alias" in src or _CASE_WORD(src):
        return None  # (an alias defined in the text may end a loop in the next line)
    sc = _LoopScan(src)
    try:
        sc.region(0, len(src))
    except _GiveUp:
        return None
    return sc.loops


class _LoopScan:
    """A tokenizer of shell text that knows where commands start, enough to pair every loop
    keyword with its ``done``; it raises :class:`_GiveUp` at anything else."""

    __slots__ = ("src", "loops", "depth")

    def __init__(self, src: str) -> None:
        self.src = src
        self.loops: list[Loop] = []
        self.depth = 0  # loops open around the current position (across regions)

    def region(self, i: int, end: int) -> None:
        """Scan ``src[i:end]``, a complete command list (the text, a subshell, a substitution)."""
        src = self.src
        stack: list[list] = []  # ["loop", body_start | None, header | None] / ["if"] / ["{"]
        pos = _YES
        after_name = False  # the previous token was a command name (``f ()`` defines f)
        while i < end:
            c = src[i]
            if c in " \t":
                i += 1
                continue
            if c == "\n":
                pos, after_name = _YES, False
                i += 1
                continue
            if c == "#":
                j = src.find("\n", i, end)
                i = end if j < 0 else j
                continue
            if c == ";":
                if src[i + 1 : i + 2] in (";", "&"):
                    raise _GiveUp  # a case item ends here
                pos, after_name = _YES, False
                i += 1
                continue
            if c == "|" or (c == "&" and src[i + 1 : i + 2] != ">"):
                i += 2 if src[i + 1 : i + 2] in ("&", "|") else 1
                pos, after_name = _YES, False
                continue
            if c in "<>&" and src[i + 1 : i + 2] != "(":
                i = self._redirect(i, end)
                if pos == _YES:
                    pos = _UNSURE
                after_name = False
                continue
            if c == "(":
                if after_name:  # NAME ( ) defines a function
                    j = i + 1
                    while j < end and src[j] in " \t":
                        j += 1
                    if src[j : j + 1] != ")":
                        raise _GiveUp
                    i, pos, after_name = j + 1, _YES, False
                    continue
                if pos != _YES:
                    raise _GiveUp
                j = _match_close(src, i + 1, "(", ")")
                if j > end or src[j - 1] != ")":
                    raise _GiveUp
                if src[i + 1 : i + 2] != "(":  # a subshell; (( )) is arithmetic
                    self.region(i + 1, j - 1)
                i, pos = j, _UNSURE
                continue
            if c == ")":
                raise _GiveUp
            j = self._word(i, end)
            raw = src[i:j]
            if pos != _NO and raw in _RESERVED:
                if pos == _UNSURE:
                    raise _GiveUp
                i, pos = self._reserved(raw, i, j, end, stack)
                after_name = False
                continue
            if pos != _NO:
                if _ASSIGN_WORD(raw):
                    pos = _UNSURE  # the next word is the command name: no reserved word there
                elif src[j : j + 1] in ("<", ">") and _FD_WORD(raw):
                    pass  # 2>file, {fd}>file: part of the redirection that follows
                else:
                    pos, after_name = _NO, True
                    i = j
                    continue
            after_name = False
            i = j
        if stack:
            raise _GiveUp

    def _reserved(self, w: str, i: int, j: int, end: int, stack: list[list]) -> tuple[int, int]:
        """Handle reserved word ``w`` at ``src[i:j]`` where a command starts; returns the next
        index and command position."""
        top = stack[-1][0] if stack else None
        if w in ("for", "select"):
            return self._for(w, i, j, end, stack), _YES
        if w in ("while", "until"):
            stack.append(["loop", None, None])
            self.depth += 1
            return j, _YES
        if w == "do":
            if top != "loop" or stack[-1][1] is not None:
                raise _GiveUp
            stack[-1][1] = j
            return j, _YES
        if w == "done":
            if top != "loop" or stack[-1][1] is None:
                raise _GiveUp
            _, start, header = stack.pop()
            if header is not None:
                name, name_pos, hspan, values = header
                self.loops.append(Loop(name, name_pos, hspan, (start, i), self.depth, values))
            self.depth -= 1
            return j, _UNSURE
        if w == "if":
            stack.append(["if"])
            return j, _YES
        if w in ("then", "elif", "else"):
            if top != "if":
                raise _GiveUp
            return j, _YES
        if w == "fi":
            if top != "if":
                raise _GiveUp
            stack.pop()
            return j, _UNSURE
        if w == "{":
            stack.append(["{"])
            return j, _YES
        if w == "}":
            if top != "{":
                raise _GiveUp
            stack.pop()
            return j, _UNSURE
        if w == "!":
            return j, _YES
        if w == "time":
            k = self._skip_blanks(j, end)
            return (k + 2 if self.src.startswith("-p", k) and self.src[k + 2 : k + 3] in (" ", "\t") else j), _YES
        if w == "function":
            k = self._skip_blanks(j, end)
            k2 = self._word(k, end)
            if k2 == k:
                raise _GiveUp
            k = self._skip_blanks(k2, end)
            if self.src.startswith("(", k):
                k = self._skip_blanks(k + 1, end)
                if not self.src.startswith(")", k):
                    raise _GiveUp
                k += 1
            return k, _YES
        if w == "[[":
            return self._test(j, end), _UNSURE
        raise _GiveUp  # case, esac, in, coproc, ]]

    def _for(self, w: str, i: int, j: int, end: int, stack: list[list]) -> int:
        """``for``/``select`` at ``src[i:j]``: its header up to and including ``do``; pushes the loop."""
        src = self.src
        k = self._skip_blanks(j, end)
        header = None
        if src.startswith("((", k):
            if w != "for":
                raise _GiveUp
            k = _match_close(src, k + 1, "(", ")")
            if k > end or src[k - 1] != ")":
                raise _GiveUp
            k = self._to_do(k, end)
        else:
            k2 = self._word(k, end)
            name = src[k:k2]
            if not _IDENT(name):
                raise _GiveUp
            name_pos = k
            k = self._skip_blanks(k2, end)
            k3 = self._word(k, end) if k < end and src[k] not in _META else k
            values: tuple[LoopValue, ...] | None = None
            if src[k:k3] == "in":
                words: list[str] = []
                k = k3
                while True:
                    k = self._skip_blanks(k, end)
                    if k >= end:
                        raise _GiveUp
                    ch = src[k]
                    if ch in ";\n":
                        break
                    if ch == "#":
                        k = src.find("\n", k, end)
                        if k < 0:
                            raise _GiveUp
                        break
                    if ch in _META:
                        raise _GiveUp
                    k3 = self._word(k, end)
                    words.append(src[k:k3])
                    k = k3
                values = _loop_values(words)
                k = self._to_do(k + 1, end)
            elif src[k:k3] == "do":
                k = k3  # for NAME do: iterates "$@"
            else:
                k = self._to_do(k, end)
            if w == "for" and values is not None:
                header = (name, name_pos, (i, k), values)
        stack.append(["loop", k, header])
        self.depth += 1
        return k

    def _to_do(self, k: int, end: int) -> int:
        """After a loop header's word list: blanks, one ``;`` or newlines, then ``do``; returns
        the index past ``do``."""
        src = self.src
        k = self._skip_blanks(k, end)
        if src.startswith(";", k):
            k += 1
        while k < end and src[k] in " \t\n":
            k += 1
        k2 = self._word(k, end)
        if src[k:k2] != "do":
            raise _GiveUp  # e.g. for f in a; { ..; }
        return k2

    def _skip_blanks(self, k: int, end: int) -> int:
        src = self.src
        while k < end and src[k] in " \t":
            k += 1
        return k

    def _redirect(self, i: int, end: int) -> int:
        """A redirection operator at ``i`` and its target word; returns the index past them."""
        src = self.src
        k = i
        if src[k] == "&":
            k += 1
        k += 1
        while k < end and src[k] in "<>&|" and k - i < 3:
            k += 1
        k = self._skip_blanks(k, end)
        k2 = self._word(k, end)
        if k2 == k:
            raise _GiveUp
        return k2

    def _test(self, k: int, end: int) -> int:
        """The rest of ``[[ ... ]]``: its operators are no list operators; returns the index
        past ``]]``."""
        src = self.src
        while k < end:
            ch = src[k]
            if ch in " \t\n":
                k += 1
            elif ch in "&|()<>!":
                k += 1
            else:
                k2 = self._word(k, end)
                if k2 == k:
                    raise _GiveUp  # ; inside [[ ]]
                if src[k:k2] == "]]":
                    return k2
                k = k2
        raise _GiveUp

    def _word(self, i: int, end: int) -> int:
        """The index past the word starting at ``i``; ``$( )`` / ``<( )`` / ``>( )`` inside it
        are scanned as regions."""
        src = self.src
        j = i
        while j < end:
            c = src[j]
            if c in _META:
                if c in "<>" and src[j + 1 : j + 2] == "(":
                    k = _match_close(src, j + 2, "(", ")")
                    if k > end or src[k - 1] != ")":
                        raise _GiveUp
                    self.region(j + 2, k - 1)
                    j = k
                    continue
                if c == "(" and j > i and _ASSIGN_WORD(src[i:j]) and src[j - 1] == "=":
                    k = _match_close(src, j + 1, "(", ")")  # arr=( ... )
                    if k > end or src[k - 1] != ")":
                        raise _GiveUp
                    j = k
                    continue
                break
            if c == "\\":
                j += 2
            elif c == "'":
                k = src.find("'", j + 1, end)
                if k < 0:
                    raise _GiveUp
                j = k + 1
            elif c == '"':
                j = _skip_dquote(src, j + 1)
            elif c == "`":
                j = _skip_backtick(src, j + 1)
            elif c == "$" and src[j + 1 : j + 2] == "(":
                k = _match_close(src, j + 2, "(", ")")
                if k > end or src[k - 1] != ")":
                    raise _GiveUp
                if src[j + 2 : j + 3] != "(":  # $(( )) is arithmetic
                    self.region(j + 2, k - 1)
                j = k
            elif c == "$" and src[j + 1 : j + 2] in ("{", "["):
                o = src[j + 1]
                j = _match_close(src, j + 2, o, "}" if o == "{" else "]")
            elif c == "$" and src[j + 1 : j + 2] == "'":
                j = _ansi_c(src, j + 2, [])
            else:
                j += 1
        if j > end:
            raise _GiveUp
        return j


def _loop_values(words: list[str]) -> tuple[LoopValue, ...] | None:
    """The values of a ``for`` word list when every word is static after brace expansion
    and quote removal (glob characters allowed, a leading ``~`` or ``~/`` becomes ``$HOME``);
    None if any word holds an expansion, ``~user``, a ``~`` elsewhere, or there are none or
    more than MAX_LOOP_VALUES."""
    out: list[LoopValue] = []
    for raw in words:
        if "$" in raw or "`" in raw:
            return None
        variants = brace_variants(raw)
        if variants is None:
            return None
        for v in variants:
            if not v:
                continue  # an empty unquoted result of brace expansion is removed
            if "~" in v[1:]:
                return None  # bash may tilde-expand after "=" or ":" too
            text, flags = analyze(v)
            if flags & (F_EXPANSION | F_SUBST | F_ARITH | F_PROCSUBST):
                return None
            dyn = False
            if v.startswith("~"):
                if text != "~" and not text.startswith("~/"):
                    return None
                text, dyn = "$HOME" + text[1:], True
            glob = bool(flags & F_GLOB)
            out.append(LoopValue(text, dyn or glob, glob))
            if len(out) > MAX_LOOP_VALUES:
                return None
    return tuple(out) if out else None


#: one value per loop variable: name -> (value, start of the loop body)
_Bind = dict[str, tuple[LoopValue, int]]


class _Def:
    """One assignment: where, its value word, whether it certainly runs whenever the
    construct it is in runs, its context (without ``negated``) and, once computed, its value."""

    __slots__ = ("name", "pos", "end", "word", "append", "ok", "ctx", "value")

    def __init__(self, name: str, pos: int, end: int, word: Word, append: bool, ok: bool, ctx: tuple = ()):
        self.name = name
        self.pos = pos
        self.end = end
        self.word = word
        self.append = append
        self.ok = ok
        self.ctx = tuple(x for x in ctx if x is not Ctx.NEGATED)
        self.value: tuple[str, bool] | None = None


class _Scope:
    """Known values of the variables of one text, by position."""

    __slots__ = ("src", "defs", "barriers", "poisoned", "candidates", "loops")

    def __init__(self, src: str) -> None:
        self.src = src
        self.defs: dict[str, list[_Def]] = {}
        self.barriers: list[int] = []
        self.poisoned: set[str] = set()
        #: name -> every assignment with a known value, certain or not (for command names)
        self.candidates: dict[str, list[_Def]] = {}
        #: the ``for`` loops whose variable takes only the values of its static word list
        self.loops: list[Loop] = []

    def value(self, name: str, pos: int, ctx: tuple = ()) -> tuple[str, bool] | None:
        """The value ``name`` certainly has at ``pos`` in a command with context ``ctx``."""
        if name in self.poisoned:
            return None
        defs = self.defs.get(name)
        if not defs:
            return None
        ctx = tuple(x for x in ctx if x is not Ctx.NEGATED)
        src = self.src
        last = None
        in_func = Ctx.FUNCTION in ctx
        for d in defs:
            if d.end > pos:
                if Ctx.LOOP in d.ctx and Ctx.LOOP in ctx and not _closes(src, pos, d.pos, loop_only=True):
                    return None  # assigned later in the same loop: the previous iteration's value
                continue
            if d.ctx:
                if ctx[: len(d.ctx)] != d.ctx or _closes(src, d.end, pos):
                    if _same_shell(d.ctx, ctx):
                        return None  # it may have run (if / loop / group / case body): unknown
                    continue
            elif in_func:
                continue  # a function body runs when called, not where it is written
            last = d
        if last is None or last.value is None:
            return None
        b = self.barriers
        if b:
            k = bisect_right(b, last.end)
            if k < len(b) and b[k] < pos:
                return None
        return last.value

    def candidate(self, name: str, pos: int, k: int) -> tuple[str, bool] | None:
        """The ``k``-th (0: most recent) distinct value of the earlier assignments of
        ``name`` with a known value, certain or not; the oldest one when there are fewer."""
        vals: list[tuple[str, bool]] = []
        for d in reversed(self.candidates.get(name, ())):
            if d.end <= pos and d.value not in vals:
                vals.append(d.value)  # type: ignore[arg-type]
        if not vals:
            return None
        return vals[min(k, len(vals) - 1)]

    def lookup_at(self, pos: int, ctx: tuple = ()):
        return lambda name: self.value(name, pos, ctx)

    def lookups(self, pos: int, ctx: tuple, bind: _Bind | None):
        """(lookup, lookup for unquoted references) at ``pos``: the values of ``bind`` (one value
        per loop variable) before the certain values. A loop value holds from the start of the
        body up to the first barrier in it; a glob value only inside double quotes."""
        if not bind:
            return self.lookup_at(pos, ctx), None
        barriers = self.barriers

        def lookup(name: str) -> tuple[str, bool] | None:
            b = bind.get(name)
            if b is None:
                return self.value(name, pos, ctx)
            v, start = b
            k = bisect_left(barriers, start)
            if k < len(barriers) and barriers[k] < pos:
                return None  # eval, source, a function call ... may have changed it
            return v.text, v.dynamic

        def unquoted(name: str) -> tuple[str, bool] | None:
            b = bind.get(name)
            if b is not None and b[0].glob:
                return None  # a file name: split and globbed again unquoted
            return lookup(name)

        return lookup, unquoted

    def bindings(self, c: Command) -> list[_Bind]:
        """One binding (loop variable -> value, body start) per combination of the values of
        the usable loops whose body holds ``c`` and whose variable a word of ``c`` refers to;
        [] when there is none or more than MAX_LOOP_COPIES combinations."""
        a, b = c.span
        used: list[Loop] = []
        for lp in self.loops:
            if lp.body[0] <= a and b <= lp.body[1] and _runs_in_body(c, lp) and _refers(c, lp.name):
                used.append(lp)
        if not used:
            return []
        used.sort(key=lambda lp: lp.body[0])  # outer loops first: the order bash runs them in
        n = 1
        for lp in used:
            n *= len(lp.values)  # type: ignore[arg-type]
        if n > MAX_LOOP_COPIES:
            return []
        return [
            {lp.name: (v, lp.body[0]) for lp, v in zip(used, combo)}
            for combo in product(*(lp.values for lp in used))  # type: ignore[misc]
        ]


#: contexts that run in a child process: assignments there do not reach the parent
_SUBSHELLS = frozenset({Ctx.SUBSHELL, Ctx.COMMAND_SUBSTITUTION, Ctx.BACKTICK, Ctx.PROCESS_SUBSTITUTION_IN, Ctx.PROCESS_SUBSTITUTION_OUT, Ctx.BACKGROUND})


def _same_shell(dctx: tuple, uctx: tuple) -> bool:
    """True if an assignment in context ``dctx`` may change the variable seen by a use in
    context ``uctx``: no subshell-like context lies between their common part and the
    assignment (``(a=1); $a`` cannot, ``if c; then a=1; fi; $a`` can)."""
    k = 0
    while k < len(dctx) and k < len(uctx) and dctx[k] == uctx[k]:
        k += 1
    return _SUBSHELLS.isdisjoint(dctx[k:])


_CLOSE_WORDS = frozenset({"fi", "done", "esac", "else", "elif"})
_DELIM = frozenset(" \t\n;&|()")


def _closes(src: str, a: int, b: int, loop_only: bool = False) -> bool:
    """True if the text between ``a`` and ``b`` may end a construct begun before ``a``:
    an unquoted ``)``, ``}``, backtick, ``;;``, ``fi``, ``done``, ``esac``, ``else``, ``elif``
    (with ``loop_only``: ``done``). Constructs opened and closed inside are skipped; anything
    unclear counts as a close (the value is then not used)."""
    i = a
    while i < b:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            j = src.find("'", i + 1)
            i = len(src) if j < 0 else j + 1
            continue
        if c == '"':
            i = _skip_dquote(src, i + 1)
            continue
        if c == "$" and src[i + 1 : i + 2] in ("(", "{", "["):
            o = src[i + 1]
            i = _match_close(src, i + 2, o, {"(": ")", "{": "}", "[": "]"}[o])
            continue
        if c == "(":
            i = _match_close(src, i + 1, "(", ")")
            continue
        if c == "{" and (i == a or src[i - 1] in _DELIM) and src[i + 1 : i + 2] in (" ", "\t", "\n"):
            i = _match_close(src, i + 1, "{", "}")
            continue
        if not loop_only:
            if c in ")}`" or (c == ";" and src[i + 1 : i + 2] == ";"):
                return True
        if c.isalpha() and (i == a or src[i - 1] in _DELIM):
            j = i
            while j < b and (src[j].isalnum() or src[j] == "_"):
                j += 1
            w = src[i:j]
            if w == "done" or (not loop_only and w in _CLOSE_WORDS):
                return True
            i = j
            continue
        i += 1
    return False


def uses_home(c: Command) -> bool:
    """True if any word of the command expands ``~`` or ``$HOME``."""
    for w in _all_words(c):
        r = w.raw
        if r.startswith("~") or "$HOME" in r or "${HOME" in r or w.text.startswith("$HOME"):
            return True
    return False


def _all_words(c: Command):
    yield from c.argv
    for a in c.assignments:
        yield a.value
    for r in c.redirects:
        if r.target is not None and not r.heredoc:
            yield r.target


#: contexts inside which an assignment may still count (for uses in the same construct)
_SCOPE_CTX = frozenset(
    {
        Ctx.SUBSHELL, Ctx.COMMAND_SUBSTITUTION, Ctx.BACKTICK, Ctx.PROCESS_SUBSTITUTION_IN, Ctx.PROCESS_SUBSTITUTION_OUT,
        Ctx.ASSIGNMENT, Ctx.REDIRECT, Ctx.PARAMETER, Ctx.GROUP, Ctx.IF, Ctx.LOOP, Ctx.CASE, Ctx.FUNCTION,
        Ctx.BACKGROUND, Ctx.NEGATED,
    }
)
_OPEN_WORDS = frozenset({"{", "then", "do", "else", "!", "if", "elif", "while", "until"})


def _unconditional(src: str, c: Command) -> bool:
    """True if ``c`` runs whenever the construct it is in (the text, a subshell, group,
    branch, loop body, case item, function body ...) runs that far: not a pipeline stage and
    not after ``&&`` / ``||`` / ``|`` (the first command of its and-or list)."""
    if c.pipeline is not None:
        return False
    if c.context and not _SCOPE_CTX.issuperset(c.context):
        return False
    i = c.span[0] - 1
    crossed = False
    while i >= 0:
        ch = src[i]
        if ch in " \t":
            i -= 1
        elif ch == "\n":
            if i > 0 and src[i - 1] == "\\":
                i -= 2
            else:
                crossed = True
                i -= 1
        else:
            break
    if i < 0:
        return True
    ch = src[i]
    if ch == ";":
        return True
    if ch == "&":
        return not (i > 0 and src[i - 1] in "&|<>")
    if ch in "(`":
        return bool(c.context)  # the first command of a subshell / substitution
    if ch == ")":
        return Ctx.CASE in c.context and not crossed  # a case item's first command
    if ch == "|":
        return False
    j = i
    while j >= 0 and src[j] not in " \t\n;&|()":
        j -= 1
    word = src[j + 1 : i + 1]
    if word in _OPEN_WORDS and (j < 0 or src[j] in " \t\n;&|()"):
        return bool(c.context) or word == "!"
    if not crossed:
        return False
    line_start = src.rfind("\n", 0, i) + 1
    return "#" not in src[line_start : i + 1]


def _build(src: str, cmds: list[Command], functions: set[str], loops: list[Loop] | None = None) -> _Scope | None:
    """Collect assignments, barriers, poisoned names and the usable ``for`` loops (of
    ``loops``, found by :func:`find_loops`); None if nothing can be resolved."""
    sc = _Scope(src)
    defs: list[_Def] = []
    harmless: list[tuple[int, int]] = []
    for c in cmds:
        argv = c.argv
        if not argv:
            if c.assignments:
                ok = _unconditional(src, c)
                for a in c.assignments:
                    append = src[a.span[0] : a.value.span[0]].endswith("+=")
                    defs.append(_Def(a.name, a.span[0], a.span[1], a.value, append, ok, c.context))
                    _literal_parts(a.value, harmless)
            continue
        prog = c.program
        unsafe = not c.markers.isdisjoint(_UNSAFE_NAME)
        if unsafe or prog in functions or prog in _BARRIER_PROGRAMS:
            sc.barriers.append(c.span[1])
        if prog in _DECL and not unsafe:
            ok = _unconditional(src, c)
            good = True
            cand = []
            for w in argv[1:]:
                t = w.text
                if t[:1] in "-+" and not w.dynamic:
                    if t != "--" and not set(t[1:]) <= _DECL_OPTS:
                        good = False
                    continue
                m = _DECL_ASSIGN.match(w.raw)
                if m is None:
                    continue
                vraw = w.raw[m.end() :]
                vw = make_word(vraw, (w.span[0] + m.end(), w.span[1]))
                if "{" in vraw and analyze(vraw)[1] & F_BRACE:
                    ok = False
                cand.append(_Def(m.group(1), w.span[0], w.span[1], vw, bool(m.group(2)), ok, c.context))
            if good:
                defs.extend(cand)
        assigner = unsafe or (prog in _ASSIGNERS and not (prog == "printf" and not any(w.text.startswith("-v") for w in argv[1:])))
        if not assigner:
            for w in argv[1:]:
                _literal_parts(w, harmless)
        for a in c.assignments:
            harmless.append((a.span[0], a.value.span[0]))  # a prefix assignment's name
            _literal_parts(a.value, harmless)
        for r in c.redirects:
            t = r.target
            if t is not None:
                if r.heredoc:
                    if r.quoted or not t.dynamic:
                        harmless.append(t.span)
                else:
                    _literal_parts(t, harmless)
    if not defs and not loops:
        return None
    if "for" in src or "select" in src or "case" in src:
        # the word lists of ``for/select NAME in WORDS`` and the word of ``case WORD in`` are
        # plain text (the NAME of for/select is assigned and stays unsafe)
        for m in _LIST_HEADER.finditer(src):
            harmless.append(m.span(1))
    for lp in loops or ():
        # a header with a static word list is plain text but for its NAME
        harmless.append((lp.header[0], lp.name_pos))
        harmless.append((lp.name_pos + len(lp.name), lp.header[1]))
    if "IFS" in src and _assigned_somewhere(src, "IFS", set(), [], []):
        return None
    if "<<" in src:
        for d in defs:
            if d.ctx:
                d.ok = False  # heredoc bodies hide the text between constructs
    for d in defs:
        sc.defs.setdefault(d.name, []).append(d)
    for lst in sc.defs.values():
        lst.sort(key=lambda d: d.pos)
    harmless.sort()
    starts = [h[0] for h in harmless]
    sc.barriers.sort()
    for name, lst in sc.defs.items():
        if name in SPECIAL_NAMES or not all(d.ok for d in lst):
            sc.poisoned.add(name)
            continue
        if _assigned_somewhere(src, name, {d.pos for d in lst}, harmless, starts):
            sc.poisoned.add(name)
    # values, in source order (a value may use earlier ones)
    for d in sorted(defs, key=lambda d: d.pos):
        v = _value(d.word, sc.lookup_at(d.pos, d.ctx))
        if d.append:
            old = sc.value(d.name, d.pos, d.ctx)
            v = None if v is None or old is None else (old[0] + v[0], old[1] or v[1])
        d.value = v
        if v is not None and d.name not in SPECIAL_NAMES:
            sc.candidates.setdefault(d.name, []).append(d)
    if loops:
        sc.loops = [lp for lp in loops if _usable(lp, cmds, sc, harmless, starts)]
        # every value a loop gives may hold after its header (after ``done`` too, where bash
        # leaves the last one, or any with ``break``): candidates for maybe-assigned copies
        for lp in loops:
            if lp.name in SPECIAL_NAMES:
                continue
            lst = sc.candidates.setdefault(lp.name, [])
            for v in lp.values or ():
                d = _Def(lp.name, lp.header[0], lp.header[1], Word(v.text, v.text, lp.header, v.dynamic), False, False)
                d.value = (v.text, v.dynamic)
                lst.append(d)
            lst.sort(key=lambda d: d.pos)
    return sc


def _usable(lp: Loop, cmds: list[Command], sc: _Scope, harmless: list[tuple[int, int]], starts: list[int]) -> bool:
    """True if the variable of loop ``lp`` certainly has one of its values in the body: the
    word list is static, the name is not special and occurs nowhere else where it might be
    assigned (no assignment of it at all, no other ``for``/``read``/``unset``/... of it), and
    the parsers agree with the scanner (no command in the header, every command of the body
    inside it and in ``lp.depth`` loops)."""
    name = lp.name
    if lp.values is None or name in SPECIAL_NAMES or name in sc.defs:
        return False
    if _assigned_somewhere(sc.src, name, {lp.name_pos}, harmless, starts):
        return False
    h0, h1 = lp.header
    b0, b1 = lp.body
    for c in cmds:
        a = c.span[0]
        if h0 <= a < h1:
            return False
        if b0 <= a < b1 and (c.span[1] > b1 or sum(1 for x in c.context if x is Ctx.LOOP) < lp.depth):
            return False
    return True


def _runs_in_body(c: Command, lp: Loop) -> bool:
    """False if ``c`` is in a function body defined inside the loop (it runs when called)."""
    ctx = c.context
    if Ctx.FUNCTION not in ctx:
        return True
    seen = 0
    for k, x in enumerate(ctx):
        if x is Ctx.LOOP:
            seen += 1
            if seen == lp.depth:
                return Ctx.FUNCTION not in ctx[k + 1 :]
    return False


def _refers(c: Command, name: str) -> bool:
    """True if a word of ``c`` may refer to ``$name`` / ``${name...}``."""
    for w in _all_words(c):
        raw = w.raw
        if "$" in raw and name in raw and re.search(r"\$\{?" + name + r"(?![A-Za-z0-9_])", raw):
            return True
    return False


def _literal_parts(w: Word, out: list[tuple[int, int]]) -> None:
    """Append the spans of ``w`` where a name is plain text (it cannot be assigned there):
    the whole word if it is static, else everything outside ``$( )``, ``${ }``, ``$(( ))``,
    ``$[ ]``, backticks and ``<( )``/``>( )``. Words of nested text are not in the source."""
    a, b = w.span
    raw = w.raw
    if b - a != len(raw):
        return
    if not w.dynamic:
        out.append((a, b))
        return
    i = start = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            j = raw.find("'", i + 1)
            i = n if j < 0 else j + 1
            continue
        end = None
        if c == "$" and i + 1 < n and raw[i + 1] in "({[":
            o = raw[i + 1]
            end = _match_close(raw, i + 2, o, {"(": ")", "{": "}", "[": "]"}[o])
        elif c == "`":
            end = _skip_backtick(raw, i + 1)
        elif c in "<>" and raw[i + 1 : i + 2] == "(":
            end = _match_close(raw, i + 2, "(", ")")
        if end is None:
            i += 1
            continue
        if i > start:
            out.append((a + start, a + i))
        i = start = end
    if n > start:
        out.append((a + start, a + n))


def _assigned_somewhere(src: str, name: str, def_pos: set[int], harmless: list[tuple[int, int]], starts: list[int]) -> bool:
    """True if ``name`` occurs anywhere in ``src`` where it might be assigned: not as a
    ``$name``/``${name}`` reference, not at a counted assignment, not inside a static
    argument word of an ordinary command."""
    for m in re.finditer(r"(?<![A-Za-z0-9_])" + name + r"(?![A-Za-z0-9_])", src):
        p = m.start()
        ref = _reference(src, p, m.end())
        if ref is not None:
            if ref:
                continue
            return True
        if p in def_pos:
            continue
        if p and src[p - 1] == "{" and src[m.end() : m.end() + 1] == "}":
            return True  # {name}>file allocates a descriptor into name
        k = bisect_right(starts, p) - 1
        if k >= 0 and p < harmless[k][1]:
            continue
        return True
    return False


def _value(w: Word, lookup) -> tuple[str, bool] | None:
    """The value an assignment gives: its static text (``~`` -> ``$HOME``), or None."""
    raw = w.raw
    text, flags = analyze(raw)
    if flags & _VALUE_BAD:
        return None
    if ":~" in raw:
        return None  # bash also expands ~ after an unquoted ":" in assignments (PATH=a:~/b)
    home = False
    if flags & F_TILDE:
        if text != "~" and not text.startswith("~/"):
            return None
        home = True
    if "$" in raw:
        fields = substitute(raw, lookup, split=False, glob=False)
        if fields is None:
            return None
        text = fields[0][0] if fields else ""
        dyn = bool(fields and fields[0][1])
    else:
        dyn = False
    if home:
        return "$HOME" + text[1:], True
    return text, dyn


def static_expand(
    src: str, cmds: list[Command], functions: set[str]
) -> tuple[list[Command] | None, dict[int, list[Command]], dict[int, list[tuple[Command, list[Command]]]]]:
    """The commands of one text with brace expansion and known variables applied (see the
    module docstring; None when nothing changed), and for commands that use a variable an
    assignment may (but need not) have set, copies with those values substituted (up to
    ``MAX_MAYBE``, by index; ``true && f=~/.ssh/id_rsa; cat $f``: a copy reads
    ``$HOME/.ssh/id_rsa``). The copies are extra commands: they only make a decision stricter.

    A command in the body of a ``for`` loop over static words that uses the loop variable
    becomes one command per value (``for f in a b; do cat $f; done``: ``cat a`` in its place
    and ``cat b``): the third result holds, by index, the commands that follow the first
    one, each with its own copies."""
    extra: dict[int, list[Command]] = {}
    more: dict[int, list[tuple[Command, list[Command]]]] = {}
    has_dollar = "$" in src
    if not has_dollar and "{" not in src and "HOME" not in src:
        return None, extra, more
    loops = find_loops(src) if has_dollar and "for" in src else None
    scope = _build(src, cmds, functions, loops) if has_dollar and ("=" in src or loops) else None
    home = "HOME" in src and _home_assigned(src)
    out: list[Command] | None = None
    for idx, c in enumerate(cmds):
        binds = scope.bindings(c) if scope is not None and scope.loops else None
        if not binds:
            nc, copies = _versions(c, scope, None, home)
            if copies:
                extra[idx] = copies
        else:
            nc = None
            seen: set[tuple] = set()
            for k, b in enumerate(binds):
                vc, copies = _versions(c, scope, b, home)
                v = vc or c
                key = (v.argv, v.assignments, v.redirects, v.markers)
                if key in seen:
                    continue
                seen.add(key)
                if k == 0:
                    nc = vc
                    if copies:
                        extra[idx] = copies
                else:
                    more.setdefault(idx, []).append((v, copies))
        if nc is not None:
            if out is None:
                out = list(cmds)
            out[idx] = nc
    return out, extra, more


def _versions(c: Command, scope: _Scope | None, bind: _Bind | None, home: bool) -> tuple[Command | None, list[Command]]:
    """``c`` expanded (None if unchanged) and its maybe-assigned copies, with ``bind``."""
    nc = _expand(c, scope, bind=bind)
    copies: list[Command] = []
    if scope is not None and scope.candidates:
        cur = nc or c
        seen = {cur.argv_text}
        for k in range(MAX_MAYBE):
            may = _expand(c, scope, maybe=k, bind=bind)
            if may is None or may.argv_text in seen:
                break
            seen.add(may.argv_text)
            copies.append(_rebuild(cur, may.argv, cur.assignments, cur.redirects, cur.markers, via=c.via + (MAYBE_VIA,)))
    if home and uses_home(nc or c):
        nc = nc or c
        nc = _rebuild(nc, nc.argv, nc.assignments, nc.redirects, nc.markers | {Marker.HOME_CHANGED})
    return nc, copies


#: ``via`` label of the copy of a command with values of assignments that may have run
MAYBE_VIA = "maybe-assigned"
#: at most this many such copies per command
MAX_MAYBE = 4


def _home_assigned(src: str) -> bool:
    """True if ``HOME`` occurs other than as a ``$HOME``/``${HOME}`` reference."""
    for m in _HOME_WORD.finditer(src):
        if not _reference(src, m.start(), m.end()):
            return True
    return False


def _reference(src: str, p: int, end: int) -> bool | None:
    """For a name at ``src[p:end]``: True if it is read there (``$X``, ``${X}``, ``${X:-..}``,
    ``${#X}``), False if ``${X=..}``/``${X:=..}`` assigns it, None if it is no expansion."""
    if p and src[p - 1] == "$":
        return True
    if p > 1 and src[p - 2 : p] == "${":
        nxt = src[end : end + 2]
        return not (nxt.startswith("=") or nxt == ":=")
    if p > 2 and src[p - 3 : p] in ("${#", "${!"):
        return src[p - 1] == "#"  # ${!X} is indirection: treat as unknown
    return None


def _expand(c: Command, scope: _Scope | None, maybe: int | None = None, bind: _Bind | None = None) -> Command | None:
    """``c`` with brace expansion and certain values applied, or None if nothing changes.
    With ``maybe=k``: only the words, with the ``k``-th value each variable may have.
    ``bind``: one value of each loop variable (see :meth:`_Scope.lookups`)."""
    argv = c.argv
    if not argv and not c.assignments:
        return None
    resolve = scope is not None
    ctx = c.context
    if maybe is not None:
        sc = scope  # type: _Scope  # type: ignore[assignment]
        new_argv = []
        changed = False
        for w in argv:
            raw = w.raw
            if "$" in raw or "{" in raw:
                pos = w.span[0]
                lk, ulk = sc.lookups(pos, ctx, bind)
                ws = expand_word(
                    w,
                    lambda n, lk=lk: lk(n) or sc.candidate(n, pos, maybe),  # type: ignore[misc]
                    None if ulk is None else (lambda n, ulk=ulk: ulk(n) or sc.candidate(n, pos, maybe)),  # type: ignore[misc]
                )
                if ws is not None:
                    new_argv.extend(ws)
                    changed = True
                    continue
            new_argv.append(w)
        return _rebuild(c, tuple(new_argv), c.assignments, c.redirects, c.markers) if changed else None
    changed = False
    new_argv: list[Word] = []
    markers = c.markers
    for k, w in enumerate(argv):
        lookup = ulookup = None
        if resolve and "$" in w.raw:
            lookup, ulookup = scope.lookups(w.span[0], ctx, bind)  # type: ignore[union-attr]
        ws = expand_word(w, lookup, ulookup) if ("{" in w.raw or lookup is not None) else None
        if ws is None:
            new_argv.append(w)
        else:
            new_argv.extend(ws)
            changed = True
            if k == 0 and "{" in w.raw and Marker.GLOB_NAME not in markers and brace_variants(w.raw) != [w.raw]:
                markers = markers | {Marker.GLOB_NAME}
    assigns = c.assignments
    redirs = c.redirects
    if resolve:
        na = []
        for a in assigns:
            v = a.value
            if "$" in v.raw:
                r = _single(v, scope, ctx, bind)  # type: ignore[arg-type]
                if r is not None:
                    na.append(Assignment(a.name, r, a.span))
                    changed = True
                    continue
            na.append(a)
        assigns = tuple(na)
        nr = []
        for rd in redirs:
            t = rd.target
            if t is not None and not rd.heredoc and "$" in t.raw:
                r = _single(t, scope, ctx, bind)  # type: ignore[arg-type]
                if r is not None:
                    nr.append(Redirect(rd.op, rd.mode, r, rd.span, rd.fd, rd.heredoc, rd.quoted))
                    changed = True
                    continue
            nr.append(rd)
        redirs = tuple(nr)
    if not changed:
        return None
    return _rebuild(c, tuple(new_argv), assigns, redirs, markers)


def _single(w: Word, scope: _Scope, ctx: tuple, bind: _Bind | None = None) -> Word | None:
    """A value / redirect target word with known variables substituted (no splitting)."""
    lookup, ulookup = scope.lookups(w.span[0], ctx, bind)
    fields = substitute(w.raw, lookup, split=False, unquoted=ulookup)
    if fields is None or len(fields) != 1:
        return None
    text, dyn = fields[0]
    return Word(text, w.raw, w.span, dyn)


def _rebuild(c: Command, argv: tuple[Word, ...], assigns: tuple, redirs: tuple, markers: frozenset[Marker], via: tuple | None = None) -> Command:
    """``c`` with new words; the program follows the (new) first word, the span and the
    name markers (computed from the raw name) stay."""
    if argv:
        program = argv[0].text
        if "/" in program:
            program, path_q = program_name(program)
            if path_q and not (markers & _UNSAFE_NAME) and Marker.ANSI_C_NAME not in markers:
                markers = markers | {Marker.PATH_PROGRAM}
    else:
        program = ""
    return Command(argv, program, c.span, assigns, redirs, c.context, c.pipeline, markers, c.via if via is None else via, c.parent, c.source)
