"""bashlex front: parse a command string with bashlex and turn its tree into IR Commands.

This is the only module that imports bashlex. :func:`parse_bashlex` never raises: any
exception bashlex throws (ParsingError, NotImplementedError, MatchedPairError,
AttributeError, RecursionError, AssertionError, ...) becomes a :class:`ParseIssue`.
Words are built from raw source text (see :mod:`.words`), so they are identical to the
tree-sitter front's words for the same span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import bashlex

try:  # bashlex 0.18 internals, used by parse_trees (bashlex.parse without its per-call overhead)
    from bashlex import ast as _bl_ast
    from bashlex.parser import _endfinder as _BlEndFinder
    from bashlex.parser import _parser as _BlParser
except ImportError:  # pragma: no cover - another bashlex version: use the public API
    _BlParser = None

from .model import Assignment, Command, Ctx, ParseIssue, PipelinePos, Redirect, Word
from .words import EscapedText, analyze, heredoc_quoted, make_word, move_command, new_command, redirect_mode

__all__ = ["FrontResult", "parse_bashlex", "parse_trees"]

PARSER = "bashlex"


@dataclass(slots=True)
class FrontResult:
    """What one front found: commands (pipeline ids are front-local keys), function names,
    the issue if the parser failed, and whether the depth cap was hit."""

    commands: list[Command] = field(default_factory=list)
    functions: set[str] = field(default_factory=set)
    issue: ParseIssue | None = None
    too_deep: bool = False
    has_error: bool = False
    #: set by the tree-sitter front when it skipped its walk because it found no command
    #: the other front missed: the command-name offsets it confirmed.
    agreed: set[int] | None = None


def parse_bashlex(src: str, max_depth: int) -> FrontResult:
    """Parse ``src`` with bashlex. Never raises."""
    res = FrontResult()
    text, quoted_at = _unquote_heredoc_delimiters(src)
    try:
        trees = parse_trees(text)
    except RecursionError:
        res.too_deep = True
        res.has_error = True
        res.issue = ParseIssue("bashlex: recursion limit (input nested too deeply)", None, PARSER)
        return res
    except Exception as e:  # noqa: BLE001 - every bashlex failure is data, never an exception
        res.has_error = True
        pos = getattr(e, "position", None)
        res.issue = ParseIssue(
            f"bashlex: {type(e).__name__}: {_msg(e)}", pos if isinstance(pos, int) else None, PARSER
        )
        return res
    w = _Walker(src, max_depth, res, quoted_at)
    try:
        for t in trees:
            w.node(t, (), None, (), 0)
    except RecursionError:
        res.too_deep = True
    except _BadPositions as e:
        res.commands.clear()
        res.has_error = True
        res.issue = ParseIssue(f"bashlex: {e}", None, PARSER)
    except Exception as e:  # noqa: BLE001 - a tree shape we did not expect: treat as failure
        res.has_error = True
        res.issue = ParseIssue(f"bashlex tree walk: {type(e).__name__}: {e}", None, PARSER)
    return res


def parse_trees(s: str) -> list[Any]:
    """What ``bashlex.parse(s)`` returns (the same trees, or the same exception), computed
    with bashlex's own parser class and end finder but without two per-call costs of
    ``bashlex.parse`` 0.18: it defines a class on every call (unused), and it walks every
    tree with its generic visitor to find a heredoc end even when the text has no ``<<``.
    Together they are about a sixth of bashlex.parse's time on short commands. The
    equivalence is tested against ``bashlex.parse`` (tests/properties/test_bashlex_trees.py)."""
    if _BlParser is None:  # pragma: no cover
        return bashlex.parse(s)
    heredocs = "<<" in s  # no "<<": no heredoc node, and a part ends where its node ends
    part = _BlParser(s).parse()
    parts = [part]
    index = _part_end(part, heredocs) + 1
    while index < len(s):
        part = _BlParser(s[index:]).parse()
        if not isinstance(part, _bl_ast.node):
            break
        _bl_ast.posshifter(index).visit(part)
        parts.append(part)
        index = _part_end(part, heredocs) + 1
    return parts


def _part_end(part: Any, heredocs: bool) -> int:
    """The end of a parsed part: its node's end, or the end of its last heredoc body."""
    if not heredocs and isinstance(part, _bl_ast.node):
        return part.pos[1]  # type: ignore[no-any-return]
    ef = _BlEndFinder()  # (on a non-node it raises what bashlex.parse raises)
    ef.visit(part)
    return max(part.pos[1], ef.end)  # type: ignore[no-any-return]


def _msg(e: BaseException) -> str:
    m = getattr(e, "message", None) or (e.args[0] if e.args else "")
    return str(m)[:200]


_SUBST_CTX = {"`": Ctx.BACKTICK, "$": Ctx.COMMAND_SUBSTITUTION}
_DECLARATIONS = frozenset({"export", "declare", "typeset", "local", "readonly"})
_ASSIGN_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")


_HEREDOC_DELIM = re.compile(r"""(?<!<)<<-?[ \t]*((?:[^\s;&|<>()'"\\]|'[^'\n]*'|"[^"\n]*"|\\.)+)""")
_SIMPLE_DELIM = re.compile(r"[A-Za-z0-9_.\-]+").fullmatch


def _unquote_heredoc_delimiters(src: str) -> tuple[str, dict[int, int]]:
    """bashlex 0.18 cannot parse quoted heredoc delimiters (``<<'EOF'``, ``<<"EOF"``,
    ``<<\\EOF``; bashlex issue #99). Replace each such delimiter word by its unquoted form
    padded with blanks to the same length, so every offset stays valid; return the text for
    bashlex and the start offsets of the delimiters that were quoted (their bodies are
    literal), mapped to the delimiter's length as written. Replacing inside a quoted string or
    comment changes no token boundary."""
    if "<<" not in src:
        return src, {}
    out = None
    quoted: dict[int, int] = {}
    for m in _HEREDOC_DELIM.finditer(src):
        word = m.group(1)
        if not any(c in word for c in "'\"\\"):
            continue
        plain = analyze(word)[0]
        if not _SIMPLE_DELIM(plain) or len(plain) > len(word):
            continue
        if out is None:
            out = list(src)
        a = m.start(1)
        out[a : a + len(word)] = list(plain.ljust(len(word)))
        quoted[a] = len(word)
    return ("".join(out) if out is not None else src), quoted


class _BadPositions(Exception):
    """bashlex reported a word position that does not hold that word."""


class _Walker(EscapedText):
    __slots__ = ("src", "max_depth", "res", "quoted_at", "verify", "bt_done")

    def __init__(self, src: str, max_depth: int, res: FrontResult, quoted_at: dict[int, int] | None = None):
        self.src = src
        self.max_depth = max_depth
        self.res = res
        self.quoted_at = quoted_at or {}
        # bashlex drops backslash-newline before parsing a substitution's text, and the word
        # positions inside it are then off by two per continuation: check them in that case
        self.verify = "\\\n" in src
        #: start offsets of the `...` substitutions already parsed after their escapes
        self.bt_done: set[int] = set()

    def node(self, n: Any, ctx: tuple, pipe: PipelinePos | None, inh: tuple, depth: int) -> None:
        if depth > self.max_depth:
            self.res.too_deep = True
            return
        k = n.kind
        if k == "command":
            self.command(n, ctx, pipe, inh, depth)
        elif k == "list":
            # an and-or list ends at ";", "&" or a newline; the whole list before "&" runs
            # in the background (``a && b & c`` backgrounds a and b)
            parts = n.parts
            segment: list = []
            for p in parts:
                if p.kind == "operator" and p.op in ("&&", "||"):
                    continue
                if p.kind == "operator":
                    c2 = ctx + (Ctx.BACKGROUND,) if p.op == "&" else ctx
                    for q in segment:
                        self.node(q, c2, pipe, inh, depth)
                    segment = []
                    continue
                segment.append(p)
            for q in segment:
                self.node(q, ctx, pipe, inh, depth)
        elif k == "pipeline":
            stages = []
            neg = False
            for p in n.parts:
                if p.kind == "pipe":
                    continue
                if p.kind == "reservedword" and p.word == "!":
                    neg = True
                    continue
                stages.append(p)
            c2 = ctx + (Ctx.NEGATED,) if neg else ctx
            if len(stages) > 1:
                key = n.pos[0]
                for idx, st in enumerate(stages):
                    self.node(st, c2, PipelinePos(key, idx, len(stages)), inh, depth)
            else:
                for st in stages:
                    self.node(st, c2, pipe, inh, depth)
        elif k == "compound":
            items = n.list
            c2, d = ctx, depth
            if items and items[0].kind == "reservedword":
                if items[0].word == "(":
                    c2, d = ctx + (Ctx.SUBSHELL,), depth + 1
                elif items[0].word == "{":
                    c2 = ctx + (Ctx.GROUP,)
            redirs = getattr(n, "redirects", None) or ()
            new_inh = inh
            if redirs:
                new_inh = inh + tuple(self.redirect(r, ctx, depth) for r in redirs)
            for it in items:
                if it.kind != "reservedword":
                    self.node(it, c2, pipe, new_inh, d)
        elif k == "if":
            self._parts(n.parts, ctx + (Ctx.IF,), pipe, inh, depth)
        elif k in ("for", "while", "until"):
            self._parts(n.parts, ctx + (Ctx.LOOP,), pipe, inh, depth)
        elif k == "function":
            parts = n.parts
            name = next((p for p in parts if p.kind == "word"), None)
            if name is not None:
                self.res.functions.add(name.word)
            for p in parts:
                if p.kind not in ("reservedword", "word"):
                    self.node(p, ctx + (Ctx.FUNCTION,), None, inh, depth)
        elif k in ("reservedword", "operator", "pipe"):
            return
        elif k in ("word", "assignment"):
            self.subst(n, ctx, depth)
        else:
            for attr in ("parts", "list"):
                for p in getattr(n, attr, None) or ():
                    self.node(p, ctx, pipe, inh, depth)
            c = getattr(n, "command", None)
            if c is not None:
                self.node(c, ctx, None, (), depth + 1)

    def _parts(self, parts: list, ctx: tuple, pipe: PipelinePos | None, inh: tuple, depth: int) -> None:
        for p in parts:
            if p.kind == "reservedword":
                continue
            self.node(p, ctx, pipe, inh, depth)

    def subst(self, n: Any, ctx: tuple, depth: int) -> None:
        """Walk command/process substitutions inside a word-like node."""
        for p in getattr(n, "parts", None) or ():
            k = p.kind
            if k == "commandsubstitution":
                c = _SUBST_CTX.get(self.src[p.pos[0]], Ctx.COMMAND_SUBSTITUTION)
                if c is Ctx.BACKTICK and self.backtick(p, ctx + (c,), depth + 1):
                    continue
                self.node(p.command, ctx + (c,), None, (), depth + 1)
            elif k == "processsubstitution":
                c = Ctx.PROCESS_SUBSTITUTION_IN if self.src[p.pos[0]] == "<" else Ctx.PROCESS_SUBSTITUTION_OUT
                self.node(p.command, ctx + (c,), None, (), depth + 1)
            else:
                self.subst(p, ctx, depth)

    # -- text bash reads differently from the source: escapes in `...`, backslash-newline ---
    def backtick(self, p: Any, ctx: tuple, depth: int) -> bool:
        """A `````...````` substitution whose body has ``\\$``, ``\\``` or ``\\\\``: bash
        removes those backslashes and runs the result (``\\``` nests a substitution), which
        bashlex's tree does not show. Parse that text instead; False if there is none."""
        return self.escaped_backtick(*p.pos, ctx, depth)

    def reparse(self, text: str, starts: list[int], ends: list[int], base: int, ctx: tuple, depth: int) -> None:
        """Parse ``text`` on its own and add its commands, moved back into this text (character
        ``k`` of ``text`` came from ``base + starts[k]`` .. ``base + ends[k]``) under ``ctx``.
        If bashlex cannot parse it, this whole parse fails (tree-sitter then reads the line)."""
        if depth > self.max_depth:
            self.res.too_deep = True
            return
        sub = parse_bashlex(text, self.max_depth - depth)
        if sub.has_error and not sub.too_deep:
            raise _BadPositions(f"in a nested text: {sub.issue.message if sub.issue else 'parse error'}")
        if sub.too_deep:
            self.res.too_deep = True
        self.res.functions |= sub.functions
        for c in sub.commands:
            self.res.commands.append(move_command(c, starts, ends, base, ctx))

    def redirect(self, r: Any, ctx: tuple, depth: int) -> Redirect:
        src = self.src
        op = r.type
        fd = r.input if isinstance(r.input, int) else None
        out = r.output
        hd = getattr(r, "heredoc", None)
        if hd is not None and op in ("<<", "<<-"):
            delim = src[out.pos[0] : out.pos[1]] if out is not None and hasattr(out, "pos") else ""
            b0, b1 = hd.pos
            body = src[b0:b1]
            cut = body.rfind("\n")
            body = body[: cut + 1] if cut >= 0 else ""
            span = tuple(r.pos)
            rewritten = self.quoted_at.get(out.pos[0]) if out is not None and hasattr(out, "pos") else None
            if rewritten is not None:
                span = (span[0], out.pos[0] + rewritten)  # the delimiter as written, quotes included
            quoted = rewritten is not None or heredoc_quoted(delim)
            target = Word(body, body, (b0, b0 + len(body)), False) if quoted else _heredoc_word(body, b0)
            if not quoted:
                self.heredoc_escapes(body, b0, ctx + (Ctx.HEREDOC,), depth)
            return Redirect(op, redirect_mode(op, None), target, span, fd, True, quoted)
        if isinstance(out, int) or out is None:
            return Redirect(op, redirect_mode(op, str(out) if out is not None else None), None, tuple(r.pos), fd)
        w = make_word(src[out.pos[0] : out.pos[1]], tuple(out.pos))
        self.subst(out, ctx + (Ctx.REDIRECT,), depth)
        self.hidden_backticks(w, ctx + (Ctx.REDIRECT,), depth)
        mode = redirect_mode(op, w.text)
        return Redirect(op, mode, None if mode.value == "dup" else w, tuple(r.pos), fd)

    def command(self, n: Any, ctx: tuple, pipe: PipelinePos | None, inh: tuple, depth: int) -> None:
        src = self.src
        argv = []
        assigns = []
        redirs = []
        for p in n.parts:
            k = p.kind
            if k == "word":
                a, b = p.pos
                w = make_word(src[a:b], (a, b))
                if self.verify and not p.parts and w.text != p.word:
                    raise _BadPositions(f"word {p.word!r} reported at {a}..{b}, where the text is {w.raw!r}")
                argv.append(w)
                if p.parts:
                    decl = len(argv) > 1 and argv[0].text in _DECLARATIONS and _ASSIGN_RE.match(argv[-1].raw)
                    self.subst(p, ctx + (Ctx.ASSIGNMENT,) if decl else ctx, depth)
                    self.hidden_backticks(w, ctx + (Ctx.ASSIGNMENT,) if decl else ctx, depth)
            elif k == "assignment":
                a, b = p.pos
                raw = src[a:b]
                eq = raw.find("=")
                name = raw[:eq].rstrip("+")
                assigns.append(Assignment(name, make_word(raw[eq + 1 :], (a + eq + 1, b)), (a, b)))
                if p.parts:
                    self.subst(p, ctx + (Ctx.ASSIGNMENT,), depth)
                    self.hidden_backticks(assigns[-1].value, ctx + (Ctx.ASSIGNMENT,), depth)
            elif k == "redirect":
                redirs.append(self.redirect(p, ctx, depth))
        self.res.commands.append(
            new_command(tuple(argv), tuple(assigns), tuple(redirs), ctx, pipe, PARSER, inherited=inh)
        )


def _heredoc_word(body: str, start: int) -> Word:
    """The body of an unquoted heredoc as a Word: text is the body, dynamic if it expands."""
    return Word(body, body, (start, start + len(body)), "$" in body or "`" in body)
