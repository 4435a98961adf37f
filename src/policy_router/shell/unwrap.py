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
# option parsing: each wrapper's options read as its getopt_long call reads them

#: how an option takes its value
_FLAG = 0  # none
_REQ = 1  # the rest of the word (``-uroot``, ``--user=root``) or else the next word
_OPT = 2  # only the rest of the word (``-l1``, ``--max-lines=1``), never the next word
_HOST = 3  # sudo's ``-h``: the rest of the word, or the next word unless it starts with ``-`` or is VAR=value


@dataclass(frozen=True, slots=True)
class _Opts:
    """A wrapper's option grammar, in getopt_long's terms.

    ``short``    letter -> how it takes a value (``_FLAG``, ``_REQ``, ``_OPT``, ``_HOST``);
    ``long``     long option name -> how it takes a value; ``_OPT`` only as ``--name=VALUE``;
                 any prefix of exactly one name is that option (``--u`` is ``--unset``);
    ``permute``  options may also follow operands (getopt without a leading ``+``: su, script);
    ``numeric``  ``-N``, ``--N`` and ``-+N`` are options too (nice's old adjustment syntax).

    The tables list every option of the wrapper, so a word that is none of them (or a
    prefix of several long options, or a value given to an option that takes none, or a
    missing value) marks the read as ``unknown``: the wrapper's command may start elsewhere.
    """

    short: dict[str, int]
    long: dict[str, int]
    permute: bool = False
    numeric: bool = False


def _getopt(optstring: str, longopts: str = "", *, host: str = "", numeric: bool = False) -> _Opts:
    """An :class:`_Opts` from a getopt optstring (``"+0a:e::"``: ``x`` a flag, ``x:`` a value,
    ``x::`` an attached value only, a leading ``+`` stops at the first operand) and long
    options written the same way, separated by blanks (``"null arg-file: eof::"``).
    ``host`` lists letters read like sudo's ``-h``."""
    short: dict[str, int] = {}
    s = optstring[1:] if optstring.startswith("+") else optstring
    i = 0
    while i < len(s):
        ch = s[i]
        j = i + 1
        while j < len(s) and s[j] == ":":
            j += 1
        short[ch] = _HOST if ch in host else min(j - i - 1, _OPT)
        i = j
    long = {tok.rstrip(":"): len(tok) - len(tok.rstrip(":")) for tok in longopts.split()}
    return _Opts(short, long, permute=not optstring.startswith("+"), numeric=numeric)


@dataclass(slots=True)
class _Got:
    """What :func:`_options` read. ``end`` is the index of the first operand (``len(argv)``
    when there is none), ``operands`` every operand's index (options may be between them when
    the grammar permutes), ``seen`` the options by name (``-u``, ``--unset``: the full long
    name, also when abbreviated) with their value words (None: no value), ``unknown`` whether
    some word was not an option of the grammar, ``dashdash`` whether ``--`` ended them."""

    end: int = 0
    operands: list[int] = field(default_factory=list)
    seen: dict[str, list[Word | None]] = field(default_factory=dict)
    unknown: bool = False
    dashdash: bool = False

    def has(self, *names: str) -> bool:
        return any(n in self.seen for n in names)

    def values(self, *names: str) -> list[Word | None]:
        return [v for n in names for v in self.seen.get(n, ())]

    def add(self, name: str, value: Word | None) -> None:
        self.seen.setdefault(name, []).append(value)


_NUMERIC = re.compile(r"-[-+]?[0-9]").match


def _options(argv: tuple[Word, ...], i: int, spec: _Opts, got: _Got | None = None) -> _Got:
    """Read the options of ``argv`` from ``i`` on as getopt_long does with ``spec``: up to
    ``--`` or (unless the grammar permutes) the first operand; ``-`` alone is an operand."""
    if got is None:
        got = _Got()
    got.operands = []
    got.dashdash = False
    n = len(argv)
    while i < n:
        t = argv[i].text
        if t == "--":
            got.dashdash = True
            i += 1
            break
        if len(t) < 2 or t[0] != "-":
            if not spec.permute:
                break
            got.operands.append(i)
            i += 1
            continue
        i = _option(argv, i, spec, got)
    got.operands.extend(range(i, n))
    got.end = got.operands[0] if got.operands else n
    return got


def _option(argv: tuple[Word, ...], i: int, spec: _Opts, got: _Got) -> int:
    """Read the one option word ``argv[i]`` (a long option, or a cluster of short ones) and
    the value it takes; returns the index of the next word."""
    w = argv[i]
    t = w.text
    n = len(argv)
    if spec.numeric and _NUMERIC(t) and t.lstrip("-+").isdigit():
        got.add("-N", _part(w, 1))
        return i + 1
    if t.startswith("--"):
        name, eq, _ = t[2:].partition("=")
        full = _long_name(spec.long, name)
        if full is None:
            got.unknown = True  # no such option, or a prefix of several
            return i + 1
        how = spec.long[full]
        key = "--" + full
        if eq:
            if how == _FLAG:
                got.unknown = True  # "option '--x' doesn't allow an argument"
            got.add(key, _part(w, len(name) + 3))
            return i + 1
        if how == _REQ:
            if i + 1 < n:
                got.add(key, argv[i + 1])
                return i + 2
            got.unknown = True
        got.add(key, None)
        return i + 1
    for j in range(1, len(t)):
        ch = t[j]
        how = spec.short.get(ch)
        if how is None:
            got.unknown = True  # "invalid option": where the command starts is unsure
            continue
        key = "-" + ch
        if how == _FLAG:
            got.add(key, None)
            continue
        if j + 1 < len(t):
            got.add(key, _part(w, j + 1))
            return i + 1
        if how == _OPT:
            got.add(key, None)
            return i + 1
        if i + 1 < n:
            nxt = argv[i + 1].text
            if how == _HOST and (nxt.startswith("-") or ("=" in nxt and not nxt.startswith("/"))):
                got.add(key, None)
                return i + 1
            got.add(key, argv[i + 1])
            return i + 2
        if how == _REQ:
            got.unknown = True  # "option requires an argument"
        got.add(key, None)
        return i + 1
    return i + 1


def _long_name(longs: dict[str, int], name: str) -> str | None:
    """The long option ``--name`` stands for: itself, or the only option it is a prefix of
    (getopt_long accepts any unambiguous abbreviation); None when it is none or several."""
    if name in longs:
        return name
    found = [k for k in longs if k.startswith(name)] if name else []
    return found[0] if len(found) == 1 else None


def _part(w: Word, start: int) -> Word:
    """The value attached to an option word (``-uroot``, ``--user=root``) as a Word: its text
    from ``start`` on; raw, span and dynamic are the whole word's."""
    return Word(w.text[start:], w.raw, w.span, w.dynamic)


def _fs(*names: str) -> frozenset[str]:
    return frozenset(names)


# The grammars, from the wrappers' sources (coreutils 9, util-linux 2.40, findutils 4.10,
# procps-ng 4, sudo 1.9, OpenDoas, GNU time 1.9, strace 6, ltrace 0.7, bash 5). A letter that
# only another implementation has is in too (BSD xargs -J -R -S, BSD env -P, old sudo -r -t):
# where a build lacks it, that build refuses the line and runs nothing.
_SUDO = _getopt(
    "+Aa:BbC:c:D:Eeg:Hh:iKklNnPp:R:r:SsT:t:U:u:Vv",
    "askpass auth-type: background bell close-from: login-class: chdir: preserve-env:: edit group:"
    " set-home help host: login remove-timestamp reset-timestamp list no-update non-interactive"
    " preserve-groups prompt: chroot: role: stdin shell command-timeout: type: other-user: user:"
    " validate version",
    host="h",
)
_DOAS = _getopt("+C:Lnsu:")
_ENV = _getopt(
    "+a:C:iP:S:u:v0 \t\n\v\f\r",
    "argv0: ignore-environment null unset: chdir: split-string: block-signal:: default-signal::"
    " ignore-signal:: list-signal-handling debug help version",
)
_TIME = _getopt("+af:o:pqvV", "append format: output: portability quiet verbose help version")
_TIMEOUT = _getopt("+fk:ps:v", "foreground kill-after: preserve-status signal: verbose help version")
_NICE = _getopt("+n:", "adjustment: help version", numeric=True)
_NOHUP = _getopt("+", "help version")
_IONICE = _getopt("+c:n:p:P:u:tVh", "class: classdata: pid: pgid: uid: ignore help version")
_STDBUF = _getopt("+i:o:e:", "input: output: error: help version")
_SETSID = _getopt("+cfwVh", "ctty fork wait help version")
# flock -c belongs after the file; before it, it is read the same way (what it would run is
# shown either way)
_FLOCK = _getopt(
    "+sexnoFuw:E:hV?c:",
    "shared exclusive unlock nonblocking nb timeout: wait: conflict-exit-code: close no-fork"
    " verbose fcntl start: length: help version command:",
)
_WATCH = _getopt(
    "+bCcefd::ghq:n:prs:twvx",
    "beep color no-color differences:: errexit follow chgexit interval: precise equexit: no-rerun"
    " shotsdir: no-title no-wrap exec help version",
)
_XARGS = _getopt(
    "+0a:E:e::i::I:J:l::L:n:oprR:s:S:txP:d:",
    "null arg-file: delimiter: eof:: replace:: max-lines:: max-args: max-procs: open-tty"
    " interactive no-run-if-empty max-chars: verbose show-limits exit process-slot-var: help version",
)
_SCRIPT = _getopt(
    "aB:c:eE:fI:O:o:qm:T:t::Vh",
    "append command: echo: return flush force quiet log-in: log-out: log-io: log-timing:"
    " logging-format: output-limit: timing:: help version",
)
_SU = _getopt(
    "c:fg:G:lmpPTs:u:hVw:",
    "command: session-command: fast login preserve-environment pty no-pty shell: group: supp-group:"
    " user: whitelist-environment: help version",
)
_CHROOT = _getopt("+", "groups: userspec: skip-chdir help version")
_UNSHARE = _getopt(
    "+fhVmuinpCTUrR:w:S:G:cl:",
    "help version mount:: uts:: ipc:: net:: pid:: user:: cgroup:: time:: fork kill-child:: mount-proc::"
    " mount-binfmt:: map-user: map-users: map-group: map-groups: map-root-user map-current-user"
    " map-auto map-subids propagation: setgroups: keep-caps setuid: setgid: root: wd: monotonic:"
    " boottime: load-interp:",
)
_NSENTER = _getopt(
    "+ahVt:m::u::i::n::N:p::C::U::T::S:G:r::w::W::ecFZ",
    "all help version target: mount:: uts:: ipc:: net:: net-socket: pid:: user:: cgroup:: time::"
    " setuid: setgid: root:: wd:: wdns:: env no-fork join-cgroup preserve-credentials keep-caps"
    " user-parent follow-context",
)
_STRACE = _getopt(
    "+a:Ab:cCdDe:E:fFhiI:kno:O:p:P:qrs:S:tTu:U:vVwxX:yYzZ",
    "columns: output-append-mode detach-on: summary-only summary debug daemonize:: daemonised::"
    " daemonized:: env: follow-forks output-separately help instruction-pointer interruptible:"
    " kill-on-exit stack-trace:: stack-traces:: stack-trace-frame-limit: syscall-limit:"
    " syscall-number output: summary-syscall-overhead: attach: trace-path: relative-timestamps::"
    " string-limit: summary-sort-by: absolute-timestamps:: timestamps:: syscall-times:: user:"
    " summary-columns: no-abbrev version summary-wall-clock strings-in-hex:: const-print-style:"
    " pidns-translation successful-only failed-only failing-only seccomp-bpf tips:: argv0: trace:"
    " trace-fds: abbrev: verbose: raw: signals: status: read: write: fault: inject: kvm: quiet::"
    " silent:: silence:: decode-fds:: decode-pids: secontext::",
)
_LTRACE = _getopt(
    "+a:A:bcCD:e:fF:hil:Ln:o:p:rs:Stu:Vw:x:X:",
    "align: demangle debug: config: help indent: library: no-signals output: version where:",
)
_EXEC = _getopt("+cla:")
_COMMAND = _getopt("+pVv")
_BUILTIN = _getopt("+")
_TASKSET = _getopt("+apchV", "all-tasks pid cpu-list help version")
_CHRT = _getopt(
    "+abdD:fiphmoP:T:rRvV",
    "all-tasks batch deadline fifo idle pid help max other rr sched-runtime: sched-period:"
    " sched-deadline: reset-on-fork verbose version",
)


@dataclass(frozen=True, slots=True)
class _Plain:
    """A wrapper of the shape ``NAME [options] [operands] COMMAND ...``.

    ``opts``      its options (None: it takes none, the next word is the command);
    ``operands``  words between the options and the command (``timeout DURATION``);
    ``int_operand`` the operand is one only when it is an integer (chrt's priority, which
                  newer chrt lets a policy without priorities leave out);
    ``no_exec``   options that mean it runs no command (``command -v``, ``taskset -p``);
    ``bare_shell`` with no command it starts a shell (``chroot DIR``): SHELL_STDIN.
    """

    opts: _Opts | None = None
    operands: int = 0
    no_exec: frozenset[str] = frozenset()
    bare_shell: bool = False
    int_operand: bool = False


_PID = _fs("-p", "--pid")
_PLAIN: dict[str, _Plain] = {
    "command": _Plain(_COMMAND, no_exec=_fs("-v", "-V")),
    "builtin": _Plain(_BUILTIN),
    "busybox": _Plain(),
    "coproc": _Plain(),
    "nohup": _Plain(_NOHUP),
    "setsid": _Plain(_SETSID),
    "exec": _Plain(_EXEC),
    "time": _Plain(_TIME),
    "timeout": _Plain(_TIMEOUT, operands=1),
    "nice": _Plain(_NICE),
    "ionice": _Plain(_IONICE, no_exec=_fs("-p", "-P", "-u", "--pid", "--pgid", "--uid")),
    "stdbuf": _Plain(_STDBUF),
    "taskset": _Plain(_TASKSET, operands=1, no_exec=_PID),
    "chrt": _Plain(_CHRT, operands=1, no_exec=_PID, int_operand=True),
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
    if name == "sudo":
        _sudo(cmd, out)
    elif name == "doas":
        got = _read(argv, 1, _DOAS, out)
        if got.has("-C", "-L"):
            return  # checks a rule / clears the persisted authentication: runs nothing
        if got.end >= n:
            if got.has("-s"):
                out.markers.add(Marker.SHELL_STDIN)
            return
        out.inner.append(_inner(cmd, got.end, "doas"))
    elif name == "env":
        _env(cmd, out)
    elif name in _PLAIN:
        spec = _PLAIN[name]
        i = 1
        if spec.opts is not None:
            got = _read(argv, 1, spec.opts, out)
            if not spec.no_exec.isdisjoint(got.seen):
                return
            i = got.end
            if name == "strace":
                for v in got.values("-o", "--output"):
                    if v is not None and v.text[:1] in ("|", "!"):  # output piped into a command
                        _shell_text(Word(v.text[1:], v.raw, v.span, v.dynamic), "strace -o", out)
        if spec.operands and not (spec.int_operand and i < n and not _is_int(argv[i])):
            i += spec.operands
        if i < n:
            out.inner.append(_inner(cmd, i, name))
        elif spec.bare_shell:
            out.markers.add(Marker.SHELL_STDIN)
    elif name == "flock":
        got = _read(argv, 1, _FLOCK, out)
        texts = got.values("-c", "--command")
        i = got.end + 1  # after the lock file / fd
        if not texts and i < n and argv[i].text in ("-c", "--command"):  # exactly these, no abbreviation
            texts = [argv[i + 1] if i + 1 < n else None]
        if texts:
            for w in texts:
                _shell_text(w, "flock -c", out)
        elif i < n:
            out.inner.append(_inner(cmd, i, "flock"))
    elif name == "watch":
        got = _read(argv, 1, _WATCH, out)
        i = got.end
        if i >= n:
            return
        if got.has("-x", "--exec"):
            out.inner.append(_inner(cmd, i, "watch"))
        else:
            rest = argv[i:]
            if not _static(rest):
                out.markers.add(Marker.EVAL_DYNAMIC)
            out.nested.append(Nested(_join(rest), _carrier(rest), Ctx.NESTED_SHELL, "watch"))
            out.markers.add(Marker.NESTED_SHELL)
    elif name == "xargs":
        _xargs(cmd, out)
    elif name == "find":
        _find(cmd, out)
    elif name in ("script", "su"):
        _script_su(cmd, name, out)


def _read(argv: tuple[Word, ...], i: int, spec: _Opts, out: Unwrapped) -> _Got:
    """:func:`_options`; a word the grammar does not know (``unknown``) marks the wrapper
    EVAL_DYNAMIC: the real program may read it differently (another version, an option that
    takes a value), so what runs is not certain. The command is still read as if the word
    were a flag."""
    got = _options(argv, i, spec)
    if got.unknown:
        out.markers.add(Marker.EVAL_DYNAMIC)
    return got


_INT = re.compile(r"[+-]?[0-9]+").fullmatch


def _is_int(w: Word) -> bool:
    return not w.dynamic and _INT(w.text.strip()) is not None


def _shell_text(w: Word | None, via: str, out: Unwrapped) -> None:
    """``w`` is shell code the wrapper hands to ``sh -c`` (``flock -c``, ``su -c`` ...);
    None: its value is missing."""
    if w is None or w.dynamic:
        out.markers.add(Marker.EVAL_DYNAMIC)
    if w is None:
        return
    out.nested.append(Nested(w.text, w, Ctx.NESTED_SHELL, via))
    out.markers.add(Marker.NESTED_SHELL)


_SUDO_NO_EXEC = _fs("-e", "--edit", "-l", "--list", "-v", "--validate", "-V", "--version", "-K", "--remove-timestamp", "--help")


def _sudo(cmd: Command, out: Unwrapped) -> None:
    """``sudo [options] [VAR=value ...] command``: sudo reads options again after each
    VAR=value (a word with ``=`` that does not start with ``/``), unless ``--`` ended them."""
    argv = cmd.argv
    n = len(argv)
    got = _Got()
    assigns: list[Assignment] = []
    i = 1
    while True:
        _options(argv, i, _SUDO, got)
        i = got.end
        if got.dashdash or i >= n:
            break
        w = argv[i]
        if "=" not in w.text or w.text.startswith("/"):
            break
        if _is_name(w.text.partition("=")[0]):
            assigns.append(_assignment(w))
        i += 1
    if got.unknown:
        out.markers.add(Marker.EVAL_DYNAMIC)
    if not _SUDO_NO_EXEC.isdisjoint(got.seen) or None in got.values("-h"):
        return  # edit, list, validate, version, help (-h without a host): runs no command
    if i >= n:
        if got.has("-s", "--shell", "-i", "--login"):
            out.markers.add(Marker.SHELL_STDIN)
        return
    out.inner.append(_inner(cmd, i, "sudo", tuple(assigns)))


def _xargs(cmd: Command, out: Unwrapped) -> None:
    """``xargs [options] [command [initial-arguments]]`` (``echo`` when no command). With a
    replace string (``-I R``, ``-i[R]``, ``--replace[=R]``, BSD ``-J R``) xargs substitutes
    each input line for it in every initial argument, the command name included: a name
    holding it is data (DYNAMIC_NAME)."""
    argv = cmd.argv
    n = len(argv)
    got = _read(argv, 1, _XARGS, out)
    i = got.end
    if i >= n:
        w = argv[0]
        out.inner.append(_inner(cmd, n, "xargs", argv=(Word("echo", "echo", w.span, False),), markers=_EXTRA))
        return
    marks = _EXTRA
    reps = ["{}" if v is None else v.text for v in got.values("-I", "-i", "--replace", "-J")]
    if any(r in argv[i].text for r in reps):
        marks = _EXTRA | {Marker.DYNAMIC_NAME}
    out.inner.append(_inner(cmd, i, "xargs", markers=marks))


def _script_su(cmd: Command, name: str, out: Unwrapped) -> None:
    """``script [options] [file]`` and ``su [options] [-] [user [argument...]]`` (options may
    follow operands): ``-c``/``--command`` (su also ``--session-command``) is shell code.
    su hands the arguments after the user to the user's shell, so ``su root -- -c CMD`` runs
    CMD as well. su without code starts a shell on stdin."""
    argv = cmd.argv
    got = _read(argv, 1, _SU if name == "su" else _SCRIPT, out)
    texts = got.values(*(("-c", "--command", "--session-command") if name == "su" else ("-c", "--command")))
    if name == "su":
        ops = [argv[k] for k in got.operands]
        if ops and ops[0].text == "-":
            ops = ops[1:]
        for j, w in enumerate(ops[1:], 1):
            t = w.text
            if not t.startswith("-") or t.startswith("--"):
                break
            if "c" in t[1:]:
                texts.append(ops[j + 1] if j + 1 < len(ops) else None)
                break
    if not texts:
        if name == "su":
            out.markers.add(Marker.SHELL_STDIN)
        return
    for w in texts:
        _shell_text(w, f"{name} -c", out)


def _env(cmd: Command, out: Unwrapped) -> None:
    """``env [options] [-] [NAME=VALUE ...] [command]``. ``-S STRING``/``--split-string``
    (any abbreviation, also clustered: ``-iS STRING``) splits STRING into words that replace
    it: STRING plus the remaining words is parsed as a command line (via ``env -S``)."""
    argv = cmd.argv
    n = len(argv)
    got = _Got()
    i = 1
    while i < n:
        t = argv[i].text
        if t == "--":
            i += 1
            break
        if len(t) < 2 or t[0] != "-":
            break
        nxt = _option(argv, i, _ENV, got)
        split = got.values("-S", "--split-string")
        if split:
            if got.unknown:
                out.markers.add(Marker.EVAL_DYNAMIC)
            w = split[0]
            if w is None:
                return
            rest = argv[nxt:]
            if w.dynamic or not _static(rest):
                out.markers.add(Marker.EVAL_DYNAMIC)
            text = " ".join([w.text] + [_sh_quote(r.text) for r in rest])
            if w.text.lstrip(" \t\n\v\f\r").startswith("-"):
                # env reads options again from the split words (env -S'-u echo' rm ...): so
                # does the nested text
                text = "env " + text
            out.nested.append(Nested(text, w, Ctx.WRAPPED, "env -S"))
            out.markers.add(Marker.WRAPPER)
            return
        i = nxt
    if got.unknown:
        out.markers.add(Marker.EVAL_DYNAMIC)
    if i < n and argv[i].text == "-":  # a lone "-" is -i
        i += 1
    assigns, i = _assignments(argv, i)
    if i < n:
        out.inner.append(_inner(cmd, i, "env", assigns))


def _assignment(w: Word) -> Assignment:
    name, _, val = w.text.partition("=")
    vraw = w.raw.partition("=")[2] if "=" in w.raw else val
    off = w.span[0] + len(w.raw) - len(vraw)
    return Assignment(name, Word(val, vraw, (off, w.span[1]), w.dynamic), w.span)


def _assignments(argv: tuple[Word, ...], i: int) -> tuple[tuple[Assignment, ...], int]:
    """``NAME=VALUE`` operands from ``i`` on (env): the Assignments and the next index."""
    assigns = []
    n = len(argv)
    while i < n and "=" in argv[i].text and _is_name(argv[i].text.partition("=")[0]):
        assigns.append(_assignment(argv[i]))
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
