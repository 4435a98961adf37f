"""Shell word analysis shared by both parser fronts: quote removal, expansion flags,
command-name classification and a scanner for command substitutions in raw text.

Both fronts build every :class:`Word` from its *raw source text* with :func:`make_word`, so
the same source span gives the same ``Word`` no matter which parser found it (that is what
makes de-duplication between the parsers exact). Nothing here imports bashlex or tree-sitter.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

from .fastnew import positional_new
from .model import SYSTEM_BIN_DIRS, Assignment, Command, Ctx, Marker, PipelinePos, Redirect, RedirectMode, Span, Word

#: Word / Command built without the dataclass __init__ (hot path; see .fastnew)
_new_word = positional_new(Word)
_new_command = positional_new(Command)

__all__ = [
    "EscapedText",
    "F_EXPANSION",
    "F_SUBST",
    "F_ARITH",
    "F_GLOB",
    "F_BRACE",
    "F_ANSI_C",
    "F_TILDE",
    "F_DYNAMIC",
    "analyze",
    "make_word",
    "name_markers",
    "program_name",
    "find_substitutions",
    "strip_continuations",
    "backtick_body",
    "split_openers",
    "move_command",
    "Substitution",
]

F_EXPANSION = 1  # $name, ${...}
F_SUBST = 2  # $( ) or ` `
F_ARITH = 4  # $(( )), $[ ]
F_GLOB = 8  # unquoted * ? [..]
F_BRACE = 16  # unquoted {a,b} / {1..3}
F_ANSI_C = 32  # $'...'
F_TILDE = 64  # unquoted leading ~
F_PROCSUBST = 128  # <( ) or >( ) inside a word
F_DYNAMIC = F_EXPANSION | F_SUBST | F_ARITH | F_GLOB | F_BRACE | F_TILDE | F_PROCSUBST

_PLAIN = re.compile(r"[A-Za-z0-9\-_./,:=+%@^]*").fullmatch
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _NAME_START | frozenset("0123456789")
_SPECIAL_PARAMS = frozenset("@*#?$!-0123456789")
_DQ_ESCAPABLE = frozenset('$`"\\\n')
_ANSI_SIMPLE = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}


def _match_close(s: str, i: int, open_: str, close: str) -> int:
    """Index just past the ``close`` that balances the ``open_`` already consumed before ``i``.

    Quotes, backslashes and nested ``$( )``/backticks are skipped. Returns ``len(s)`` when
    unbalanced (the rest of the text is then treated as inside).
    """
    depth = 1
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            j = s.find("'", i + 1)
            i = n if j < 0 else j + 1
            continue
        if c == '"':
            i = _skip_dquote(s, i + 1)
            continue
        if c == "`":
            i = _skip_backtick(s, i + 1)
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _skip_dquote(s: str, i: int) -> int:
    """Index just past the closing double quote (``i`` is just after the opening one)."""
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i + 1
        if c == "`":
            i = _skip_backtick(s, i + 1)
            continue
        if c == "$" and i + 1 < n and s[i + 1] in "({":
            i = _match_close(s, i + 2, s[i + 1], ")" if s[i + 1] == "(" else "}")
            continue
        i += 1
    return n


def _skip_backtick(s: str, i: int) -> int:
    """Index just past the closing backtick (``i`` is just after the opening one)."""
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "`":
            return i + 1
        i += 1
    return n


def _ansi_c(s: str, i: int, out: list[str]) -> int:
    """Decode a ``$'...'`` body starting at ``i`` (after the quote); returns index past it."""
    n = len(s)
    while i < n:
        c = s[i]
        if c == "'":
            return i + 1
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        e = s[i + 1]
        i += 2
        if e in _ANSI_SIMPLE:
            out.append(_ANSI_SIMPLE[e])
        elif e in "01234567":
            j = i - 1
            k = j
            while k < n and k < j + 3 and s[k] in "01234567":
                k += 1
            out.append(chr(int(s[j:k], 8) & 0xFF))
            i = k
        elif e in "xuU":
            limit = {"x": 2, "u": 4, "U": 8}[e]
            k = i
            while k < n and k < i + limit and s[k] in "0123456789abcdefABCDEF":
                k += 1
            if k == i:
                out.append("\\" + e)
            else:
                cp = int(s[i:k], 16)
                out.append(chr(cp) if cp <= 0x10FFFF else "\ufffd")
                i = k
        elif e == "c" and i < n:
            out.append(chr(ord(s[i]) & 0x1F))
            i += 1
        else:
            out.append("\\" + e)
    return n


def _has_brace_expansion(s: str, i: int) -> bool:
    """True if the unquoted ``{`` at ``i`` starts a brace expansion ``{a,b}`` or ``{x..y}``."""
    n = len(s)
    depth = 0
    j = i
    comma = False
    while j < n:
        c = s[j]
        if c == "\\":
            j += 2
            continue
        if c == "'":
            k = s.find("'", j + 1)
            j = n if k < 0 else k + 1
            continue
        if c == '"':
            j = _skip_dquote(s, j + 1)
            continue
        if c == "$" and j + 1 < n and s[j + 1] in "({":
            j = _match_close(s, j + 2, s[j + 1], ")" if s[j + 1] == "(" else "}")
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return comma or ".." in s[i + 1 : j]
        elif c == "," and depth == 1:
            comma = True
        j += 1
    return False


@lru_cache(maxsize=8192)
def analyze(raw: str) -> tuple[str, int]:
    """Quote-remove one raw shell word. Returns ``(text, flags)``.

    ``text`` is what bash passes for a static word; expansions are kept verbatim (``$HOME``
    stays ``$HOME``). ``flags`` is a bit set of ``F_*`` values describing what the word
    contains outside single quotes.
    """
    if _PLAIN(raw):
        return raw, 0
    if "\\\n" in raw:
        # bash deletes backslash-newline before it reads the word: "$\<newline>(" is "$("
        joined = strip_continuations(raw)
        if joined is not None and joined[0] != raw:
            return analyze(joined[0])
    out: list[str] = []
    flags = 0
    n = len(raw)
    i = 0
    if raw.startswith("~"):
        flags |= F_TILDE
    while i < n:
        c = raw[i]
        if c == "\\":
            if i + 1 < n:
                if raw[i + 1] != "\n":
                    out.append(raw[i + 1])
                i += 2
            else:
                out.append(c)
                i += 1
        elif c == "'":
            j = raw.find("'", i + 1)
            j = n if j < 0 else j
            out.append(raw[i + 1 : j])
            i = j + 1
        elif c == '"':
            i, f = _dquote(raw, i + 1, out)
            flags |= f
        elif c == "$":
            i, f = _dollar(raw, i, out)
            flags |= f
        elif c == "`":
            j = _skip_backtick(raw, i + 1)
            out.append(raw[i:j])
            flags |= F_SUBST
            i = j
        elif c in "<>" and i + 1 < n and raw[i + 1] == "(":
            j = _match_close(raw, i + 2, "(", ")")
            out.append(raw[i:j])
            flags |= F_PROCSUBST
            i = j
        elif c == "*" or c == "?":
            flags |= F_GLOB
            out.append(c)
            i += 1
        elif c == "[":
            if "]" in raw[i + 1 :]:
                flags |= F_GLOB
            out.append(c)
            i += 1
        elif c == "{":
            if _has_brace_expansion(raw, i):
                flags |= F_BRACE
            out.append(c)
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out), flags


def _dquote(s: str, i: int, out: list[str]) -> tuple[int, int]:
    """Decode a double-quoted part starting after the quote; returns (index past it, flags)."""
    n = len(s)
    flags = 0
    while i < n:
        c = s[i]
        if c == '"':
            return i + 1, flags
        if c == "\\" and i + 1 < n:
            e = s[i + 1]
            if e in _DQ_ESCAPABLE:
                if e != "\n":
                    out.append(e)
            else:
                out.append("\\" + e)
            i += 2
        elif c == "$":
            i, f = _dollar(s, i, out, in_dquote=True)
            flags |= f
        elif c == "`":
            j = _skip_backtick(s, i + 1)
            out.append(s[i:j])
            flags |= F_SUBST
            i = j
        else:
            out.append(c)
            i += 1
    return n, flags


def _dollar(s: str, i: int, out: list[str], in_dquote: bool = False) -> tuple[int, int]:
    """Handle a ``$`` at ``i``; appends the decoded/verbatim text, returns (next index, flags)."""
    n = len(s)
    nxt = s[i + 1] if i + 1 < n else ""
    if nxt == "(":
        if i + 2 < n and s[i + 2] == "(":
            j = _match_close(s, i + 3, "(", ")")
            if j < n and s[j] == ")":
                j += 1
            out.append(s[i:j])
            # ``$((`` may still be ``$( (subshell) )``: treat any $( inside as a substitution too
            return j, F_ARITH | (F_SUBST if "$(" in s[i + 3 : j] or "`" in s[i:j] else 0)
        j = _match_close(s, i + 2, "(", ")")
        out.append(s[i:j])
        return j, F_SUBST
    if nxt == "{":
        j = _match_close(s, i + 2, "{", "}")
        out.append(s[i:j])
        body = s[i:j]
        return j, F_EXPANSION | (F_SUBST if "$(" in body or "`" in body else 0)
    if nxt == "[":
        j = _match_close(s, i + 2, "[", "]")
        out.append(s[i:j])
        return j, F_ARITH
    if nxt == "'" and not in_dquote:
        return _ansi_c(s, i + 2, out), F_ANSI_C
    if nxt == '"' and not in_dquote:
        return _dquote(s, i + 2, out)
    if nxt in _SPECIAL_PARAMS and nxt:
        out.append(s[i : i + 2])
        return i + 2, F_EXPANSION
    if nxt in _NAME_START and nxt:
        j = i + 1
        while j < n and s[j] in _NAME_CHARS:
            j += 1
        out.append(s[i:j])
        return j, F_EXPANSION
    out.append("$")
    return i + 1, 0


def make_word(raw: str, span: Span) -> Word:
    """Build a :class:`Word` from its raw source text and character span."""
    text, flags = analyze(raw)
    return _new_word(text, raw, span, (flags & F_DYNAMIC) != 0)


def name_markers(raw: str) -> frozenset[Marker]:
    """Fail-closed markers implied by a command name's raw text."""
    _, flags = analyze(raw)
    if not flags:
        return frozenset()
    m: set[Marker] = set()
    if flags & (F_EXPANSION | F_SUBST | F_ARITH | F_PROCSUBST):
        m.add(Marker.DYNAMIC_NAME)
    if flags & (F_GLOB | F_BRACE):
        m.add(Marker.GLOB_NAME)
    if flags & F_ANSI_C:
        m.add(Marker.ANSI_C_NAME)
    return frozenset(m)


@lru_cache(maxsize=4096)
def program_name(text: str) -> tuple[str, bool]:
    """``(program, path_qualified)`` for a command name after quote removal.

    ``/usr/bin/rm``, ``//usr//bin//rm``, ``/usr/bin/../bin/rm``, ``/./bin/rm`` -> ``("rm", False)``
    (the directory is normalised); ``/usr/bin/../../tmp/rm`` and ``./rm`` -> themselves, True;
    ``rm`` -> ``("rm", False)``.
    """
    if "/" not in text:
        return text, False
    head, _, base = text.rpartition("/")
    if base and base not in (".", "..") and head.startswith("/"):
        d = os.path.normpath(head or "/")
        if d.startswith("//"):
            d = "/" + d.lstrip("/")  # POSIX normpath keeps a leading "//"; Linux does not
        if d in SYSTEM_BIN_DIRS:
            return base, False
    return text, True


class Substitution(tuple):
    """``(start, end, inner_start, inner_end, kind, in_parameter)`` of a substitution found
    by :func:`find_substitutions`; kind is ``"$("``, ``"`"``, ``"<("`` or ``">("``."""

    __slots__ = ()


def find_substitutions(s: str, heredoc: bool = False) -> list[Substitution]:
    """Top-level command/process substitutions in raw text, quote-aware.

    With ``heredoc=True`` the text is an unquoted heredoc body: quotes are literal there,
    only ``\\``, ``$(`` and backticks are special. Arithmetic ``$((`` is not a substitution
    itself, but substitutions inside it and inside ``${...}`` are reported.
    """
    res: list[Substitution] = []
    joined = strip_continuations(s, heredoc) if "\\\n" in s else None
    if joined is None:
        _scan(s, 0, len(s), heredoc, False, res)
        return res
    # backslash-newline can sit inside "$(", "<(" or "${": scan the text without it and map
    # every offset back into ``s``
    t, pos = joined
    _scan(t, 0, len(t), heredoc, False, res)

    def start(k: int) -> int:
        return pos[k]

    def end(k: int, lo: int) -> int:
        return pos[k - 1] + 1 if k > lo else pos[lo]

    return [
        Substitution((start(a), end(b, a), start(i0), end(i1, i0), kind, in_param))
        for a, b, i0, i1, kind, in_param in res
    ]


def strip_continuations(s: str, heredoc: bool = False) -> tuple[str, list[int]] | None:
    """``s`` without the backslash-newline pairs bash deletes before reading it (all of them
    except inside single quotes and ``$'..'``; in an unquoted heredoc body, where quotes are
    literal, all of them), and for every character of the result its offset in ``s`` (one
    more entry: ``len(s)``). None when ``s`` has none."""
    if "\\\n" not in s:
        return None
    out: list[str] = []
    pos: list[int] = []
    n = len(s)
    i = 0
    in_dq = False
    dollar = False  # the previous character is an unescaped "$" (then "'" opens $'..')
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n:
            if s[i + 1] != "\n":
                out += (c, s[i + 1])
                pos += (i, i + 1)
                dollar = False
            i += 2
            continue
        if not heredoc and not in_dq and c == "'":
            ansi = dollar
            dollar = False
            j = i + 1
            while j < n and s[j] != "'":
                j += 2 if ansi and s[j] == "\\" else 1
            j = min(j + 1, n)
            out.extend(s[i:j])
            pos.extend(range(i, j))
            i = j
            continue
        if c == '"' and not heredoc:
            in_dq = not in_dq
        dollar = c == "$"
        out.append(c)
        pos.append(i)
        i += 1
    pos.append(n)
    return "".join(out), pos


def _scan(s: str, i: int, end: int, heredoc: bool, in_param: bool, res: list[Substitution]) -> None:
    in_dq = False
    while i < end:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "'" and not heredoc and not in_dq:
            j = s.find("'", i + 1)
            i = end if j < 0 or j >= end else j + 1
            continue
        if c == '"' and not heredoc:
            in_dq = not in_dq
            i += 1
            continue
        if c == "`":
            j = _skip_backtick(s, i + 1)
            j = min(j, end)
            inner_end = j - 1 if j <= end and j > i + 1 and s[j - 1] == "`" else j
            res.append(Substitution((i, j, i + 1, inner_end, "`", in_param)))
            i = j
            continue
        if c == "$" and i + 1 < end:
            nxt = s[i + 1]
            if nxt == "(" and i + 2 < end and s[i + 2] == "(":
                j = min(_match_close(s, i + 3, "(", ")"), end)
                _scan(s, i + 3, j, heredoc, in_param, res)
                if j < end and s[j] == ")":
                    j += 1
                i = j
                continue
            if nxt == "(":
                j = min(_match_close(s, i + 2, "(", ")"), end)
                inner_end = j - 1 if s[j - 1 : j] == ")" and j > i + 2 else j
                res.append(Substitution((i, j, i + 2, inner_end, "$(", in_param)))
                i = j
                continue
            if nxt == "{":
                j = min(_match_close(s, i + 2, "{", "}"), end)
                _scan(s, i + 2, j, heredoc, True, res)
                i = j
                continue
            if nxt == "'" and not in_dq and not heredoc:
                i = _ansi_c(s, i + 2, [])
                continue
        if c in "<>" and not in_dq and not heredoc and i + 1 < end and s[i + 1] == "(":
            j = min(_match_close(s, i + 2, "(", ")"), end)
            inner_end = j - 1 if s[j - 1 : j] == ")" and j > i + 2 else j
            res.append(Substitution((i, j, i + 2, inner_end, c + "(", in_param)))
            i = j
            continue
        i += 1


def backtick_body(s: str) -> tuple[str, list[int], list[int]] | None:
    """The text bash runs for the body ``s`` of a `````...````` substitution: inside it a
    backslash before ``$``, a backtick or a backslash is removed (so ``\\``` starts a nested
    substitution and ``\\$x`` is an expansion). Returns that text and, for each of its
    characters, the offsets in ``s`` where its source starts and ends; None when ``s`` has no
    such escape (its text is then ``s`` itself)."""
    if "\\" not in s:
        return None
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    changed = False
    n = len(s)
    i = 0
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n and s[i + 1] in "$`\\":
            out.append(s[i + 1])
            starts.append(i)
            ends.append(i + 2)
            changed = True
            i += 2
            continue
        out.append(c)
        starts.append(i)
        ends.append(i + 1)
        i += 1
    return ("".join(out), starts, ends) if changed else None


def split_openers(body: str) -> list[Substitution]:
    """The substitutions of an unquoted heredoc body whose opener is split by a
    backslash-newline (``$\\<newline>(``): bash deletes it, so they run, but a search for
    ``$(`` in the body does not see them."""
    if "\\\n" not in body:
        return []
    return [sub for sub in find_substitutions(body, heredoc=True) if "\\\n" in body[sub[0] : sub[2]]]


def move_command(c: Command, starts: list[int], ends: list[int], base: int, ctx: tuple) -> Command:
    """Move ``c``, found by parsing a text of its own, into the text that text came from:
    character ``k`` of it came from offsets ``base + starts[k]`` .. ``base + ends[k]`` there
    (a `````...````` body with its escapes removed, or a verbatim substring), and ``ctx`` is
    put before its context. Every span (words, assignments, redirects, pipeline keys) is mapped;
    ``raw`` stays the text that was parsed."""
    total = ends[-1] if ends else 0

    def sp(span: Span) -> Span:
        a, b = span
        lo = starts[a] if a < len(starts) else total
        return (base + lo, base + (ends[b - 1] if b > a else lo))

    def wd(w: Word | None) -> Word | None:
        return None if w is None else _new_word(w.text, w.raw, sp(w.span), w.dynamic)

    p = c.pipeline
    if p is not None:
        p = PipelinePos(sp((p.id, p.id))[0], p.index, p.length)
    return _new_command(
        tuple(wd(w) for w in c.argv),
        c.program,
        sp(c.span),
        tuple(Assignment(a.name, wd(a.value), sp(a.span)) for a in c.assignments),
        tuple(Redirect(r.op, r.mode, wd(r.target), sp(r.span), r.fd, r.heredoc, r.quoted) for r in c.redirects),
        ctx + c.context,
        p,
        c.markers,
        c.via,
        c.parent,
        c.source,
    )


def new_command(
    argv: tuple[Word, ...],
    assignments: tuple,
    redirects: tuple,
    context: tuple,
    pipeline,
    source: str,
    extra_markers: frozenset[Marker] = frozenset(),
    inherited: tuple = (),
    via: tuple = (),
) -> Command:
    """Build a :class:`Command`: program name, span and name markers derived from the parts.

    ``inherited`` redirects (from an enclosing ``{ ...; } > f``) are appended to the
    command's redirects but do not widen its span."""
    if redirects or assignments:
        spans = [w.span for w in argv]
        spans += [a.span for a in assignments]
        spans += [r.span for r in redirects]
        span = (min(s[0] for s in spans), max(s[1] for s in spans))
    elif argv:
        span = (argv[0].span[0], argv[-1].span[1])
    else:
        span = (0, 0)
    markers = extra_markers
    if argv:
        w0 = argv[0]
        program = w0.text
        path_q = False
        if "/" in program:
            program, path_q = program_name(program)
        flags = analyze(w0.raw)[1]
        if flags or path_q:
            nm = name_markers(w0.raw)
            if path_q and not nm:
                nm = nm | {Marker.PATH_PROGRAM}
            markers = markers | nm
    else:
        program = ""
    return _new_command(
        argv,
        program,
        span,
        assignments,
        redirects + inherited if inherited else redirects,
        context,
        pipeline,
        markers,
        via,
        None,
        source,
    )


def redirect_mode(op: str, target_text: str | None) -> RedirectMode:
    """The :class:`RedirectMode` of a redirection operator and its (quote-removed) target."""
    if op in ("<<", "<<-", "<<<", "<"):
        return RedirectMode.READ
    if op == "<>":
        return RedirectMode.READWRITE
    if op in (">>", "&>>"):
        return RedirectMode.APPEND
    if op in (">&", "<&"):
        if target_text is None or target_text == "-" or target_text.rstrip("-").isdigit():
            return RedirectMode.DUP
        return RedirectMode.WRITE if op == ">&" else RedirectMode.READ
    return RedirectMode.WRITE


def heredoc_quoted(delim_raw: str) -> bool:
    """A heredoc delimiter with any quoting makes the body literal."""
    return any(c in delim_raw for c in "'\"\\")


class EscapedText:
    """Walker methods shared by both parser fronts: parse the text bash reads after its
    escapes where the parser's tree does not show it. A walker using them has ``bt_done``
    (the source offsets of the `...` bodies already parsed) and
    ``reparse(text, starts, ends, base, ctx, depth)`` (parse ``text`` with its own parser and
    add its commands, moved back into the source)."""

    __slots__ = ()
    bt_done: set[int]
    src: str

    def reparse(self, text: str, starts: list[int], ends: list[int], base: int, ctx: tuple, depth: int) -> None:
        raise NotImplementedError

    def escaped_backtick(self, a: int, b: int, ctx: tuple, depth: int) -> bool:
        """The `...` substitution at source span ``a..b``: if its body has escapes bash
        removes (``\\$``, ``\\```, ``\\\\``), parse the text bash runs; False if there is none."""
        src = self.src
        end = b - 1 if b - a >= 2 and src[b - 1] == "`" else b
        body = backtick_body(src[a + 1 : end])
        if body is None:
            return False
        self.bt_done.add(a)
        self.reparse(*body, a + 1, ctx, depth)
        return True

    def hidden_backticks(self, w: Word, ctx: tuple, depth: int) -> None:
        """`...` substitutions with escapes in a word that the parser's tree does not show
        (inside ``${x:-...}`` or ``$((...))``): parse them after their escapes as well."""
        raw = w.raw
        if "`" not in raw or "\\" not in raw:
            return
        base = w.span[0]
        for start, _end, i0, i1, kind, in_param in find_substitutions(raw):
            if kind != "`" or base + start in self.bt_done:
                continue
            body = backtick_body(raw[i0:i1])
            if body is not None:
                self.bt_done.add(base + start)
                self.reparse(*body, base + i0, ctx + ((Ctx.PARAMETER,) if in_param else ()) + (Ctx.BACKTICK,), depth + 1)

    def heredoc_escapes(self, raw: str, b0: int, ctx: tuple, depth: int) -> None:
        """In an unquoted heredoc body: a substitution whose opener a backslash-newline splits
        (``$\\<newline>(``), and a `````...````` body with escapes."""
        if "\\" not in raw:
            return
        subs = split_openers(raw) + [x for x in find_substitutions(raw, heredoc=True) if x[4] == "`"]
        for _start, _end, i0, i1, kind, in_param in subs:
            c2 = ctx + ((Ctx.PARAMETER,) if in_param else ())
            if kind == "`":
                body = backtick_body(raw[i0:i1])
                if body is not None and b0 + _start not in self.bt_done:
                    self.bt_done.add(b0 + _start)
                    self.reparse(*body, b0 + i0, c2 + (Ctx.BACKTICK,), depth + 1)
            else:
                k = i1 - i0
                self.reparse(raw[i0:i1], list(range(k)), list(range(1, k + 1)), b0 + i0, c2 + (Ctx.COMMAND_SUBSTITUTION,), depth + 1)
