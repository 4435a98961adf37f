"""Static word expansion: bash brace expansion and substitution of known variable values.

Both work on the *raw* source text of one word and never parse commands:

* :func:`brace_variants` expands every unquoted brace expression (``{a,b}``, ``{1..3}``,
  ``{01..10..2}``, ``{a..e}``, nested) like bash does, left to right, up to a cap;
* :func:`substitute` replaces ``$NAME`` / ``${NAME}`` by statically known values and
  returns the resulting fields after quote removal and (for unquoted expansions) word
  splitting on blanks and newlines, or None when anything in the word stays unknown.

:func:`expand_word` combines the two for an argument word and returns the new
:class:`Word` objects (each keeps the raw text and span of the word as written).
"""

from __future__ import annotations

import re
from typing import Callable

from .model import Word
from .words import F_DYNAMIC, _ansi_c, _match_close, _skip_backtick, _skip_dquote, analyze

__all__ = ["MAX_BRACE_WORDS", "brace_variants", "substitute", "expand_word", "home_text"]

#: A word whose brace expansion would give more words than this is kept as one dynamic word.
MAX_BRACE_WORDS = 64

_SEQ_NUM = re.compile(r"([+-]?\d+)\.\.([+-]?\d+)(?:\.\.([+-]?\d+))?").fullmatch
_SEQ_CHR = re.compile(r"([A-Za-z])\.\.([A-Za-z])(?:\.\.([+-]?\d+))?").fullmatch
_IFS_WS = re.compile(r"[ \t\n]+")
_GLOB = frozenset("*?[")

#: ``lookup(name) -> (value text, dynamic)`` or None when the value is not known statically.
Lookup = Callable[[str], "tuple[str, bool] | None"]


def _skip_quoted(s: str, i: int) -> int | None:
    """If a quoted or substitution construct starts at ``i``, the index just past it."""
    c = s[i]
    n = len(s)
    if c == "\\":
        return i + 2
    if c == "'":
        j = s.find("'", i + 1)
        return n if j < 0 else j + 1
    if c == '"':
        return _skip_dquote(s, i + 1)
    if c == "`":
        return _skip_backtick(s, i + 1)
    if c == "$" and i + 1 < n:
        nx = s[i + 1]
        if nx in "({[":
            return _match_close(s, i + 2, nx, {"(": ")", "{": "}", "[": "]"}[nx])
        if nx == "'":
            return _ansi_c(s, i + 2, [])
    return None


def _brace_at(s: str, i: int) -> tuple[list[str], int] | None:
    """The alternatives of the brace expression opened at ``s[i] == "{"`` and the index
    just past its ``}``, or None if it is not a brace expansion.

    As in bash's ``brace_gobbler``, a ``}`` closes the expression only after a ``,`` (or a
    ``..`` not right before the ``}``) at the same level: ``{},x}`` is ``}`` and ``x``."""
    n = len(s)
    depth = 0
    seps = 0
    j = i + 1
    parts: list[str] = []
    last = i + 1
    while j < n:
        k = _skip_quoted(s, j)
        if k is not None:
            j = k
            continue
        c = s[j]
        if c == "}" and depth == 0 and seps:
            if parts:
                parts.append(s[last:j])
                return parts, j + 1
            seq = _sequence(s[i + 1 : j])
            return (seq, j + 1) if seq is not None else None
        if c == "{":
            depth += 1
        elif c == "}":
            if depth:
                depth -= 1
        elif c == "," and depth == 0:
            parts.append(s[last:j])
            last = j + 1
            seps += 1
        elif c == "." and depth == 0 and s.startswith("..", j) and s[j + 2 : j + 3] != "}":
            seps += 1
        j += 1
    return None


def _sequence(body: str) -> list[str] | None:
    """``1..5``, ``05..1..2``, ``a..e`` -> the words; None if not a sequence expression.
    A sequence longer than the cap gives ``[]`` (the caller keeps the word unexpanded)."""
    m = _SEQ_NUM(body)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        step = abs(int(m.group(3))) if m.group(3) else 1
        step = step or 1
        if abs(b - a) // step + 1 > MAX_BRACE_WORDS:
            return []
        width = 0
        for g in (m.group(1), m.group(2)):
            d = g.lstrip("+-")
            if len(d) > 1 and d.startswith("0"):
                width = max(width, len(g))
        rng = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
        return [str(v).zfill(width) if width and v >= 0 else (("-" + str(-v).zfill(width - 1)) if width else str(v)) for v in rng]
    m = _SEQ_CHR(body)
    if m:
        a, b = ord(m.group(1)), ord(m.group(2))
        step = abs(int(m.group(3))) if m.group(3) else 1
        step = step or 1
        if abs(b - a) // step + 1 > MAX_BRACE_WORDS:
            return []
        rng = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
        # bash quotes the characters that are special to it (``{Z..a}`` includes ``[ \\ ]``)
        return [chr(v) if chr(v).isalpha() else "\\" + chr(v) for v in rng]
    return None


def brace_variants(raw: str, cap: int = MAX_BRACE_WORDS) -> list[str] | None:
    """The raw words bash's brace expansion makes of ``raw`` (``[raw]`` when it has no brace
    expression), or None when there would be more than ``cap`` of them.

    Like bash: the leftmost expression's alternatives are each expanded, the text after it
    is expanded on its own, and the results are combined (never re-scanned)."""
    if raw.count("{") > 4 * cap:
        return None  # bounds the recursion below as well
    found = _first_brace(raw)
    if found is None:
        return [raw]
    start, alts, end = found
    if not alts:
        return None  # a sequence over the cap
    pre = raw[:start]
    mids: list[str] = []
    for a in alts:
        sub = brace_variants(a, cap)
        if sub is None:
            return None
        mids.extend(sub)
        if len(mids) > cap:
            return None
    posts = brace_variants(raw[end:], cap)
    if posts is None or len(mids) * len(posts) > cap:
        return None
    return [pre + m + p for m in mids for p in posts]


def _first_brace(s: str) -> tuple[int, list[str], int] | None:
    """The leftmost expandable brace expression: (start, alternatives, end)."""
    if "{" not in s:
        return None
    i = 0
    n = len(s)
    while i < n:
        k = _skip_quoted(s, i)
        if k is not None:
            i = k
            continue
        if s[i] == "{" and not (i == 0 and s[1:2] == "}"):  # bash: a leading "{}" opens nothing
            r = _brace_at(s, i)
            if r is not None:
                return i, r[0], r[1]
        i += 1
    return None


def home_text(text: str, raw_starts_with_tilde: bool) -> tuple[str, bool]:
    """A word whose text starts with ``~`` after brace expansion although the raw word does
    not (``{~,x}/a``): bash tilde-expands it, but policies resolve ``~`` from the raw text,
    so write it as ``$HOME/...`` (which they also resolve). Returns (text, dynamic)."""
    if raw_starts_with_tilde or not text.startswith("~"):
        return text, False
    if text == "~" or text.startswith("~/"):
        return "$HOME" + text[1:], True
    return text, True  # ~user: unknown


def substitute(raw: str, lookup: Lookup, split: bool = True, glob: bool = True, unquoted: Lookup | None = None) -> list[tuple[str, bool]] | None:
    """Expand ``$NAME``/``${NAME}`` in one raw word with ``lookup``; returns the fields
    ``(text, dynamic)`` bash would produce, or None if the word holds any expansion that
    is not known (other parameters, ``${x:-..}``, ``$( )``, arithmetic ...).

    Unquoted values are split on blanks/newlines when ``split`` (argument words; not
    assignment values or redirect targets, where None is returned if a split would
    happen) and a field with an unquoted glob character is dynamic. A field that comes out
    empty from unquoted text only is dropped, as bash does. ``glob=False`` (assignment
    values): glob characters are literal. A value that is dynamic makes every field
    dynamic, quoted or not (``"$f"`` with ``f=~/x`` is ``$HOME/x``, which policies resolve
    only in a dynamic word). ``unquoted``, when given, is used instead of ``lookup`` for
    references outside double quotes (a value that may only be used quoted)."""
    segs: list[tuple[str, int]] = []  # (text, kind) kind: 0 literal unquoted, 1 quoted, 2 unquoted value
    ulookup = lookup if unquoted is None else unquoted
    qdyn = [False]  # set by _dq when a quoted value is dynamic
    dyn = False
    n = len(raw)
    i = 0
    if raw.startswith("~"):
        dyn = True
    while i < n:
        c = raw[i]
        if c == "\\":
            if i + 1 < n:
                if raw[i + 1] != "\n":
                    segs.append((raw[i + 1], 1))
                i += 2
            else:
                segs.append(("\\", 0))
                i += 1
        elif c == "'":
            j = raw.find("'", i + 1)
            j = n if j < 0 else j
            segs.append((raw[i + 1 : j], 1))
            i = j + 1
        elif c == '"':
            i = _dq(raw, i + 1, lookup, segs, qdyn)
            if i < 0:
                return None
        elif c == "$":
            nx = raw[i + 1] if i + 1 < n else ""
            if nx == "'":
                out: list[str] = []
                i = _ansi_c(raw, i + 2, out)
                segs.append(("".join(out), 1))
            elif nx == '"':
                i = _dq(raw, i + 2, lookup, segs, qdyn)
                if i < 0:
                    return None
            elif nx and nx in "([":
                return None
            elif nx == "" or not (nx == "{" or nx.isalnum() or nx in "_@*#?$!-"):
                segs.append(("$", 0))
                i += 1
            else:
                r = _param(raw, i, ulookup)
                if r is None:
                    return None
                (val, vdyn), i = r
                dyn = dyn or vdyn
                segs.append((val, 2))
        elif c == "`" or (c in "<>" and raw[i + 1 : i + 2] == "("):
            return None
        else:
            segs.append((c, 0))
            i += 1
    return _fields(segs, dyn or qdyn[0], split, glob)


def _param(s: str, i: int, lookup: Lookup) -> tuple[tuple[str, bool], int] | None:
    """A ``$NAME`` or ``${NAME}`` reference at ``i`` with a known value: (value, next index)."""
    n = len(s)
    if s[i + 1] == "{":
        j = i + 2
        while j < n and (s[j].isalnum() or s[j] == "_"):
            j += 1
        if j >= n or s[j] != "}" or j == i + 2 or s[i + 2].isdigit():
            return None
        name, end = s[i + 2 : j], j + 1
    else:
        j = i + 1
        if not (s[j].isalpha() or s[j] == "_"):
            return None
        while j < n and (s[j].isalnum() or s[j] == "_"):
            j += 1
        name, end = s[i + 1 : j], j
    v = lookup(name)
    if v is None:
        return None
    return v, end


def _dq(s: str, i: int, lookup: Lookup, segs: list[tuple[str, int]], dyn: list[bool]) -> int:
    """A double-quoted part starting after its quote: append quoted segments, return the
    index past it, or -1 if it holds an unknown expansion; ``dyn[0]`` becomes True when a
    substituted value is dynamic."""
    n = len(s)
    while i < n:
        c = s[i]
        if c == '"':
            return i + 1
        if c == "\\" and i + 1 < n:
            e = s[i + 1]
            if e in '$`"\\\n':
                if e != "\n":
                    segs.append((e, 1))
            else:
                segs.append(("\\" + e, 1))
            i += 2
        elif c == "$":
            nx = s[i + 1] if i + 1 < n else ""
            if nx == "" or not (nx == "{" or nx.isalnum() or nx in "_@*#?$!-(["):
                segs.append(("$", 1))
                i += 1
                continue
            if nx in "([":
                return -1
            r = _param(s, i, lookup)
            if r is None:
                return -1
            (val, vdyn), i = r
            if vdyn:
                dyn[0] = True
            segs.append((val, 1))
        elif c == "`":
            return -1
        else:
            segs.append((c, 1))
            i += 1
    return n


def _fields(segs: list[tuple[str, int]], dyn: bool, split: bool, do_glob: bool = True) -> list[tuple[str, bool]] | None:
    fields: list[tuple[str, bool]] = []
    cur: list[str] = []
    keep = False  # a quoted (possibly empty) part makes the field exist
    glob = False
    for text, kind in segs:
        if kind == 2:
            pieces = _IFS_WS.split(text)
            if len(pieces) > 1 and not split:
                return None
            for k, p in enumerate(pieces):
                if k:
                    if cur or keep:
                        fields.append(("".join(cur), dyn or glob))
                    cur, keep, glob = [], False, False
                if p:
                    cur.append(p)
                    if do_glob and not _GLOB.isdisjoint(p):
                        glob = True
        else:
            cur.append(text)
            if kind == 1:
                keep = True
            elif do_glob and text in _GLOB:
                glob = True
    if cur and "".join(cur) or keep:
        fields.append(("".join(cur), dyn or glob))
    return fields


def expand_word(w: Word, lookup: Lookup | None, unquoted: Lookup | None = None) -> list[Word] | None:
    """The words bash makes of argument word ``w``: brace expansion, then known variables
    (with ``lookup``; ``unquoted`` for references outside double quotes, see
    :func:`substitute`), then word splitting. None when nothing changes (the common case).
    Every returned Word keeps ``w.raw`` and ``w.span``."""
    raw = w.raw
    variants = [raw]
    braced = False
    if "{" in raw:
        v = brace_variants(raw)
        if v is None:
            return None  # over the cap: the word stays as written (dynamic)
        if len(v) > 1 or v[0] != raw:
            variants = v
            braced = True
    subst = lookup is not None and "$" in raw
    if not braced and not subst:
        return None
    tilde = raw.startswith("~")
    out: list[Word] = []
    changed = braced
    for var in variants:
        if not var:
            continue  # an empty unquoted word from brace expansion is removed (``x{,}``)
        fields = substitute(var, lookup, unquoted=unquoted) if subst else None  # type: ignore[arg-type]
        if fields is None:
            text, flags = analyze(var)
            fields = [(text, bool(flags & F_DYNAMIC))]
        else:
            changed = True
        if not tilde and var.startswith("~") and fields:
            text, hdyn = home_text(fields[0][0], False)
            fields[0] = (text, fields[0][1] or hdyn)
        for text, fdyn in fields:
            out.append(Word(text, raw, w.span, fdyn))
    return out if changed else None

