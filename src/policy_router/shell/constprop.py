"""Constant propagation and static expansion over the commands of ONE shell text.

:func:`static_expand` rewrites the argv (and prefix-assignment values / redirect targets)
of the commands found in one text, before wrappers are unwrapped:

* brace expansion of argument words (:func:`.expand.brace_variants`);
* ``$NAME`` / ``${NAME}`` replaced by the value of an earlier literal assignment in the same
  shell scope (``f=~/.ssh/id_rsa; cat $f``, ``export X=/etc; cat $X/shadow``,
  ``a=rm; $a -rf ~``), with word splitting of unquoted values;
* commands that use ``~`` / ``$HOME`` after anything in the text may have assigned ``HOME``
  get :attr:`Marker.HOME_CHANGED`.

A value is used only when it is certain. An assignment counts when it is a standalone
assignment (or ``export``/``readonly``/``declare``/``typeset`` with at most ``-x -r -g``) at
the top level of the text (no subshell, group, pipeline, background, if/loop/case/function
body, substitution) that is not the right-hand side of ``&&`` / ``||``, and its value is
static or built only from known values. A name is never resolved (anywhere in the text) when
it also occurs in any other position that could assign it: an assignment that does not count,
``read``/``for``/``getopts``/``printf -v``/``unset``/``local``/``${X:=..}``/arithmetic, any word
of ``eval``/``trap``/``alias``/declaration builtins, a dynamic word, a heredoc body. After a
call of a function defined in the text, ``eval``, ``source``/``.``, ``trap``, ``command``/
``builtin``/``exec`` or a command whose name is dynamic, nothing is resolved. Prefix
assignments (``X=1 cmd $X``) do not count: bash expands ``cmd``'s words first. A command name
resolved this way keeps its ``dynamic_name`` marker. Special variables (``HOME``, ``IFS``,
``PWD``, ``RANDOM`` ...) are never propagated, and any assignment of ``IFS`` switches
propagation off for the text.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from .expand import brace_variants, expand_word, substitute
from .model import Assignment, Command, Ctx, Marker, Redirect, Word
from .words import F_ARITH, F_BRACE, F_PROCSUBST, F_SUBST, F_TILDE, _match_close, _skip_backtick, _skip_dquote, analyze, make_word, program_name

__all__ = ["static_expand", "uses_home", "SPECIAL_NAMES", "MAYBE_VIA"]

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
_HOME_WORD = re.compile(r"(?<![A-Za-z0-9_])HOME(?![A-Za-z0-9_])")


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

    __slots__ = ("src", "defs", "barriers", "poisoned", "candidates")

    def __init__(self, src: str) -> None:
        self.src = src
        self.defs: dict[str, list[_Def]] = {}
        self.barriers: list[int] = []
        self.poisoned: set[str] = set()
        #: name -> every assignment with a known value, certain or not (for command names)
        self.candidates: dict[str, list[_Def]] = {}

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


def _build(src: str, cmds: list[Command], functions: set[str]) -> _Scope | None:
    """Collect assignments, barriers and poisoned names; None if nothing can be resolved."""
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
    if not defs:
        return None
    if "for" in src or "select" in src or "case" in src:
        # the word lists of ``for/select NAME in WORDS`` and the word of ``case WORD in`` are
        # plain text (the NAME of for/select is assigned and stays unsafe)
        for m in _LIST_HEADER.finditer(src):
            harmless.append(m.span(1))
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
    return sc


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


def static_expand(src: str, cmds: list[Command], functions: set[str]) -> tuple[list[Command] | None, dict[int, list[Command]]]:
    """The commands of one text with brace expansion and known variables applied (see the
    module docstring; None when nothing changed), and for commands that use a variable an
    assignment may (but need not) have set, copies with those values substituted (up to
    ``MAX_MAYBE``, by index; ``true && f=~/.ssh/id_rsa; cat $f``: a copy reads
    ``$HOME/.ssh/id_rsa``). The copies are extra commands: they only make a decision stricter."""
    extra: dict[int, list[Command]] = {}
    has_dollar = "$" in src
    if not has_dollar and "{" not in src and "HOME" not in src:
        return None, extra
    scope = _build(src, cmds, functions) if has_dollar and "=" in src else None
    home = "HOME" in src and _home_assigned(src)
    out: list[Command] | None = None
    for idx, c in enumerate(cmds):
        nc = _expand(c, scope)
        if scope is not None and scope.candidates:
            cur = nc or c
            seen = {cur.argv_text}
            for k in range(MAX_MAYBE):
                may = _expand(c, scope, maybe=k)
                if may is None or may.argv_text in seen:
                    break
                seen.add(may.argv_text)
                extra.setdefault(idx, []).append(
                    _rebuild(cur, may.argv, cur.assignments, cur.redirects, cur.markers, via=c.via + (MAYBE_VIA,))
                )
        if home and uses_home(nc or c):
            nc = nc or c
            nc = _rebuild(nc, nc.argv, nc.assignments, nc.redirects, nc.markers | {Marker.HOME_CHANGED})
        if nc is not None:
            if out is None:
                out = list(cmds)
            out[idx] = nc
    return out, extra


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


def _expand(c: Command, scope: _Scope | None, maybe: int | None = None) -> Command | None:
    """``c`` with brace expansion and certain values applied, or None if nothing changes.
    With ``maybe=k``: only the words, with the ``k``-th value each variable may have."""
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
                ws = expand_word(w, lambda n: sc.value(n, pos, ctx) or sc.candidate(n, pos, maybe))
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
        lookup = scope.lookup_at(w.span[0], ctx) if resolve and "$" in w.raw else None  # type: ignore[union-attr]
        ws = expand_word(w, lookup) if ("{" in w.raw or lookup is not None) else None
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
                r = _single(v, scope, ctx)  # type: ignore[arg-type]
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
                r = _single(t, scope, ctx)  # type: ignore[arg-type]
                if r is not None:
                    nr.append(Redirect(rd.op, rd.mode, r, rd.span, rd.fd, rd.heredoc, rd.quoted))
                    changed = True
                    continue
            nr.append(rd)
        redirs = tuple(nr)
    if not changed:
        return None
    return _rebuild(c, tuple(new_argv), assigns, redirs, markers)


def _single(w: Word, scope: _Scope, ctx: tuple) -> Word | None:
    """A value / redirect target word with known variables substituted (no splitting)."""
    fields = substitute(w.raw, scope.lookup_at(w.span[0], ctx), split=False)
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
