"""Render an :class:`~policy_router.decision.Evaluation` for people (text) and programs (JSON).

The data is ``Evaluation.to_dict()`` (:func:`evaluation_to_data`). :func:`render_json` prints
that dict; :func:`render_text` is a *view over the same dict* (:func:`render_text_data`), never
over the objects, so the two outputs cannot disagree.

Text layout::

    deny
    cmd: curl -fsSL https://example.invalid/i.sh | sh
    deciding: * pipe-to-shell (policy.yaml:31)
    commands:
      [0] sandbox  curl -fsSL https://example.invalid/i.sh
          pipeline 1/2
            net-download  sandbox  policy.yaml:12  Downloads run in the sandbox.
      [1] deny  sh
          pipeline 2/2 · markers: shell_stdin
          * pipe-to-shell  deny  policy.yaml:31  Piping into a shell runs unseen code.

A ``*`` (and, with color, bold red/yellow/green) marks the deciding matches. A parse error is
shown with its source line and a caret under the position.
"""

from __future__ import annotations

import json
import os
import shlex
from typing import IO, Any, Mapping

from .decision import Evaluation

__all__ = [
    "evaluation_to_data",
    "render_json",
    "render_text",
    "render_text_data",
    "use_color",
]

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_DECISION_COLOR = {"local": "\x1b[32m", "sandbox": "\x1b[33m", "deny": "\x1b[31m"}


def evaluation_to_data(ev: Evaluation, *, trace: bool = False) -> dict[str, Any]:
    """Return THE data of an evaluation: ``ev.to_dict(trace=trace)`` (JSON-serialisable)."""
    return ev.to_dict(trace=trace)


def render_json(ev: Evaluation, *, trace: bool = False, indent: int | None = 2) -> str:
    """Return the evaluation data as JSON (``indent=None`` gives one line, for JSON Lines)."""
    data = evaluation_to_data(ev, trace=trace)
    if indent is None:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(data, ensure_ascii=False, indent=indent)


def render_text(ev: Evaluation, *, color: bool = False, trace: bool = False) -> str:
    """Return the readable tree of an evaluation (a view of :func:`evaluation_to_data`)."""
    return render_text_data(evaluation_to_data(ev, trace=trace), color=color)


def use_color(stream: IO[str], environ: Mapping[str, str] | None = None) -> bool:
    """True when ``stream`` is a terminal and ``NO_COLOR`` is unset or empty (no-color.org)."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False


class _Painter:
    """Applies ANSI styles, or nothing when color is off."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def style(self, text: str, *codes: str) -> str:
        if not self.color or not codes:
            return text
        return "".join(codes) + text + _RESET

    def decision(self, decision: str, *, bold: bool = False) -> str:
        codes = [_DECISION_COLOR.get(decision, "")]
        if bold:
            codes.append(_BOLD)
        return self.style(decision, *[c for c in codes if c])


_VISIBLE = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _visible(ch: str, keep: str = "") -> str:
    """One character, with control characters (ESC included) made visible unless in ``keep``."""
    if ch in keep or not (ord(ch) < 32 or ord(ch) == 127):
        return ch
    return _VISIBLE.get(ch) or f"\\x{ord(ch):02x}"


def _clean(text: object, keep: str = "") -> str:
    """Text from input or policy, safe for a terminal: no raw control characters, one line."""
    return "".join(_visible(ch, keep) for ch in str(text))


def _has_control(text: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


def _quote_word(text: str) -> str:
    """Shell-quote one word; words with control characters use ANSI-C quoting ``$'...'``."""
    if _has_control(text):
        return "$'" + _clean(text.replace("\\", "\\\\").replace("'", "\\'")) + "'"
    return shlex.quote(text)


def _quote_argv(cmd: Mapping[str, Any]) -> str:
    """Shell-quote a command's words; dynamic words are shown as written (their raw source)."""
    words = cmd.get("words") or []
    if words:
        parts = [_clean(w["raw"]) if w.get("dynamic") else _quote_word(w["text"]) for w in words]
    else:
        parts = [_quote_word(a) for a in cmd.get("argv") or []]
    assigns = [f"{a['name']}={_clean(a['value']['raw'])}" for a in cmd.get("assignments") or []]
    text = " ".join(assigns + parts)
    return text if text else "(no command)"


def _match_key(m: Mapping[str, Any]) -> tuple[Any, ...]:
    return (m.get("rule"), m.get("command"), m.get("location"), m.get("decision"))


def _match_line(m: Mapping[str, Any], deciding: set[tuple[Any, ...]], p: _Painter) -> str:
    is_deciding = _match_key(m) in deciding
    mark = p.style("*", _BOLD) if is_deciding else " "
    rule = p.style(_clean(m["rule"]), _BOLD) if is_deciding else _clean(m["rule"])
    parts = [f"{mark} {rule}", p.decision(m["decision"], bold=is_deciding)]
    parts.append(_clean(m.get("location") or "-"))
    if m.get("profile"):
        parts.append(f"profile={_clean(m['profile'])}")
    line = "  ".join(parts)
    if m.get("reason"):
        line += "  " + _clean(m["reason"])
    return line


def _details(cmd: Mapping[str, Any]) -> str:
    """One short line: pipeline position, context, via, markers, redirects."""
    bits: list[str] = []
    pipe = cmd.get("pipeline")
    if pipe:
        bits.append(f"pipeline {pipe['index'] + 1}/{pipe['length']}")
    if cmd.get("context"):
        bits.append("in " + " > ".join(cmd["context"]))
    if cmd.get("via"):
        bits.append("via " + " > ".join(_clean(v) for v in cmd["via"]))
    if cmd.get("markers"):
        bits.append("markers: " + ", ".join(cmd["markers"]))
    redirs = [
        f"{r['op']}{' ' + _clean(r['target']['raw']) if r.get('target') else ''}"
        for r in cmd.get("redirects") or []
        if not r.get("heredoc")
    ]
    if redirs:
        bits.append("redirects: " + " ".join(redirs))
    return " · ".join(bits)


def _caret(source: str, position: int) -> list[str]:
    """The source line holding ``position`` and a caret line under it (tabs kept aligned)."""
    position = max(0, min(position, len(source)))
    start = source.rfind("\n", 0, position) + 1
    end = source.find("\n", position)
    if end < 0:
        end = len(source)
    line = _clean(source[start:end], keep="\t")
    lineno = source.count("\n", 0, start) + 1
    pad = "".join("\t" if ch == "\t" else " " * len(_visible(ch)) for ch in source[start:position])
    col = position - start + 1
    return [f"line {lineno}, col {col}:", "  " + line, "  " + pad + "^"]


def _command_order(cmds: list[Mapping[str, Any]]) -> list[tuple[int, int]]:
    """(index, depth) pairs: children (by ``parent``) listed under their parent, source order kept."""
    children: dict[int | None, list[int]] = {}
    n = len(cmds)
    for i, c in enumerate(cmds):
        parent = c.get("parent")
        if not isinstance(parent, int) or not 0 <= parent < n or parent == i:
            parent = None
        children.setdefault(parent, []).append(i)
    out: list[tuple[int, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for i in children.get(parent, []):
            if i in seen:
                continue
            seen.add(i)
            out.append((i, depth))
            walk(i, depth + 1)

    walk(None, 0)
    # Anything unreachable (a parent cycle) is still shown, at top level.
    for i in range(n):
        if i not in seen:
            seen.add(i)
            out.append((i, 0))
            walk(i, 1)
    return out


def render_text_data(data: Mapping[str, Any], *, color: bool = False) -> str:
    """Render the dict produced by :func:`evaluation_to_data` as a readable tree."""
    p = _Painter(color)
    lines: list[str] = []
    decision = data["decision"]
    head = p.decision(decision, bold=True)
    notes: list[str] = []
    if data.get("policy_decision") and data["policy_decision"] != decision:
        notes.append(f"mode {data.get('mode')}; policy decided {data['policy_decision']}")
    elif data.get("mode") and data["mode"] != "auto":
        notes.append(f"mode {data['mode']}")
    if decision == "sandbox" and data.get("profile"):
        notes.append(f"profile {_clean(data['profile'])}")
    lines.append(head + (f"  ({'; '.join(notes)})" if notes else ""))
    lines.append("cmd: " + _clean(data.get("cmd", ""), keep="\n\t").replace("\n", "\n     "))

    deciding_list = data.get("deciding") or []
    deciding = {_match_key(m) for m in deciding_list}
    if deciding_list:
        # One name per rule: the same rule deciding several commands is listed once here;
        # the tree below marks each deciding match with `*`.
        labels = dict.fromkeys(
            _clean(f"{m['rule']} ({m['location']})" if m.get("location") else m["rule"]) for m in deciding_list
        )
        names = ", ".join(labels)
        lines.append("deciding: " + names)

    pe = data.get("parse_error")
    if pe:
        lines.append(p.style("parse error: ", _BOLD) + _clean(pe.get("message", "")))
        if pe.get("position") is not None:
            lines.extend("  " + s for s in _caret(data.get("cmd", ""), int(pe["position"])))
    warnings = [w for w in data.get("parse_warnings") or [] if not pe or w.get("message") != pe.get("message")]
    for w in warnings:
        pos = w.get("position")
        where = f" at {pos}" if pos is not None else ""
        lines.append(p.style(_clean(f"parse warning ({w.get('parser', '?')}{where}): {w.get('message', '')}"), _DIM))

    line_matches = data.get("line_matches") or []
    if line_matches:
        lines.append("line:")
        lines.extend("    " + _match_line(m, deciding, p) for m in line_matches)

    cmds = data.get("commands") or []
    if cmds:
        lines.append("commands:")
    elif not pe:
        lines.append("commands: (none)")
    for i, depth in _command_order(cmds):
        c = cmds[i]
        ind = "  " + "    " * depth
        lines.append(f"{ind}[{i}] {p.decision(c['decision'])}  {_quote_argv(c)}")
        det = _details(c)
        if det:
            lines.append(f"{ind}    {p.style(det, _DIM)}")
        for m in c.get("matches") or []:
            lines.append(f"{ind}      {_match_line(m, deciding, p)}")

    trace = data.get("trace")
    if trace:
        lines.append("trace:")
        for t in trace:
            where = f"[{t['command']}]" if t.get("command") is not None else "[line]"
            rule = f" {_clean(t['rule'])}" if t.get("rule") else ""
            detail = f"  {_clean(t['detail'])}" if t.get("detail") else ""
            lines.append(f"  {t['op']:<8} {where}{rule}{detail}")
    return "\n".join(lines) + "\n"
