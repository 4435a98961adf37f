"""tree-sitter-bash front: parse a command string with tree-sitter and turn the tree into
IR Commands.

This is the only module that imports tree_sitter / tree_sitter_bash. One ``Parser`` is kept
per thread (tree-sitter parsers are not thread-safe). tree-sitter reports byte offsets on
the UTF-8 encoding; they are converted to character offsets here. Quote removal is done on
the raw text by :mod:`.words`. :func:`parse_treesitter` never raises.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import tree_sitter_bash
from tree_sitter import Language, Parser, Query, QueryCursor

from .bashlex_front import FrontResult
from .model import Assignment, Ctx, ParseIssue, PipelinePos, Redirect, Word
from .words import EscapedText, heredoc_quoted, make_word, move_command, new_command, redirect_mode

__all__ = ["parse_treesitter"]

PARSER = "tree-sitter"
_LANG = Language(tree_sitter_bash.language())
_tls = threading.local()
_UNSAFE = re.compile("[\U00010000-\U0010FFFF\ud800-\udfff]")
#: Nodes that start a command in our IR; used for the cheap cross-check against bashlex.
_NAMES_QUERY = Query(_LANG, "[(command_name) (declaration_command) (unset_command) (test_command)] @c")

_REDIRECTS = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
_CONTAINERS = frozenset({"program", "list", "do_group", "elif_clause", "else_clause", "ERROR"})
#: reserved words that can never be a command name when unquoted
_RESERVED = frozenset({"{", "}", "!", "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "esac", "in"})
_SKIP = frozenset({"comment", "heredoc_start", "heredoc_end", "variable_name", "file_descriptor"})


def _parser() -> tuple[Parser, QueryCursor]:
    p = getattr(_tls, "parser", None)
    if p is None:
        p = _tls.parser = (Parser(_LANG), QueryCursor(_NAMES_QUERY))
    return p


def parse_treesitter(src: str, max_depth: int, known_starts: set[int] | None = None) -> FrontResult:
    """Parse ``src`` with tree-sitter-bash. Never raises.

    ``known_starts``: character offsets where the other front already found a command
    name. If tree-sitter parses cleanly and finds no command starting anywhere else, the
    Python tree walk is skipped and ``res.agreed`` is set: the two parsers agree on which
    commands exist, so the other front's commands stand (this is the common case, and the
    walk is the expensive part).
    """
    res = FrontResult()
    try:
        # tree-sitter-bash 0.25.1 can crash (SIGSEGV, intermittently) on some characters
        # outside the BMP (e.g. "{" + U+E7DF4); surrogates are not valid UTF-8. Each such
        # character is replaced by U+FFFD: one character for one, so character offsets (and
        # the words, which are sliced from ``src``) stay exact; both are plain word characters
        # to the shell grammar.
        safe = src if src.isascii() else _UNSAFE.sub("\ufffd", src)
        data = safe.encode("utf-8")
        parser, cursor = _parser()
        tree = parser.parse(data)
        root = tree.root_node
    except Exception as e:  # noqa: BLE001
        res.has_error = True
        res.issue = ParseIssue(f"tree-sitter: {type(e).__name__}: {e}", None, PARSER)
        return res
    b2c = None if len(data) == len(src) else _byte_to_char(safe)
    if root.has_error:
        res.has_error = True
        pos = _first_error(root)
        cpos = None if pos is None else (pos if b2c is None else b2c[pos])
        res.issue = ParseIssue("tree-sitter: syntax error", cpos, PARSER)
    elif known_starts is not None:
        try:
            caps = cursor.captures(root).get("c", ())
        except Exception:  # noqa: BLE001
            caps = None
        if caps is not None:
            if b2c is None:
                starts = {n.start_byte for n in caps}
            else:
                starts = {b2c[n.start_byte] for n in caps}
            if starts <= known_starts:
                res.agreed = starts
                return res
    w = _Walker(src, b2c, max_depth, res)
    try:
        w.stmts(root.children, (), None, (), 0)
    except RecursionError:
        res.too_deep = True
    except Exception as e:  # noqa: BLE001
        res.has_error = True
        res.issue = ParseIssue(f"tree-sitter tree walk: {type(e).__name__}: {e}", None, PARSER)
    return res


def _byte_to_char(src: str) -> list[int]:
    """Map every UTF-8 byte offset (0..len(bytes)) to the character offset it falls in."""
    m: list[int] = []
    for i, ch in enumerate(src):
        o = ord(ch)
        n = 1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4
        m.extend([i] * n)
    m.append(len(src))
    return m


def _first_error(root: Any) -> int | None:
    stack = [root]
    while stack:
        n = stack.pop()
        if n.is_error or n.is_missing:
            return n.start_byte
        if n.has_error:
            stack.extend(reversed(n.children))
    return None


class _Walker(EscapedText):
    __slots__ = ("src", "b2c", "max_depth", "res", "tail", "bt_done")

    def __init__(self, src: str, b2c: list[int] | None, max_depth: int, res: FrontResult):
        self.src = src
        self.b2c = b2c
        self.max_depth = max_depth
        self.res = res
        #: redirections waiting for the last command of a pipeline / list, by node identity
        self.tail: dict[tuple[int, int, str], tuple] = {}
        #: start offsets of the `...` substitutions already parsed after their escapes
        self.bt_done: set[int] = set()

    def suspect(self, msg: str, pos: int) -> None:
        """tree-sitter produced a tree bash would not: treat it as a syntax error (so a line
        bashlex cannot parse either is never considered parsed)."""
        if not self.res.has_error:
            self.res.has_error = True
            self.res.issue = ParseIssue(f"tree-sitter: {msg}", pos, PARSER)

    # -- helpers ---------------------------------------------------------------------------
    def span(self, n: Any) -> tuple[int, int]:
        b2c = self.b2c
        if b2c is None:
            return (n.start_byte, n.end_byte)
        return (b2c[n.start_byte], b2c[n.end_byte])

    def word(self, n: Any) -> Word:
        a, b = self.span(n)
        return make_word(self.src[a:b], (a, b))

    # -- statements ------------------------------------------------------------------------
    def stmts(self, children: list, ctx: tuple, pipe: PipelinePos | None, inh: tuple, depth: int) -> None:
        """Visit a sequence of sibling statements; a statement followed by ``&`` is background."""
        last = len(children) - 1
        for i, c in enumerate(children):
            if not c.is_named:
                continue
            bg = i < last and children[i + 1].type == "&"
            self.visit(c, ctx + (Ctx.BACKGROUND,) if bg else ctx, pipe, inh, depth)

    def visit(self, n: Any, ctx: tuple, pipe: PipelinePos | None, inh: tuple, depth: int) -> None:
        if depth > self.max_depth:
            self.res.too_deep = True
            return
        t = n.type
        if self.tail:
            extra = self.tail.pop((n.start_byte, n.end_byte, t), None)
            if extra is not None:
                if t == "command":
                    self.command(n, ctx, pipe, inh, extra, depth)
                    return
                inh = inh + tuple(extra[0])
        if t == "command":
            self.command(n, ctx, pipe, inh, (), depth)
        elif t in _CONTAINERS:
            self.stmts(n.children, ctx, pipe, inh, depth)
        elif t == "redirected_statement":
            self.redirected(n, ctx, pipe, inh, depth)
        elif t == "pipeline":
            stages, after = self.pipeline_stages(n, ctx, depth)
            if len(stages) > 1:
                key = self.span(n)[0]
                for idx, st in enumerate(stages):
                    self.visit(st, ctx, PipelinePos(key, idx, len(stages)), inh, depth)
            else:
                for st in stages:
                    self.visit(st, ctx, pipe, inh, depth)
            for c in after:
                self.visit(c, ctx, pipe, inh, depth)
        elif t == "subshell":
            self.stmts(n.children, ctx + (Ctx.SUBSHELL,), pipe, inh, depth + 1)
        elif t == "compound_statement":
            ch = n.children
            if ch and ch[0].type == "((":
                self.subst_children(n, ctx, depth)
            else:
                self.stmts(ch, ctx + (Ctx.GROUP,), pipe, inh, depth)
        elif t == "if_statement":
            self.stmts(n.children, ctx + (Ctx.IF,), pipe, inh, depth)
        elif t in ("while_statement", "for_statement", "c_style_for_statement"):
            c2 = ctx + (Ctx.LOOP,)
            for c in n.children:
                if not c.is_named:
                    continue
                if c.type == "do_group" or c.type == "compound_statement":
                    self.visit(c, c2, pipe, inh, depth)
                elif t == "while_statement":
                    self.visit(c, c2, pipe, inh, depth)
                else:
                    self.subst(c, c2, depth)
        elif t == "case_statement":
            c2 = ctx + (Ctx.CASE,)
            for c in n.children:
                if c.type == "case_item":
                    # its statements, like any sibling statements: `X &` runs in the background
                    self.stmts(c.children, c2, pipe, inh, depth)
                elif c.is_named:
                    self.subst(c, c2, depth)
        elif t == "function_definition":
            c2 = ctx + (Ctx.FUNCTION,)
            for c in n.children:
                if c.type == "word":
                    self.res.functions.add(self.src[slice(*self.span(c))])
                elif c.is_named:
                    self.visit(c, c2, None, inh, depth)
        elif t == "negated_command":
            self.stmts(n.children, ctx + (Ctx.NEGATED,), pipe, inh, depth)
        elif t in ("declaration_command", "unset_command"):
            self.declaration(n, ctx, pipe, inh, depth)
        elif t == "test_command":
            self.test_command(n, ctx, pipe, inh, depth)
        elif t == "variable_assignment":
            self.command_parts([n], ctx, pipe, inh, (), depth)
        elif t == "variable_assignments":
            self.command_parts([c for c in n.children if c.is_named], ctx, pipe, inh, (), depth)
        elif t in _SKIP:
            return
        else:
            self.subst(n, ctx, depth)

    def pipeline_stages(self, n: Any, ctx: tuple, depth: int) -> tuple[list[Any], list[Any]]:
        """The stages of pipeline node ``n`` as bash reads them, and the and-or list members
        that follow it. tree-sitter-bash nests some pipelines: ``a | b | c && d`` is
        ``a | (b | c && d)`` there, ``a | b > f | c`` is ``(a | b > f) | c``. Nested pipelines
        are spliced in, a trailing list gives its first member as a stage and runs the others
        after the pipeline, and the redirects of a piped redirected pipeline go to its last
        command (as bash binds them)."""
        todo = _named(n)
        stages: list[Any] = []
        after: list[Any] = []
        while todo:
            c = todo.pop(0)
            if c.type == "pipeline":
                todo = _named(c) + todo
            elif c.type == "list" and not todo and stages:
                first, after = _unfold_list(c)
                todo = [first]
            elif c.type == "redirected_statement" and (body := self.piped_body(c, ctx, depth)) is not None:
                todo = _named(body) + todo
            else:
                stages.append(c)
        return stages, after

    def piped_body(self, n: Any, ctx: tuple, depth: int) -> Any:
        """For a redirected_statement whose body is a pipeline (and that has no heredoc): hang
        its redirects on the pipeline's last command and return the pipeline; else None."""
        body = None
        redirects = []
        for c in n.children:
            if c.type in _REDIRECTS:
                redirects.append(c)
            elif c.is_named and body is None:
                body = c
        if body is None or body.type != "pipeline" or any(r.type == "heredoc_redirect" for r in redirects):
            return None
        redirs: list[Redirect] = []
        cont: list[Any] = []
        extra_args: list[Word] = []
        for r in redirects:
            self.redirect(r, ctx, depth, redirs, cont, extra_args)
        last = body
        while last.type in ("pipeline", "list") and last.named_child_count:
            last = last.named_children[-1]
        self.tail[(last.start_byte, last.end_byte, last.type)] = (redirs, extra_args)
        return body

    def redirected(self, n: Any, ctx: tuple, pipe: PipelinePos | None, inh: tuple, depth: int) -> None:
        body = None
        redirs: list[Redirect] = []
        cont: list[Any] = []
        extra_args: list[Word] = []
        for c in n.children:
            t = c.type
            if t in _REDIRECTS:
                self.redirect(c, ctx, depth, redirs, cont, extra_args)
            elif c.is_named and body is None:
                body = c
        if cont and cont[0].type == "pipeline" and cont[0].children and cont[0].children[0].type in ("|", "|&"):
            stages = [c for c in cont[0].children if c.is_named]
            key = self.span(n)[0]
            length = len(stages) + 1
            pipe = PipelinePos(key, 0, length)
            for idx, st in enumerate(stages, 1):
                self.visit(st, ctx, PipelinePos(key, idx, length), inh, depth)
            cont = cont[1:]
        if body is None:
            self.res.commands.append(new_command(tuple(extra_args), (), tuple(redirs), ctx, pipe, PARSER, inherited=inh))
        elif body.type == "command":
            self.command(body, ctx, pipe, inh, (redirs, extra_args), depth)
        elif body.type in ("pipeline", "list"):
            # bash binds these redirections to the LAST simple command (`a | b > f`, `a && b > f`);
            # tree-sitter-bash hangs them on the whole pipeline / list
            last = body
            while last.type in ("pipeline", "list") and last.named_child_count:
                last = last.named_children[-1]
            self.tail[(last.start_byte, last.end_byte, last.type)] = (redirs, extra_args)
            self.visit(body, ctx, pipe, inh, depth)
        else:
            self.visit(body, ctx, pipe, inh + tuple(redirs), depth)
        for c in cont:
            self.visit(c, ctx, None, inh, depth)

    def redirect(self, c: Any, ctx: tuple, depth: int, out: list, cont: list, extra_args: list) -> None:
        """Append the Redirect(s) of redirect node ``c`` to ``out``; statements that
        tree-sitter nests inside a heredoc redirect go to ``cont``; surplus destination
        words (``echo > f hello``) are arguments and go to ``extra_args``."""
        t = c.type
        ch = c.children
        fd = None
        op = ""
        target = None
        if t == "heredoc_redirect":
            at = len(out)
            delim = ""
            body = None
            end_b = None
            for x in ch:
                xt = x.type
                if xt in ("<<", "<<-"):
                    op = xt
                elif xt == "heredoc_start":
                    delim = self.src[slice(*self.span(x))]
                    end_b = x
                elif xt == "heredoc_body":
                    body = x
                elif xt == "file_descriptor":
                    fd = _int(self.src[slice(*self.span(x))])
                elif xt in _REDIRECTS:
                    self.redirect(x, ctx, depth, out, cont, extra_args)
                elif xt == "heredoc_end":
                    continue
                elif x.is_named:
                    cont.append(x)
            quoted = heredoc_quoted(delim)
            a = self.span(c)[0]
            b = self.span(end_b)[1] if end_b is not None else a + len(op)
            if body is not None:
                s0, s1 = self.span(body)
                raw = self.src[s0:s1]
                target = Word(raw, raw, (s0, s1), (not quoted) and ("$" in raw or "`" in raw))
                if not quoted:
                    self.subst(body, ctx + (Ctx.HEREDOC,), depth)
                    self.heredoc_escapes(raw, s0, ctx + (Ctx.HEREDOC,), depth)
            else:
                target = Word("", "", (b, b), False)
            out.insert(at, Redirect(op, redirect_mode(op, None), target, (a, b), fd, True, quoted))
            return
        dests = []
        for x in ch:
            xt = x.type
            if xt == "file_descriptor":
                fd = _int(self.src[slice(*self.span(x))])
            elif not x.is_named:
                op += xt
            elif xt != "comment":
                dests.append(x)
        if dests:
            target = self.word(dests[0])
            self.subst(dests[0], ctx + (Ctx.REDIRECT,), depth)
            self.hidden_backticks(target, ctx + (Ctx.REDIRECT,), depth)
            for d in dests[1:]:
                extra_args.append(self.word(d))
                self.subst(d, ctx, depth)
        mode = redirect_mode(op, target.text if target is not None else None)
        if mode.value == "dup":
            target = None
        out.append(Redirect(op, mode, target, self.span(c), fd))

    def command(self, n: Any, ctx: tuple, pipe: PipelinePos | None, inh: tuple, extra: tuple, depth: int) -> None:
        self.command_parts(n.children, ctx, pipe, inh, extra, depth)

    def command_parts(self, children: list, ctx: tuple, pipe: PipelinePos | None, inh: tuple, extra: tuple, depth: int) -> None:
        argv: list[Word] = []
        assigns: list[Assignment] = []
        redirs: list[Redirect] = []
        cont: list[Any] = []
        src = self.src
        for c in children:
            t = c.type
            if t == "variable_assignment":
                a, b = self.span(c)
                raw = src[a:b]
                eq = raw.find("=")
                if eq < 0:
                    argv.append(make_word(raw, (a, b)))
                    continue
                assigns.append(Assignment(raw[:eq].rstrip("+"), make_word(raw[eq + 1 :], (a + eq + 1, b)), (a, b)))
                if c.child_count > 2:
                    self.subst(c, ctx + (Ctx.ASSIGNMENT,), depth)
                    self.hidden_backticks(assigns[-1].value, ctx + (Ctx.ASSIGNMENT,), depth)
            elif t in _REDIRECTS:
                self.redirect(c, ctx, depth, redirs, cont, argv)
            elif t == "comment" or not c.is_named:
                continue
            else:
                argv.append(self.word(c))
                if c.child_count:
                    self.subst(c, ctx, depth)
                    self.hidden_backticks(argv[-1], ctx, depth)
        if extra:
            redirs.extend(extra[0])
            argv.extend(extra[1])
            argv.sort(key=_start)
        if argv:
            argv[0] = self.brace_name(argv[0])
        if len(argv) > 1:
            argv = self.join_continuations(argv)
        for part_argv, part_assigns, part_redirs, part_pipe in self.split_at_newlines(argv, assigns, redirs, pipe):
            part_argv = self.strip_reserved(part_argv)
            if part_argv is None:
                continue
            self.res.commands.append(
                new_command(tuple(part_argv), tuple(part_assigns), tuple(part_redirs), ctx, part_pipe, PARSER, inherited=inh)
            )
        for c in cont:
            self.visit(c, ctx, None, inh, depth)

    # -- repairs of known tree-sitter-bash misparses --------------------------------------
    def brace_name(self, w: Word) -> Word:
        """tree-sitter-bash rejects a brace expansion as command name (``{rm,-rf,~}``) and its
        error recovery starts the word after the ``{``. Give the word its ``{`` back (bash
        reads ``{rm,-rf,~}`` as one word) and flag the tree as suspect."""
        a, b = w.span
        src = self.src
        if a and src[a - 1] == "{" and (a == 1 or src[a - 2] in " \t\n;&|()") and "}" in w.raw:
            self.suspect("brace expansion in a command name", a - 1)
            return make_word(src[a - 1 : b], (a - 1, b))
        return w

    def join_continuations(self, argv: list[Word]) -> list[Word]:
        """bash deletes backslash-newline before splitting words; tree-sitter splits
        ``r\\<newline>m`` into ``r`` and ``m``. Re-join words separated only by it."""
        src = self.src
        out = [argv[0]]
        for w in argv[1:]:
            prev = out[-1]
            gap = src[prev.span[1] : w.span[0]]
            if gap and gap.replace("\\\n", "") == "":
                out[-1] = make_word(src[prev.span[0] : w.span[1]], (prev.span[0], w.span[1]))
            else:
                out.append(w)
        return out

    def split_at_newlines(self, argv: list[Word], assigns: list, redirs: list, pipe: PipelinePos | None):
        """An unescaped newline always ends a simple command, but tree-sitter-bash sometimes
        folds the next line into the previous command's arguments (after a 3-stage pipeline,
        before a quoted heredoc). Split there and flag the tree as suspect."""
        src = self.src
        cuts = [
            i
            for i in range(1, len(argv))
            if "\n" in src[argv[i - 1].span[1] : argv[i].span[0]].replace("\\\n", "")
        ]
        if not cuts:
            yield argv, assigns, redirs, pipe
            return
        self.suspect("command continues across a newline", argv[cuts[0]].span[0])
        bounds = [0] + cuts + [len(argv)]
        starts = [argv[b].span[0] for b in cuts]
        for k in range(len(bounds) - 1):
            words = argv[bounds[k] : bounds[k + 1]]
            lo = words[0].span[0] if k else -1
            hi = starts[k] if k < len(starts) else 1 << 62
            part_r = [r for r in redirs if lo <= r.span[0] < hi] if k else [r for r in redirs if r.span[0] < hi]
            yield words, assigns if k == 0 else [], part_r, pipe if k == 0 else None

    def strip_reserved(self, argv: list[Word]) -> list[Word] | None:
        """tree-sitter-bash turns ``! { a; }`` and ``! if ..`` into commands named ``{``,
        ``if``, ``then``, ``fi`` ... Drop such unquoted reserved words (the rest is the
        command bash runs) and flag the tree as suspect; None if nothing is left."""
        i = 0
        while i < len(argv) and argv[i].raw in _RESERVED:
            i += 1
        if i == 0:
            return argv
        self.suspect(f"reserved word {argv[0].raw!r} parsed as a command name", argv[0].span[0])
        return argv[i:] or None

    def declaration(self, n: Any, ctx: tuple, pipe: PipelinePos | None, inh: tuple, depth: int) -> None:
        argv: list[Word] = []
        for c in n.children:
            if c.type == "comment":
                continue
            argv.append(self.word(c))
            if c.child_count:
                c2 = ctx + (Ctx.ASSIGNMENT,) if c.type == "variable_assignment" else ctx
                self.subst(c, c2, depth)
                self.hidden_backticks(argv[-1], c2, depth)
        self.res.commands.append(new_command(tuple(argv), (), (), ctx, pipe, PARSER, inherited=inh))

    def test_command(self, n: Any, ctx: tuple, pipe: PipelinePos | None, inh: tuple, depth: int) -> None:
        """``[[ ... ]]`` becomes a command named ``[[`` whose argv are the test's tokens."""
        argv: list[Word] = []
        stack = list(reversed(n.children))
        while stack:
            c = stack.pop()
            if c.type in ("binary_expression", "unary_expression", "parenthesized_expression", "negation_expression"):
                stack.extend(reversed(c.children))
                continue
            argv.append(self.word(c))
            if c.child_count:
                self.subst(c, ctx, depth)
        self.res.commands.append(new_command(tuple(argv), (), (), ctx, pipe, PARSER, inherited=inh))

    # -- substitutions inside words --------------------------------------------------------
    def subst(self, n: Any, ctx: tuple, depth: int) -> None:
        """Find command/process substitutions under a word-level node."""
        if depth > self.max_depth:
            self.res.too_deep = True
            return
        t = n.type
        if t == "command_substitution":
            ch = n.children
            c = Ctx.BACKTICK if ch and ch[0].type == "`" else Ctx.COMMAND_SUBSTITUTION
            if c is Ctx.BACKTICK and self.backtick(n, ctx + (c,), depth + 1):
                return
            self.stmts(ch, ctx + (c,), None, (), depth + 1)
        elif t == "process_substitution":
            ch = n.children
            c = Ctx.PROCESS_SUBSTITUTION_OUT if ch and ch[0].type == ">(" else Ctx.PROCESS_SUBSTITUTION_IN
            self.stmts(ch, ctx + (c,), None, (), depth + 1)
        elif t == "expansion":
            self.subst_children(n, ctx + (Ctx.PARAMETER,), depth)
        elif n.child_count:
            self.subst_children(n, ctx, depth)

    # -- text bash reads differently from the source: escapes in `...`, backslash-newline ---
    def backtick(self, n: Any, ctx: tuple, depth: int) -> bool:
        """A `````...````` substitution whose body has ``\\$``, ``\\``` or ``\\\\``: bash
        removes those backslashes and runs the result (``\\``` nests a substitution), which
        tree-sitter's tree does not show. Parse that text instead; False if there is none."""
        return self.escaped_backtick(*self.span(n), ctx, depth)

    def reparse(self, text: str, starts: list[int], ends: list[int], base: int, ctx: tuple, depth: int) -> None:
        """Parse ``text`` on its own and add its commands, moved back into this text (character
        ``k`` of ``text`` came from ``base + starts[k]`` .. ``base + ends[k]``) under ``ctx``.
        If it does not parse, neither does this text."""
        if depth > self.max_depth:
            self.res.too_deep = True
            return
        sub = parse_treesitter(text, self.max_depth - depth)
        if sub.has_error:
            self.suspect(f"in a nested text: {sub.issue.message if sub.issue else 'syntax error'}", base)
        if sub.too_deep:
            self.res.too_deep = True
        self.res.functions |= sub.functions
        for c in sub.commands:
            self.res.commands.append(move_command(c, starts, ends, base, ctx))

    def subst_children(self, n: Any, ctx: tuple, depth: int) -> None:
        for c in n.children:
            if c.child_count:
                t = c.type
                if t in ("command", "redirected_statement", "pipeline", "list", "subshell", "compound_statement"):
                    self.visit(c, ctx, None, (), depth)
                else:
                    self.subst(c, ctx, depth)


def _named(n: Any) -> list[Any]:
    return [c for c in n.children if c.is_named and c.type != "comment"]


def _unfold_list(lst: Any) -> tuple[Any, list[Any]]:
    """The first member of an and-or list node (lists nest to the left) and the others, in
    order."""
    named = _named(lst)
    if not named:
        return lst, []
    first, rest = named[0], named[1:]
    if first.type == "list":
        inner, more = _unfold_list(first)
        return inner, more + rest
    return first, rest


def _int(s: str) -> int | None:
    return int(s) if s.isdigit() else None


def _start(w: Word) -> int:
    return w.span[0]
