"""``parse(cmd) -> ParsedLine``: every simple command a shell line would execute.

Pipeline (see docs/parsing.md):

1. size / depth caps (TOO_LARGE: bashlex is not run; a quick paren-depth estimate over the
   cap skips bashlex and marks TOO_DEEP);
2. both fronts: bashlex (primary) and tree-sitter-bash (fallback + cross-check);
3. union of their commands, de-duplicated by (argv spans+texts, assignment spans); a command
   both report gets ``source="both"``;
4. safety net: every ``$(..)``/backtick/``<(..)`` inside a word, ``${..}`` or an unquoted
   heredoc body that no parser turned into a command is re-parsed from its verbatim text
   (spans shifted); if that finds nothing the owner gets HIDDEN_SUBSTITUTION;
5. unwrap (:mod:`.unwrap`): wrappers' inner commands and re-parsed nested shell text,
   recursively, one depth level per nesting;
6. function-call markers, line markers copied onto commands, pipeline ids renumbered,
   parent indices assigned.

:func:`parse` never raises.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, insort

from .bashlex_front import FrontResult, parse_bashlex
from .fastnew import positional_new
from .model import (
    Assignment,
    Command,
    Ctx,
    Marker,
    ParsedLine,
    ParseIssue,
    PipelinePos,
    Redirect,
    Word,
)
from .constprop import hijacking_loop, static_expand, uses_home
from .treesitter_front import parse_treesitter
from .unwrap import unwrap
from .words import F_SUBST, analyze, find_substitutions

__all__ = ["parse"]

#: tree-sitter still lists commands of inputs over max_chars, up to this multiple of max_chars
#: (tree-sitter plus our walk cost about 1.5 ms per 1,000 characters of ordinary commands).
TREE_SITTER_OVERSIZE_FACTOR = 2
#: all nested text re-parsed during one parse() call (bash -c strings, eval, heredocs fed to
#: shells, substitutions re-parsed by the safety net) is capped at this multiple of max_chars;
#: without a cap ``eval eval eval ... x`` costs O(n * depth) parser time.
NESTED_TEXT_FACTOR = 1


_ns_counter = itertools.count()
#: A line made only of these characters has no redirection, expansion, substitution,
#: grouping, escape, comment or newline: it is simple commands of static words (quotes can
#: only group words), possibly joined by ``|`` ``&&`` ``||`` ``;`` ``&``, with glob and tilde
#: characters in words (the word flags come from the raw text, not from a parser). None of
#: the constructs in which bashlex hides a command can be written with it, so the tree-sitter
#: cross-check is skipped (about 95% of the benchmark corpus). Redirections and ``[`` stay
#: out: there bashlex does misread lines such as ``> f x=1 time sh`` and the cross-check
#: matters. Checked by comparing parse() with and without the skip on random lines of this
#: alphabet: the only differences were extra phantom commands from tree-sitter misreading
#: ``%`` words, never a command bash runs.
_PLAIN_LINE = re.compile(r"""[A-Za-z0-9 \t_./,:=+%@^'"|&;*?~-]*""").fullmatch
#: Static expansion (brace lists, variables, tilde after a HOME assignment) only has work to
#: do on a line that contains one of these characters.
_MAY_EXPAND = re.compile(r"[${~]").search
_LINE_TO_CMD = (Marker.TOO_LARGE, Marker.TOO_DEEP)
_SUBST_CTX = {
    "$(": Ctx.COMMAND_SUBSTITUTION,
    "`": Ctx.BACKTICK,
    "<(": Ctx.PROCESS_SUBSTITUTION_IN,
    ">(": Ctx.PROCESS_SUBSTITUTION_OUT,
}


class _E:
    """A command under construction: the Command (pipeline id still front-local), who found
    it, extra markers, derived (unwrapped/nested) children and the pipeline namespace."""

    __slots__ = ("cmd", "source", "markers", "children", "ns")

    def __init__(self, cmd: Command, source: str, ns: int):
        self.cmd = cmd
        self.source = source
        self.markers: set[Marker] = set(cmd.markers)
        self.children: list[_E] = []
        self.ns = ns


class _Result:
    """Unfinalized result of one (possibly nested) parse."""

    __slots__ = ("entries", "errors", "markers", "functions", "parser", "parsed")

    def __init__(self) -> None:
        self.entries: list[_E] = []
        self.errors: list[ParseIssue] = []
        self.markers: set[Marker] = set()
        self.functions: set[str] = set()
        self.parser = "bashlex"
        self.parsed = True


def parse(cmd: str, *, max_chars: int = 65536, max_depth: int = 64) -> ParsedLine:
    """Parse a shell command line into every simple command it would execute.

    Never raises: parser failures, recursion limits and internal errors become
    :class:`ParseIssue` entries and fail-closed markers in the returned :class:`ParsedLine`.
    """
    try:
        if not isinstance(cmd, str):
            cmd = cmd.decode("utf-8", "replace") if isinstance(cmd, (bytes, bytearray)) else str(cmd)
        res = _core(cmd, max_chars, max_depth, 0, [NESTED_TEXT_FACTOR * max_chars])
        return _finalize(cmd, res)
    except RecursionError:
        return _failed(cmd, "input nested too deeply (recursion limit)", Marker.TOO_DEEP)
    except Exception as e:  # noqa: BLE001 - parse() must never raise
        return _failed(cmd, f"internal error: {type(e).__name__}: {e}", Marker.PARSE_ERROR)


def _failed(cmd: object, msg: str, marker: Marker) -> ParsedLine:
    src = cmd if isinstance(cmd, str) else repr(cmd)
    return ParsedLine(
        source=src,
        commands=(),
        errors=(ParseIssue(msg, None, "policy-router"),),
        markers=frozenset({marker, Marker.PARSE_ERROR}),
        parsed=False,
    )


def _paren_depth(src: str) -> int:
    """Upper bound of ``(`` nesting (quotes ignored): cheap pre-check before bashlex."""
    d = m = 0
    for c in src:
        if c == "(":
            d += 1
            if d > m:
                m = d
        elif c == ")" and d:
            d -= 1
    return m


def _comment_only(src: str) -> bool:
    """True if every line is blank or a comment."""
    return all(not ln.strip() or ln.lstrip().startswith("#") for ln in src.split("\n"))


def _key(c: Command) -> tuple:
    """Identity of a command across the two fronts: the span of its name word (or of its
    first assignment / its span). Both fronts build words from the same source text, so the
    same command gets the same key; when they disagree about the arguments, the primary
    (bashlex) version is kept."""
    if c.argv:
        return c.argv[0].span
    if c.assignments:
        return (c.assignments[0].span, 1)
    return (c.span, 2)


def _core(src: str, max_chars: int, max_depth: int, depth: int, work: list[int]) -> _Result:
    """Parse ``src`` at nesting ``depth`` into unfinalized entries.

    ``work`` is a one-element list shared by the whole ``parse()`` call: how many more
    characters of nested text (``bash -c``, ``eval``, substitutions re-parsed by the safety
    net ...) may still be parsed. Text beyond it is not parsed: its carrier gets TOO_LARGE.
    """
    res = _Result()
    ns = next(_ns_counter)
    budget = max_depth - depth
    if budget < 0:
        res.markers.add(Marker.TOO_DEEP)
        res.errors.append(ParseIssue("nesting deeper than max_depth", None, "policy-router"))
        return res
    too_large = len(src) > max_chars
    blank = not src.strip()
    bl: FrontResult | None = None
    if too_large:
        res.markers.add(Marker.TOO_LARGE)
        res.errors.append(ParseIssue(f"input is {len(src)} characters, over max_chars={max_chars}", max_chars, "policy-router"))
    elif not blank:
        if src.count("(") > budget and _paren_depth(src) > budget:
            res.markers.add(Marker.TOO_DEEP)
        else:
            bl = parse_bashlex(src, budget)
    known = None
    ts: FrontResult | None = None
    plain = _PLAIN_LINE(src) is not None
    if bl is not None and not bl.has_error and not bl.too_deep:
        if plain:
            pass  # a single simple command of static words: nothing for tree-sitter to add
        else:
            known = {c.argv[0].span[0] for c in bl.commands if c.argv}
            ts = parse_treesitter(src, budget, known)
    elif len(src) <= TREE_SITTER_OVERSIZE_FACTOR * max_chars:
        ts = parse_treesitter(src, budget)

    if bl is not None and bl.has_error and _comment_only(src):
        bl = None  # bashlex raises on comment-only input; there is nothing to run
    bl_ok = bl is not None and not bl.has_error
    ts_ok = ts is not None and not ts.has_error
    for fr in (bl, ts):
        if fr is None:
            continue
        if fr.issue is not None:
            res.errors.append(fr.issue)
        if fr.too_deep:
            res.markers.add(Marker.TOO_DEEP)
        res.functions |= fr.functions
    res.parser = "bashlex" if bl_ok else "tree-sitter"
    if Marker.TOO_DEEP in res.markers:
        res.errors.append(ParseIssue(f"nesting deeper than max_depth={max_depth}", None, "policy-router"))
    if too_large or Marker.TOO_DEEP in res.markers or not (bl_ok or ts_ok or blank):
        res.parsed = False
        res.markers.add(Marker.PARSE_ERROR)

    # union, bashlex first
    entries = res.entries
    if bl is not None and (ts is None or ts.agreed is not None):
        # the common case: tree-sitter confirmed bashlex's commands without a walk, or had
        # nothing to check (a plain line)
        confirmed = ts.agreed if ts is not None else ()
        for c in bl.commands:
            a = c.argv
            entries.append(_E(c, "both" if a and a[0].span[0] in confirmed else "bashlex", ns))
    else:
        by_key: dict[tuple, _E] = {}
        for c in bl.commands if bl is not None else ():
            k = _key(c)
            if k not in by_key:
                e = _E(c, "bashlex", ns)
                by_key[k] = e
                entries.append(e)
        for c in ts.commands if ts is not None else ():
            k = _key(c)
            e = by_key.get(k)
            if e is None:
                e = _E(c, "tree-sitter", ns)
                by_key[k] = e
                entries.append(e)
            elif e.source == "bashlex":
                e.source = "both"
                if c.markers:
                    e.markers |= c.markers

    if not (bl_ok or ts_ok or blank or too_large) and "coproc" in src and Marker.TOO_DEEP not in res.markers:
        alt = _blank_coproc(src)
        if alt != src:
            again = _core(alt, max_chars, max_depth, depth, work)
            if again.parsed:
                return again

    if not too_large and ("(" in src or "`" in src):
        # every substitution starts with "$(", "<(", ">(" or "`", and _hidden_substitutions
        # looks only at words whose raw text is verbatim source: without "(" and "`" in the
        # source it has nothing to do
        _hidden_substitutions(src, res, max_chars, max_depth, depth, work)
    if len(entries) > 1:
        entries.sort(key=_order)
    if entries and not too_large and _MAY_EXPAND(src):
        # brace expansion and known variable values (shell/constprop.py)
        new, maybe, more = static_expand(src, [e.cmd for e in entries], res.functions)
        base = {k: set(entries[k].markers) for k in more}
        if new is not None:
            for e, c in zip(entries, new):
                if c is not e.cmd:
                    e.cmd = c
                    e.markers |= c.markers
        for k, copies in maybe.items():
            e = entries[k]
            e.children.extend(_E(c, e.source, e.ns) for c in copies)
        if more:
            # one command per value of a for-loop variable: the others follow the first, at
            # the same span, as commands of their own
            grown: list[_E] = []
            for k, e in enumerate(entries):
                grown.append(e)
                for c, copies in more.get(k, ()):
                    ne = _E(c, e.source, e.ns)
                    ne.markers |= base[k]
                    ne.children.extend(_E(x, e.source, e.ns) for x in copies)
                    grown.append(ne)
            entries[:] = grown

    # unwrap wrappers / nested shells
    stages: dict[tuple[int, int, int], Command | None] | None = None
    for e in entries:
        p = e.cmd.pipeline
        up = None
        if p is not None and p.index > 0:
            if stages is None:
                # the previous stage of each pipeline; None when there are several (one per
                # value of a loop variable): then no stage is taken as a shell's known input
                stages = {}
                for x in entries:
                    q = x.cmd.pipeline
                    if q is not None:
                        key = (x.ns, q.id, q.index)
                        stages[key] = None if key in stages else x.cmd
            up = stages.get((e.ns, p.id, p.index - 1))
        _unwrap_entry(e, up, max_chars, max_depth, depth, res, work)
    if entries and hijacking_loop(src):
        # a loop variable such as PATH, BASH_ENV or HISTFILE changes what the commands run
        res.markers.add(Marker.EVAL_DYNAMIC)
        todo = list(entries)
        while todo:
            e = todo.pop()
            e.markers.add(Marker.EVAL_DYNAMIC)
            todo.extend(e.children)
    return res


_COPROC = re.compile(
    r"(?:(?<=^)|(?<=[\s;&|(){}]))coproc(?:[ \t]+[A-Za-z_][A-Za-z0-9_]*)?"
    r"(?=[ \t]*(?:[{(]|(?:while|until|for|if|case|select)(?![A-Za-z0-9_])))"
)


def _blank_coproc(src: str) -> str:
    """``coproc [NAME] COMPOUND`` (``{ ..; }``, ``( .. )``, ``while``/``until``/``for``/``if``/
    ``case``/``select``): neither parser knows this form. Blank the keyword and the name (same length, so every offset stays valid) so the
    compound command's commands are found; used only when both parsers failed."""
    return _COPROC.sub(lambda m: " " * len(m.group(0)), src)


def _order(e: _E) -> tuple[int, int]:
    s = e.cmd.span
    return (s[0], -s[1])


def _words_of(c: Command):
    """(word, where, heredoc) for every word of a command that may hold substitutions."""
    for w in c.argv:
        yield w, None, False
    for a in c.assignments:
        yield a.value, Ctx.ASSIGNMENT, False
    for r in c.redirects:
        if r.target is not None:
            if r.heredoc:
                if not r.quoted:
                    yield r.target, Ctx.HEREDOC, True
            else:
                yield r.target, Ctx.REDIRECT, False


def _identity(c: Command) -> tuple:
    """:func:`_key` plus the argv texts: the same command found twice."""
    return (_key(c), tuple([w.text for w in c.argv]))


def _hidden_substitutions(src: str, res: _Result, max_chars: int, max_depth: int, depth: int, work: list[int]) -> None:
    """Re-parse substitutions no front turned into commands; mark what stays hidden.

    On a line that no front parsed cleanly, the commands found inside a substitution come
    from tree-sitter's error recovery, which can drop words (``$(a && b $({x,y}))``: the
    ``$({x,y})`` argument is gone). There every substitution is re-parsed, and a command it
    yields is added unless the same command (same name span, same argv) is already known."""
    entries = res.entries
    too_deep = Marker.TOO_DEEP in res.markers
    reliable = res.parsed
    starts: list[int] | None = None
    seen: set[tuple] | None = None
    for e in list(entries):
        for w, where, heredoc in _words_of(e.cmd):
            raw = w.raw
            if "`" not in raw and "(" not in raw:
                continue
            if heredoc:
                if "$(" not in raw and "`" not in raw:
                    continue
            elif not (analyze(raw)[1] & F_SUBST) and "<(" not in raw and ">(" not in raw:
                continue
            base = w.span[0]
            if src[base : base + len(raw)] != raw:
                continue  # not verbatim source (should not happen); skip safely
            for sub in find_substitutions(raw, heredoc):
                start, end, i0, i1, kind, in_param = sub
                a, b = base + i0, base + i1
                inner = src[a:b]
                if not inner.strip():
                    continue
                if starts is None:
                    starts = sorted(o.cmd.span[0] for o in entries)
                k = bisect_left(starts, a)
                inside = k < len(starts) and starts[k] < b
                if inside and reliable:
                    continue  # some command starts inside: the parsers saw this substitution
                if too_deep:
                    e.markers.add(Marker.TOO_DEEP)
                    continue
                if len(inner) > work[0]:
                    e.markers.add(Marker.TOO_LARGE)
                    continue
                work[0] -= len(inner)
                nested = _core(inner, max_chars, max_depth, depth + 1, work)
                for issue in nested.errors:
                    pos = None if issue.position is None else issue.position + a
                    res.errors.append(ParseIssue(f"in substitution: {issue.message}", pos, issue.parser))
                if not nested.entries:
                    if not inside:
                        e.markers.add(Marker.HIDDEN_SUBSTITUTION)
                    continue
                prefix = e.cmd.context
                if where is not None:
                    prefix += (where,)
                if in_param:
                    prefix += (Ctx.PARAMETER,)
                prefix += (_SUBST_CTX[kind],)
                if inside and seen is None:
                    seen = {_identity(o.cmd) for o in entries}
                for ne in nested.entries:
                    _relocate(ne, prefix, (), shift=a)
                    if inside:
                        ident = _identity(ne.cmd)
                        if ident in seen:  # type: ignore[operator]
                            continue
                        seen.add(ident)  # type: ignore[union-attr]
                    entries.append(ne)
                    insort(starts, ne.cmd.span[0])
                if nested.markers & {Marker.TOO_DEEP, Marker.PARSE_ERROR}:
                    e.markers |= nested.markers & {Marker.TOO_DEEP, Marker.PARSE_ERROR}


def _unwrap_entry(e: _E, upstream: Command | None, max_chars: int, max_depth: int, depth: int, res: _Result, work: list[int]) -> None:
    """Attach wrapper inner commands and re-parsed nested text to ``e`` (recursively)."""
    cmd = e.cmd
    if not cmd.argv:
        return
    if len(cmd.via) + depth > max_depth:
        e.markers.add(Marker.TOO_DEEP)
        return
    for ch in e.children:  # copies made by static expansion (maybe-assigned values)
        _unwrap_entry(ch, upstream, max_chars, max_depth, depth, res, work)
    u = unwrap(cmd, upstream)
    if u is None or not (u.markers or u.inner or u.nested):
        return
    e.markers |= u.markers
    for inner in u.inner:
        ce = _E(inner, e.source, e.ns)
        e.children.append(ce)
        _unwrap_entry(ce, upstream, max_chars, max_depth, depth, res, work)
    for nst in u.nested:
        if len(nst.text) > work[0]:
            e.markers.add(Marker.TOO_LARGE)
            res.errors.append(ParseIssue(f"text run by {nst.via} not parsed: over the nested-text budget", nst.carrier.span[0], "policy-router"))
            continue
        work[0] -= len(nst.text)
        nested = _core(nst.text, max_chars, max_depth, depth + 1 + len(cmd.via), work)
        if not nested.parsed or nested.markers & {Marker.TOO_DEEP, Marker.TOO_LARGE}:
            e.markers |= nested.markers & {Marker.TOO_DEEP, Marker.TOO_LARGE, Marker.PARSE_ERROR}
        for issue in nested.errors:
            res.errors.append(ParseIssue(f"in text run by {nst.via}: {issue.message}", nst.carrier.span[0], issue.parser))
        res.functions |= nested.functions
        prefix = cmd.context + (nst.ctx,)
        via = cmd.via + (nst.via,)
        home = Marker.HOME_CHANGED in e.markers or any(a.name == "HOME" for a in cmd.assignments)
        for ne in nested.entries:
            _relocate(ne, prefix, via, fixed=nst.carrier.span)
            ne.source = e.source
            if home:
                _mark_home(ne)
            e.children.append(ne)


def _mark_home(e: _E) -> None:
    """HOME was assigned for the text that ``e`` came from: its uses of ``~``/``$HOME`` are
    not the user's home."""
    if uses_home(e.cmd):
        e.markers.add(Marker.HOME_CHANGED)
    for ch in e.children:
        _mark_home(ch)


def _relocate(e: _E, ctx_prefix: tuple, via_prefix: tuple, *, shift: int | None = None, fixed: tuple[int, int] | None = None) -> None:
    """Move a nested entry (and its children) into the outer line: context/via prefixes,
    spans shifted by ``shift`` (verbatim substring) or all set to ``fixed`` (decoded text)."""
    c = e.cmd
    if shift is not None:
        def sp(s: tuple[int, int]) -> tuple[int, int]:
            return (s[0] + shift, s[1] + shift)
    else:
        def sp(s: tuple[int, int]) -> tuple[int, int]:
            return fixed  # type: ignore[return-value]

    def wd(w: Word | None) -> Word | None:
        return None if w is None else Word(w.text, w.raw, sp(w.span), w.dynamic)

    e.cmd = Command(
        argv=tuple(wd(w) for w in c.argv),  # type: ignore[misc]
        program=c.program,
        span=sp(c.span),
        assignments=tuple(Assignment(a.name, wd(a.value), sp(a.span)) for a in c.assignments),  # type: ignore[arg-type]
        redirects=tuple(Redirect(r.op, r.mode, wd(r.target), sp(r.span), r.fd, r.heredoc, r.quoted) for r in c.redirects),
        context=ctx_prefix + c.context,
        pipeline=c.pipeline,
        markers=c.markers,
        via=via_prefix + c.via,
        parent=c.parent,
        source=c.source,
    )
    for ch in e.children:
        _relocate(ch, ctx_prefix, via_prefix, shift=shift, fixed=fixed)


_set = object.__setattr__
#: ParsedLine(source, commands, errors, markers, functions, parser, parsed) without the
#: dataclass __init__ (see .fastnew)
_new_parsed_line = positional_new(ParsedLine)


def _finalize(src: str, res: _Result) -> ParsedLine:
    """Flatten entries (children right after their parent), renumber pipelines, copy line
    markers onto commands, mark calls of functions defined in the line."""
    out: list[Command] = []
    pipe_ids: dict[tuple[int, int], int] = {}
    line_m = res.markers
    to_cmd = {m for m in line_m if m in _LINE_TO_CMD}
    if not res.parsed:
        to_cmd.add(Marker.PARSE_ERROR)
    funcs = res.functions

    def emit(e: _E, parent: int | None) -> None:
        c = e.cmd
        p = c.pipeline
        if p is not None:
            k = (e.ns, p.id)
            pid = pipe_ids.get(k)
            if pid is None:
                pid = pipe_ids[k] = len(pipe_ids)
            if pid != p.id:
                p = PipelinePos(pid, p.index, p.length)
        m = e.markers
        if to_cmd:
            m = m | to_cmd
        if funcs and c.program in funcs:
            m = m | {Marker.FUNCTION_CALL}
        idx = len(out)
        # Every Command here was created during this parse() call and is referenced only by
        # its entry: finish it in place (still unpublished) instead of building it twice.
        _set(c, "pipeline", p)
        _set(c, "markers", frozenset(m) if m != c.markers else c.markers)
        _set(c, "parent", parent)
        _set(c, "source", e.source)
        out.append(c)
        for ch in e.children:
            emit(ch, idx)

    for e in res.entries:
        emit(e, None)
    return _new_parsed_line(
        src, tuple(out), tuple(res.errors), frozenset(line_m), frozenset(funcs), res.parser, res.parsed
    )
