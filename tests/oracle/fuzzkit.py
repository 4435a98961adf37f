"""Shared pieces of the fuzz tests: hypothesis strategies built on :mod:`grammar`, the
compositions, the decision adapter, and the property checks (also used to replay
``tests/properties/regressions.yaml``).

Each ``check_*`` function returns None when the property holds and a one-line message
when it does not, so the fuzz tests and the regression replay share one definition.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from typing import Callable

from hypothesis import strategies as st

from .grammar import PAYLOADS, DrawChooser, Grammar, redundant_quote, sh_quote

__all__ = [
    "decide",
    "bash_accepts",
    "lines",
    "parts",
    "simple_commands",
    "payloads",
    "shellish_text",
    "any_text",
    "COMPOSITIONS",
    "WRAPPINGS",
    "quoted_variant",
    "check_no_exception",
    "check_no_exception_isolated",
    "check_no_exception_fresh",
    "check_monotone",
    "check_quoting",
    "check_payload",
    "CHECKS",
]


# --------------------------------------------------------------------------- decisions

#: The working directory every fuzz decision is made in (fixed, so results reproduce).
FUZZ_CWD = "/home/user/project"


@functools.lru_cache(maxsize=1)
def _decider() -> Callable[[str], object]:
    """``cmd -> Decision`` with the shipped default policy: the Router when it exists,
    else parse + Engine.evaluate."""
    try:
        from policy_router.config import Settings
        from policy_router.policy import load_policy
        from policy_router.router import Router

        router = Router(load_policy(), settings=Settings(cache_size=20_000))
        return lambda cmd: router.decide(cmd, cwd=FUZZ_CWD).decision
    except ImportError:
        from policy_router.engine import Engine
        from policy_router.policy import load_policy
        from policy_router.shell import parse

        engine = Engine(load_policy())
        return lambda cmd: engine.evaluate(parse(cmd), cwd=FUZZ_CWD).decision


def decide(cmd: str):
    """The default policy's decision (a ``Decision``) for ``cmd``."""
    return _decider()(cmd)


@functools.lru_cache(maxsize=4096)
def bash_accepts(cmd: str) -> bool:
    """True when ``bash -n`` accepts ``cmd`` (True too when bash is missing)."""
    if shutil.which("bash") is None:
        return True
    try:
        r = subprocess.run(["bash", "-n", "-c", cmd], capture_output=True, timeout=5)
    except subprocess.TimeoutExpired:
        return False
    return r.returncode == 0


# --------------------------------------------------------------------------- strategies


@st.composite
def lines(draw) -> str:
    """A whole generated command line (may end with a heredoc)."""
    return Grammar(DrawChooser(draw)).line()


@st.composite
def parts(draw) -> str:
    """A list without heredocs, usable inside any composition."""
    return Grammar(DrawChooser(draw), max_depth=2).list_(1)


@st.composite
def simple_commands(draw) -> str:
    """A simple command (usable where a command name must come first, e.g. ``B $(A)``)."""
    return Grammar(DrawChooser(draw)).simple(1)


payloads = st.sampled_from([p for p, _ in PAYLOADS])

#: Text rich in shell metacharacters, to stress both parsers' error paths.
shellish_text = st.text(alphabet="$(){}[]`'\"\\|&;<>!*?~#=%^ \n\tabcrm-0123456789xE/.", max_size=200)
#: Arbitrary unicode without surrogates, NUL included.
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)


#: (name, template, indices of the parts whose decision the whole must not be below).
COMPOSITIONS: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("seq", "{0}; {1}", (0, 1)),
    ("and", "{0} && {1}", (0, 1)),
    ("or", "{0} || {1}", (0, 1)),
    ("pipe", "{0} | {1}", (0, 1)),
    ("newline", "{0}\n{1}", (0, 1)),
    ("background", "{0} & {1}", (0, 1)),
    ("subshell", "( {0} )", (0,)),
    ("group", "{{ {0}; }}", (0,)),
    ("if", "if {0}; then {1}; fi", (0, 1)),
    ("if-else", "if true; then {0}; else {1}; fi", (0, 1)),
    ("while", "while {0}; do {1}; done", (0, 1)),
    ("for", "for i in a b; do {0}; done", (0,)),
    ("case", "case x in x) {0};; *) {1};; esac", (0, 1)),
    ("function", "f() {{ {0}; }}; f", (0,)),
    ("negated", "! {0}", (0,)),
    ("process-subst", "cat <({0})", (0,)),
    ("process-subst-out", "tee >({0})", (0,)),
)

#: Wrappings of one payload (``{0}``) that must keep a dangerous payload not-local.
WRAPPINGS: tuple[str, ...] = tuple(t for _, t, _ in COMPOSITIONS) + (
    "echo $({0})",
    "echo \"$({0})\"",
    "x=$({0})",
    "bash -c {q}",
    "sh -c {q}",
    "eval {q}",
    "bash <<< {q}",
    "sudo bash -c {q}",
    "env bash -c {q}",
    "timeout 5 bash -c {q}",
)


def fill(template: str, a: str, b: str = "true") -> str:
    """Put parts into a template; ``{q}`` is the first part single-quoted."""
    return template.replace("{q}", sh_quote(a)).replace("{0}", "\0A").replace("{1}", "\0B").replace(
        "{{", "{"
    ).replace("}}", "}").replace("\0A", a).replace("\0B", b)


_PLAIN = re.compile(r"^[A-Za-z0-9_./:,+@%-]+$")


def quoted_variant(cmd_words: list[str], draw) -> tuple[str, str]:
    """(original, requoted): the command joined plainly, and the same command with
    redundant quoting added to some of its plain words."""
    chooser = DrawChooser(draw)
    out = []
    for w in cmd_words:
        if _PLAIN.match(w) and chooser.chance(50):
            out.append(redundant_quote(w, chooser))
        else:
            out.append(w)
    return " ".join(cmd_words), " ".join(out)


# --------------------------------------------------------------------------- checks


def check_no_exception(cmd: str) -> str | None:
    """parse() and decide() raise nothing but policy_router errors."""
    from policy_router.errors import PolicyRouterError
    from policy_router.shell import parse

    for f in (parse, decide):
        try:
            f(cmd)
        except PolicyRouterError:
            pass
        except BaseException as e:  # noqa: BLE001 - the property is about every exception
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            return f"{f.__name__}({cmd!r}) raised {type(e).__name__}: {e}"
    return None


def check_no_exception_isolated(cmd: str) -> str | None:
    """:func:`check_no_exception` in a forked child, so that a crash of a native parser
    (a segfault in tree-sitter) is reported as a failure instead of killing the run."""
    import os
    import signal

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(r)
            msg = check_no_exception(cmd)
            os.write(w, (msg or "").encode("utf-8", "replace"))
            os._exit(1 if msg else 0)
        except BaseException:  # noqa: BLE001
            os._exit(2)
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return f"parse/decide({cmd!r}) killed the process with {signal.Signals(sig).name}"
    if os.WEXITSTATUS(status) == 0:
        return None
    return b"".join(chunks).decode("utf-8", "replace") or f"check of {cmd!r} failed in the child"


_CHILD = (
    "import json, sys; sys.path.insert(0, sys.argv[1]); "
    "from oracle.fuzzkit import check_no_exception; "
    "m = check_no_exception(json.load(sys.stdin)); print(m or ''); sys.exit(1 if m else 0)"
)


def check_no_exception_fresh(cmd: str, runs: int = 6) -> str | None:
    """:func:`check_no_exception` in ``runs`` fresh interpreters (each with its own address
    layout: the tree-sitter crash depends on it, so a fork is not enough to replay it)."""
    import json
    import signal
    import sys
    from pathlib import Path

    tests_dir = str(Path(__file__).resolve().parents[1])
    for _ in range(runs):
        r = subprocess.run(
            [sys.executable, "-c", _CHILD, tests_dir], input=json.dumps(cmd), capture_output=True, text=True, timeout=120
        )
        if r.returncode < 0:
            return f"parse/decide({cmd!r}) killed the process with {signal.Signals(-r.returncode).name}"
        if r.returncode != 0:
            return r.stdout.strip() or r.stderr.strip()[-500:]
    return None


def check_monotone(whole: str, parts_: list[str]) -> str | None:
    """decision(whole) >= decision(p) for each part p."""
    dw = decide(whole)
    for p in parts_:
        dp = decide(p)
        if dw < dp:
            return f"decision({whole!r}) = {dw} < decision({p!r}) = {dp}"
    return None


def check_quoting(original: str, requoted: str) -> str | None:
    """Redundant quoting never lowers the decision."""
    do, dr = decide(original), decide(requoted)
    if dr < do:
        return f"decision({requoted!r}) = {dr} < decision({original!r}) = {do}"
    return None


def check_payload(whole: str, payload: str) -> str | None:
    """A payload that is not local on its own is not local inside ``whole``."""
    from policy_router.decision import Decision

    dp = decide(payload)
    if dp is Decision.LOCAL:
        return f"payload {payload!r} is local on its own"
    dw = decide(whole)
    if dw is Decision.LOCAL:
        return f"decision({whole!r}) = local although payload {payload!r} alone = {dp}"
    return None


#: property name (as in regressions.yaml) -> function(case dict) -> message or None
CHECKS: dict[str, Callable[[dict], str | None]] = {
    "no-exception": lambda c: check_no_exception_fresh(c["cmd"]),
    "monotone": lambda c: check_monotone(c["cmd"], list(c["parts"])),
    "quoting": lambda c: check_quoting(c["original"], c["cmd"]),
    "payload-stays-dangerous": lambda c: check_payload(c["cmd"], c["payload"]),
}
