"""Wrappers, nested shells and code execution.

:func:`unwrap` looks at ONE command and reports

* the inner command of a wrapper (``sudo``, ``env``, ``timeout``, ``xargs``, ``find -exec``
  ...) as a new :class:`Command` (context + ``Ctx.WRAPPED``, ``via`` + the wrapper name, the
  wrapper's pipeline position and redirects);
* texts that must be re-parsed as shell code (``bash -c STRING``, ``eval``, ``su -c``,
  ``script -c``, ``flock -c``, ``env -S``, ``watch``, a literal heredoc / here-string / ``echo``
  piped into a shell) — the caller (:mod:`.parse`) parses them, one level deeper;
* markers for the command itself (WRAPPER, NESTED_SHELL, EVAL_DYNAMIC, SOURCE_DYNAMIC,
  SHELL_STDIN, CODE_EXECUTION).

It does not parse anything and imports no parser. The caller unwraps inner commands again
(``sudo env bash -c ...``), up to the depth cap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import Assignment, Command, Ctx, Marker, Word
from .words import new_command

__all__ = ["Unwrapped", "Nested", "unwrap", "SHELLS", "WRAPPERS"]

SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "rbash", "yash"})


@dataclass(frozen=True, slots=True)
class Nested:
    """Shell text to re-parse: ``text`` came from ``carrier`` (its span is used for every
    command found inside), goes under context ``ctx`` and ``via`` label ``via``."""

    text: str
    carrier: Word
    ctx: Ctx
    via: str


@dataclass(slots=True)
class Unwrapped:
    """What :func:`unwrap` found for one command."""

    markers: set[Marker] = field(default_factory=set)
    inner: list[Command] = field(default_factory=list)
    nested: list[Nested] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# option skipping


@dataclass(frozen=True, slots=True)
class _Opts:
    """Option grammar of a wrapper: short letters that take a value, long options that take
    a value (``--name VALUE``; ``--name=VALUE`` always works), and whether options stop at
    the first non-option word (all of ours do)."""

    short_val: str = ""
    long_val: frozenset[str] = frozenset()


def _skip(argv: tuple[Word, ...], i: int, spec: _Opts, seen: dict[str, str] | None = None) -> int:
    """Index of the first word after the options starting at ``i``. Options seen are
    recorded in ``seen`` (``{"-u": "root", "--chdir": "/x", "-s": ""}``)."""
    n = len(argv)
    while i < n:
        t = argv[i].text
        if t == "--":
            return i + 1
        if not t.startswith("-") or len(t) < 2:
            break
        i = _skip_one(argv, i, spec, seen)
    return i


def _skip_one(argv: tuple[Word, ...], i: int, spec: _Opts, seen: dict[str, str] | None = None) -> int:
    """Skip the one option word at ``i`` (a long option or a cluster of short ones) and its
    value if it takes one; returns the next index."""
    n = len(argv)
    t = argv[i].text
    if t.startswith("--"):
        name, eq, val = t.partition("=")
        if not eq and name in spec.long_val:
            if seen is not None:
                seen[name] = argv[i + 1].text if i + 1 < n else ""
            return i + 2
        if seen is not None:
            seen[name] = val
        return i + 1
    for j in range(1, len(t)):
        ch = t[j]
        if ch in spec.short_val:
            if j == len(t) - 1:
                if seen is not None:
                    seen["-" + ch] = argv[i + 1].text if i + 1 < n else ""
                return i + 2
            if seen is not None:
                seen["-" + ch] = t[j + 1 :]
            return i + 1
        if seen is not None:
            seen["-" + ch] = ""
    return i + 1


def _fs(*names: str) -> frozenset[str]:
    return frozenset(names)


_SUDO = _Opts("ugCDhprtUTR", _fs("--user", "--group", "--close-from", "--chdir", "--host", "--prompt", "--role", "--type", "--other-user", "--command-timeout", "--chroot"))
_DOAS = _Opts("uC")
_ENV = _Opts("uCSP", _fs("--unset", "--chdir", "--split-string", "--default-signal", "--ignore-signal", "--block-signal"))
_TIME = _Opts("fo", _fs("--format", "--output"))
_TIMEOUT = _Opts("sk", _fs("--signal", "--kill-after"))
_NICE = _Opts("n", _fs("--adjustment"))
_IONICE = _Opts("cnpPu", _fs("--class", "--classdata", "--pid", "--pgid", "--uid"))
_STDBUF = _Opts("ioe", _fs("--input", "--output", "--error"))
_SETSID = _Opts("")
_FLOCK = _Opts("wEc", _fs("--timeout", "--wait", "--conflict-exit-code", "--command"))
_WATCH = _Opts("nd", _fs("--interval", "--differences"))
_XARGS = _Opts("IndPLaEsl", _fs("--max-args", "--max-procs", "--delimiter", "--arg-file", "--max-chars", "--max-lines", "--process-slot-var"))
_SCRIPT = _Opts("cEmBIOT", _fs("--command", "--echo", "--logging-format", "--log-io", "--log-in", "--log-out", "--log-timing", "--output-limit"))
_SU = _Opts("csgGw", _fs("--command", "--shell", "--group", "--supp-group", "--whitelist-environment", "--session-command"))
_CHROOT = _Opts("", _fs("--userspec", "--groups"))
_UNSHARE = _Opts("SGRw", _fs("--setuid", "--setgid", "--root", "--wd", "--propagation", "--setgroups", "--map-user", "--map-group", "--map-users", "--map-groups"))
_NSENTER = _Opts("tSGUN", _fs("--target", "--setuid", "--setgid", "--user-parent", "--net-socket"))
_STRACE = _Opts("oepsuEaIOPSXbU", _fs("--output", "--expr", "--attach", "--string-limit", "--user", "--env", "--columns", "--trace-path", "--summary-sort-by", "--detach-on"))
_LTRACE = _Opts("oepsunaAlLDFxX", _fs("--output", "--library", "--config", "--align", "--indent"))
_EXEC = _Opts("a")
_COMMAND = _Opts("")
_SHELL = _Opts("oO", _fs("--rcfile", "--init-file"))
_TASKSET = _Opts("")
_CHRT = _Opts("T", _fs("--sched-runtime", "--sched-period", "--sched-deadline"))


@dataclass(frozen=True, slots=True)
class _Plain:
    """A wrapper of the shape ``NAME [options] [operands] COMMAND ...``.

    ``opts``      its options (None: it takes none);
    ``operands``  words between the options and the command (``timeout DURATION``);
    ``no_exec``   options that mean it runs no command (``command -v``, ``taskset -p``);
    ``bare_shell`` with no command it starts a shell (``chroot DIR``): SHELL_STDIN.
    """

    opts: _Opts | None = None
    operands: int = 0
    no_exec: frozenset[str] = frozenset()
    bare_shell: bool = False


_PID = _fs("-p", "--pid")
_PLAIN: dict[str, _Plain] = {
    "command": _Plain(_COMMAND, no_exec=_fs("-v", "-V")),
    "builtin": _Plain(),
    "busybox": _Plain(),
    "coproc": _Plain(),
    "nohup": _Plain(_SETSID),
    "setsid": _Plain(_SETSID),
    "exec": _Plain(_EXEC),
    "time": _Plain(_TIME),
    "timeout": _Plain(_TIMEOUT, operands=1),
    "nice": _Plain(_NICE),
    "ionice": _Plain(_IONICE, no_exec=_fs("-p", "-P", "-u", "--pid", "--pgid", "--uid")),
    "stdbuf": _Plain(_STDBUF),
    "taskset": _Plain(_TASKSET, operands=1, no_exec=_PID),
    "chrt": _Plain(_CHRT, operands=1, no_exec=_PID),
    "chroot": _Plain(_CHROOT, operands=1, bare_shell=True),
    "unshare": _Plain(_UNSHARE, bare_shell=True),
    "nsenter": _Plain(_NSENTER, bare_shell=True),
    "strace": _Plain(_STRACE),
    "ltrace": _Plain(_LTRACE),
}

#: Every wrapper program whose inner command is unwrapped, for docs and tests.
WRAPPERS = frozenset(
    {"sudo", "doas", "env", "flock", "watch", "xargs", "find", "script", "su"} | _PLAIN.keys()
)

_PY = re.compile(r"^(python[0-9.]*|pypy[0-9.]*)$")
_AWK = frozenset({"awk", "gawk", "mawk", "nawk", "busybox awk"})
_AWK_DANGER = re.compile(r"system\s*\(|\|\s*getline|\|&|\b(print|printf)\b[^;{}]*?(>|\|)")
_INLINE_CODE = {  # interpreter -> option letters that carry inline code
    "perl": "eE",
    "ruby": "e",
    "node": "ep",
    "nodejs": "ep",
    "php": "r",
    "lua": "e",
    "Rscript": "e",
    "osascript": "e",
}
_INTERPRETERS_STDIN = frozenset({"perl", "ruby", "node", "nodejs", "php", "lua", "Rscript", "osascript", "irb", "tclsh", "wish", "guile", "R"})


_HANDLED = frozenset(SHELLS | WRAPPERS | _AWK | _INLINE_CODE.keys() | _INTERPRETERS_STDIN | {"eval", "source", ".", "trap", "alias"})


def _base(cmd: Command) -> str:
    p = cmd.program
    return p.rsplit("/", 1)[-1] if "/" in p else p


def _inner(
    cmd: Command,
    k: int,
    via: str,
    assigns: tuple[Assignment, ...] = (),
    argv: tuple[Word, ...] | None = None,
    markers: frozenset[Marker] = frozenset(),
) -> Command:
    """The inner command ``argv[k:]`` of a wrapper."""
    words = cmd.argv[k:] if argv is None else argv
    return new_command(
        words,
        assigns,
        cmd.redirects,
        cmd.context + (Ctx.WRAPPED,),
        cmd.pipeline,
        cmd.source,
        extra_markers=markers,
        via=cmd.via + (via,),
    )


_EXTRA = frozenset({Marker.EXTRA_ARGS})


def _static(words: tuple[Word, ...]) -> bool:
    return not any(w.dynamic for w in words)


def _join(words: tuple[Word, ...]) -> str:
    return " ".join(w.text for w in words)


def _carrier(words: tuple[Word, ...]) -> Word:
    """One Word spanning ``words`` (used as the carrier of joined nested text)."""
    if len(words) == 1:
        return words[0]
    text = _join(words)
    return Word(text, text, (words[0].span[0], words[-1].span[1]), not _static(words))


# --------------------------------------------------------------------------------------------


def unwrap(cmd: Command, upstream: Command | None = None) -> Unwrapped | None:
    """Inspect ``cmd`` for wrappers, nested shell text and code execution.

    ``upstream`` is the previous stage of ``cmd``'s pipeline (for ``echo ... | sh``).
    Returns None when the program is none of the wrappers, shells, ``eval``/``source`` or
    interpreters this module knows (the common case, kept cheap).
    """
    if not cmd.argv:
        return None
    name = _base(cmd)
    if name not in _HANDLED and not _PY.match(name):
        return None
    out = Unwrapped()
    argv = cmd.argv
    if name in SHELLS:
        _shell(cmd, 1, name, upstream, out)
    elif name == "eval":
        _eval(cmd, out)
    elif name == "trap":
        _trap(cmd, out)
    elif name == "alias":
        _alias(cmd, out)
    elif name in ("source", "."):
        out.markers.add(Marker.SOURCE_DYNAMIC)
    elif name in WRAPPERS:
        _wrapper(cmd, name, upstream, out)
    elif _PY.match(name):
        _python(cmd, upstream, out)
    elif name in _AWK:
        _awk(cmd, 1, out)
    elif name in _INLINE_CODE or name in _INTERPRETERS_STDIN:
        _interp(cmd, name, upstream, out)
    if out.inner:
        out.markers.add(Marker.WRAPPER)
    del argv
    return out


def _reads_stdin_from(cmd: Command, upstream: Command | None) -> bool:
    """True if the command's stdin is fed by a pipe or an input redirect."""
    if cmd.pipeline is not None and cmd.pipeline.index > 0:
        return True
    return any(r.mode.value == "read" and (r.fd in (None, 0)) for r in cmd.redirects)


def _stdin_script(cmd: Command, upstream: Command | None, via: str, out: Unwrapped) -> None:
    """A shell reads its script from stdin: re-parse it if it is a literal, else SHELL_STDIN."""
    for r in reversed(cmd.redirects):
        if r.mode.value != "read" or r.fd not in (None, 0):
            continue
        t = r.target
        if t is None:
            break
        if r.heredoc:
            if r.quoted or not t.dynamic:
                out.nested.append(Nested(t.text, t, Ctx.NESTED_SHELL, via))
                out.markers.add(Marker.NESTED_SHELL)
                return
        elif r.op == "<<<":
            if not t.dynamic:
                out.nested.append(Nested(t.text, t, Ctx.NESTED_SHELL, via))
                out.markers.add(Marker.NESTED_SHELL)
                return
        out.markers.update((Marker.SHELL_STDIN, Marker.CODE_EXECUTION))
        return
    if cmd.pipeline is not None and cmd.pipeline.index > 0:
        text = _echo_text(upstream) if upstream is not None else None
        if text is not None:
            if len(upstream.argv) > 1:
                cspan = (upstream.argv[1].span[0], upstream.argv[-1].span[1])
            else:
                cspan = next((r.target.span for r in upstream.redirects if r.target is not None), upstream.span)
            carrier = Word(text, text, cspan, False)
            out.nested.append(Nested(text, carrier, Ctx.NESTED_SHELL, via))
            out.markers.add(Marker.NESTED_SHELL)
            return
    out.markers.update((Marker.SHELL_STDIN, Marker.CODE_EXECUTION))


def _echo_text(up: Command) -> str | None:
    """The exact output of a static ``echo``/``printf`` stage, or None if unknown."""
    prog = _base(up)
    args = up.argv[1:]
    if up.redirects and any(r.mode.value not in ("dup", "read") for r in up.redirects):
        return None
    if not _static(args) or up.dynamic:
        return None
    if prog == "echo":
        i = 0
        while i < len(args) and args[i].text in ("-n", "-E"):
            i += 1
        rest = args[i:]
        if any(w.text.startswith("-e") or "\\" in w.text for w in rest):
            return None
        return _join(rest) + "\n"
    if prog == "cat" and not args:
        body = [r for r in up.redirects if r.mode.value == "read" and r.fd in (None, 0)]
        if len(body) == 1 and body[0].target is not None:
            r = body[0]
            if (r.heredoc and (r.quoted or not r.target.dynamic)) or (r.op == "<<<" and not r.target.dynamic):
                return r.target.text + ("\n" if r.op == "<<<" else "")
        return None
    if prog == "printf":
        if len(args) == 1 and "%" not in args[0].text and "\\" not in args[0].text and not args[0].text.startswith("-"):
            return args[0].text
        return None
    return None


def _shell(cmd: Command, k: int, name: str, upstream: Command | None, out: Unwrapped) -> None:
    """``bash [opts] -c STRING [arg0 args]``, ``bash script``, ``bash`` reading stdin."""
    argv = cmd.argv
    seen: dict[str, str] = {}
    i = k
    n = len(argv)
    has_c = False
    while i < n:
        t = argv[i].text
        if t == "--" or t == "-":
            i += 1
            break
        if t.startswith("--"):
            if t in ("--rcfile", "--init-file"):
                i += 2
            else:
                i += 1
            continue
        if (t.startswith("-") or t.startswith("+")) and len(t) > 1:
            letters = t[1:]
            if "c" in letters and t[0] == "-":
                has_c = True
            if letters[-1] in "oO":
                i += 2
            else:
                i += 1
            continue
        break
    via = f"{name} -c" if has_c else name
    if has_c:
        if i >= n:
            out.markers.add(Marker.EVAL_DYNAMIC)
            return
        w = argv[i]
        if w.dynamic:
            out.markers.add(Marker.EVAL_DYNAMIC)
        out.nested.append(Nested(w.text, w, Ctx.NESTED_SHELL, via))
        out.markers.add(Marker.NESTED_SHELL)
        return
    del seen
    if i < n and "s" not in "".join(a.text[1:] for a in argv[k:i] if a.text.startswith("-") and not a.text.startswith("--")):
        if not argv[i].dynamic:
            return  # bash script.sh args: the script's content is for the policy to judge
        # which script runs is unknown; also look at what stdin would feed (over-approximation)
        out.markers.add(Marker.EVAL_DYNAMIC)
    _stdin_script(cmd, upstream, name, out)


def _eval(cmd: Command, out: Unwrapped) -> None:
    args = cmd.argv[1:]
    if args and args[0].text == "--":
        args = args[1:]
    if not args:
        return
    if not _static(args):
        out.markers.add(Marker.EVAL_DYNAMIC)
    out.nested.append(Nested(_join(args), _carrier(args), Ctx.EVAL, "eval"))


def _trap(cmd: Command, out: Unwrapped) -> None:
    """``trap [--] ACTION SIGNAL...``: ACTION is shell text run later in this shell."""
    args = cmd.argv[1:]
    while args and args[0].text.startswith("-") and args[0].text not in ("-", "--"):
        if args[0].text in ("-l", "-p", "-P"):
            return  # list / print: nothing is installed
        args = args[1:]
    if args and args[0].text == "--":
        args = args[1:]
    if len(args) < 2:
        return  # ``trap SIG`` / ``trap - SIG`` reset a signal
    w = args[0]
    if w.text in ("", "-") and not w.dynamic:
        return
    if w.dynamic:
        out.markers.add(Marker.EVAL_DYNAMIC)
    out.nested.append(Nested(w.text, w, Ctx.EVAL, "trap"))


def _alias(cmd: Command, out: Unwrapped) -> None:
    """``alias NAME=TEXT ...``: TEXT is shell code that runs wherever NAME is used later."""
    for w in cmd.argv[1:]:
        name, eq, val = w.text.partition("=")
        if not eq or not name:
            continue
        if w.dynamic:
            out.markers.add(Marker.EVAL_DYNAMIC)
        if val.strip():
            out.nested.append(Nested(val, w, Ctx.EVAL, "alias"))


def _python(cmd: Command, upstream: Command | None, out: Unwrapped) -> None:
    argv = cmd.argv
    i = 1
    while i < len(argv):
        t = argv[i].text
        if t == "-" :
            break
        if t.startswith("-") and len(t) > 1 and not t.startswith("--"):
            if "c" in t[1:]:
                out.markers.add(Marker.CODE_EXECUTION)
                return
            if t[1:].endswith(("m", "W", "X", "Q")):
                if t[-1] == "m":
                    return  # python -m module: policy decides
                i += 2
                continue
            i += 1
            continue
        if t.startswith("--"):
            i += 1
            continue
        return  # a script file
    if i < len(argv) or _reads_stdin_from(cmd, upstream):
        out.markers.add(Marker.CODE_EXECUTION)


def _awk(cmd: Command, k: int, out: Unwrapped) -> None:
    argv = cmd.argv
    i = k
    while i < len(argv):
        t = argv[i].text
        if t in ("-f", "--file"):
            return
        if t in ("-F", "-v", "--assign", "--field-separator"):
            i += 2
            continue
        if t.startswith("-") and len(t) > 1 and t != "--":
            i += 1
            continue
        if t == "--":
            i += 1
        break
    if i < len(argv):
        prog = argv[i]
        if prog.dynamic and "$" in prog.raw.replace("'", "") and not prog.raw.startswith("'"):
            out.markers.add(Marker.CODE_EXECUTION)
        elif _AWK_DANGER.search(prog.text):
            out.markers.add(Marker.CODE_EXECUTION)


def _interp(cmd: Command, name: str, upstream: Command | None, out: Unwrapped) -> None:
    letters = _INLINE_CODE.get(name, "")
    argv = cmd.argv
    script = False
    for w in argv[1:]:
        t = w.text
        if t in ("--eval", "--print", "-") or (letters and t.startswith("-") and not t.startswith("--") and any(c in letters for c in t[1:])):
            out.markers.add(Marker.CODE_EXECUTION)
            return
        if not t.startswith("-"):
            script = True
            break
    if not script and _reads_stdin_from(cmd, upstream):
        out.markers.add(Marker.CODE_EXECUTION)


def _wrapper(cmd: Command, name: str, upstream: Command | None, out: Unwrapped) -> None:
    argv = cmd.argv
    n = len(argv)
    seen: dict[str, str] = {}
    if name == "sudo":
        i = _skip(argv, 1, _SUDO, seen)
        if any(f in seen for f in ("-e", "-l", "-v", "-V", "-K", "--edit", "--list", "--validate", "--version", "--remove-timestamp")):
            return
        assigns, i = _assignments(argv, i)  # sudo [opts] [VAR=value ...] command
        if i >= n:
            if "-s" in seen or "-i" in seen or "--shell" in seen or "--login" in seen:
                out.markers.update((Marker.SHELL_STDIN,))
            return
        out.inner.append(_inner(cmd, i, "sudo", assigns))
    elif name == "doas":
        i = _skip(argv, 1, _DOAS, seen)
        if i >= n:
            if "-s" in seen:
                out.markers.add(Marker.SHELL_STDIN)
            return
        out.inner.append(_inner(cmd, i, "doas"))
    elif name == "env":
        _env(cmd, out)
    elif name in _PLAIN:
        spec = _PLAIN[name]
        i = (_skip(argv, 1, spec.opts, seen) if spec.opts is not None else 1) + spec.operands
        if not spec.no_exec.isdisjoint(seen):
            return
        if i < n:
            out.inner.append(_inner(cmd, i, name))
        elif spec.bare_shell:
            out.markers.add(Marker.SHELL_STDIN)
    elif name == "flock":
        i = _skip(argv, 1, _FLOCK, seen)
        if "-c" in seen or "--command" in seen:
            _flock_c(cmd, out)
            return
        i += 1  # the lock file / fd
        j = _skip(argv, i, _FLOCK, seen)
        if "-c" in seen or "--command" in seen:
            _flock_c(cmd, out)
        elif j < n:
            out.inner.append(_inner(cmd, j, "flock"))
    elif name == "watch":
        i = _skip(argv, 1, _WATCH, seen)
        if i >= n:
            return
        if "-x" in seen or "--exec" in seen:
            out.inner.append(_inner(cmd, i, "watch"))
        else:
            rest = argv[i:]
            if not _static(rest):
                out.markers.add(Marker.EVAL_DYNAMIC)
            out.nested.append(Nested(_join(rest), _carrier(rest), Ctx.NESTED_SHELL, "watch"))
            out.markers.add(Marker.NESTED_SHELL)
    elif name == "xargs":
        i = _skip(argv, 1, _XARGS)
        if i < n:
            out.inner.append(_inner(cmd, i, "xargs", markers=_EXTRA))
        else:
            w = argv[0]
            out.inner.append(_inner(cmd, n, "xargs", argv=(Word("echo", "echo", w.span, False),), markers=_EXTRA))
    elif name == "find":
        _find(cmd, out)
    elif name in ("script", "su"):
        # options may follow the user / file operand: look for -c / --command anywhere
        w = _option_value_word(argv, ("-c", "--command"))
        has_c = any(
            t == "-c" or t == "--command" or t.startswith("--command=") or (t.startswith("-") and not t.startswith("--") and t.endswith("c") and len(t) > 2)
            for t in (a.text for a in argv[1:])
        )
        if not has_c:
            if name == "su":
                out.markers.add(Marker.SHELL_STDIN)
            return
        if w is None or w.dynamic:
            out.markers.add(Marker.EVAL_DYNAMIC)
        if w is not None:
            out.nested.append(Nested(w.text, w, Ctx.NESTED_SHELL, f"{name} -c"))
            out.markers.add(Marker.NESTED_SHELL)


def _option_value_word(argv: tuple[Word, ...], names: tuple[str, ...]) -> Word | None:
    """The Word holding the value of option ``-c``/``--command`` (separate or attached)."""
    for j, w in enumerate(argv[1:], 1):
        t = w.text
        for nm in names:
            if t == nm:
                return argv[j + 1] if j + 1 < len(argv) else None
            if nm.startswith("--") and t.startswith(nm + "="):
                v = t[len(nm) + 1 :]
                return Word(v, w.raw, w.span, w.dynamic)
        if t.startswith("-") and not t.startswith("--") and len(t) > 2 and t[-1] == "c" and "-c" in names:
            return argv[j + 1] if j + 1 < len(argv) else None
    return None


def _flock_c(cmd: Command, out: Unwrapped) -> None:
    w = _option_value_word(cmd.argv, ("-c", "--command"))
    if w is None or w.dynamic:
        out.markers.add(Marker.EVAL_DYNAMIC)
    if w is None:
        return
    out.nested.append(Nested(w.text, w, Ctx.NESTED_SHELL, "flock -c"))
    out.markers.add(Marker.NESTED_SHELL)


def _env(cmd: Command, out: Unwrapped) -> None:
    argv = cmd.argv
    n = len(argv)
    i = 1
    while i < n:
        t = argv[i].text
        if t in ("--", "-"):
            i += 1
            break
        if not t.startswith("-") or len(t) < 2:
            break
        split = None
        if t == "--split-string" or t.startswith("--split-string="):
            split = argv[i + 1] if t == "--split-string" and i + 1 < n else None
            if t.startswith("--split-string="):
                v = t.partition("=")[2]
                split = Word(v, argv[i].raw, argv[i].span, argv[i].dynamic)
            rest = argv[i + 2 :] if t == "--split-string" else argv[i + 1 :]
        elif not t.startswith("--") and "S" in t[1:]:
            k = t.index("S", 1)
            before = t[1:k]
            if not any(c in "uCP" for c in before):
                v = t[k + 1 :]
                if v:
                    split = Word(v, argv[i].raw, argv[i].span, argv[i].dynamic)
                    rest = argv[i + 1 :]
                else:
                    split = argv[i + 1] if i + 1 < n else None
                    rest = argv[i + 2 :]
                if split is None:
                    return
        if split is not None:
            if split.dynamic or not _static(rest):
                out.markers.add(Marker.EVAL_DYNAMIC)
            text = " ".join([split.text] + [_sh_quote(r.text) for r in rest])
            out.nested.append(Nested(text, split, Ctx.WRAPPED, "env -S"))
            out.markers.add(Marker.WRAPPER)
            return
        i = _skip_one(argv, i, _ENV)
    assigns, i = _assignments(argv, i)
    if i < n:
        out.inner.append(_inner(cmd, i, "env", assigns))


def _assignments(argv: tuple[Word, ...], i: int) -> tuple[tuple[Assignment, ...], int]:
    """``NAME=VALUE`` operands from ``i`` on (env, sudo): the Assignments and the next index."""
    assigns = []
    n = len(argv)
    while i < n and "=" in argv[i].text and _is_name(argv[i].text.partition("=")[0]):
        w = argv[i]
        name, _, val = w.text.partition("=")
        vraw = w.raw.partition("=")[2] if "=" in w.raw else val
        off = w.span[0] + len(w.raw) - len(vraw)
        assigns.append(Assignment(name, Word(val, vraw, (off, w.span[1]), w.dynamic), w.span))
        i += 1
    return tuple(assigns), i


_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _is_name(s: str) -> bool:
    return bool(_NAME_RE.match(s))


def _sh_quote(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def _find(cmd: Command, out: Unwrapped) -> None:
    argv = cmd.argv
    n = len(argv)
    i = 1
    while i < n:
        t = argv[i].text
        if t in ("-exec", "-execdir", "-ok", "-okdir"):
            j = i + 1
            while j < n and argv[j].text not in (";", "+"):
                j += 1
            if j > i + 1:
                inner = _inner(cmd, 0, f"find {t}", argv=argv[i + 1 : j], markers=_EXTRA)
                out.inner.append(inner)
            i = j + 1
            continue
        i += 1
