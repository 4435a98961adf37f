"""The dynamic oracle: run command lines under a real bash and compare with the engine.

For each line the oracle

1. runs ``bash -c LINE`` inside a throwaway bubblewrap namespace (:class:`Sandbox`): no
   network (``--unshare-all``), a tmpfs root, read-only binds only of the libraries bash
   needs, bash itself at a private path, and every bin directory (``/usr/bin``, ``/bin``,
   ``/usr/sbin``, ``/usr/local/bin`` ...) replaced by a directory of logging shims
   (``shim.c``, compiled with gcc on first use). ``PATH`` contains only that directory.
   bash's ``command_not_found_handle`` logs names that have no shim, and a few simple
   builtins (``echo``, ``printf``, ``test``, ``[``, ``pwd``, ``kill``) are disabled so
   that they run as (logged) programs too. Shells exec the real bash, and wrapper shims
   (``env``, ``sudo``, ``timeout``, ``xargs``, ``find -exec`` ...) exec their inner command,
   so nested shells and wrapper unwrapping are checked as well;
2. reads the log: every program bash (or a wrapper) actually invoked (:class:`Invocation`);
3. asks the engine (:func:`engine_view`) which programs it found in the line, and whether
   the line is fail-closed (unparseable, or a dynamic marker on the line or any command,
   so it is never ``local``);
4. judges (:func:`judge`): an invoked program whose basename is not among the engine's
   programs is *covered by fail-closed* if the line is fail-closed, else a *miss*.
   :func:`shrink` reduces a missing line to a minimal reproducer.

Limits (documented in docs/testing.md): shims exit 0 (so ``false || x`` does not run x;
every condition is true), ``echo``/``printf`` print naively, data-producing tools print
nothing (``base64 -d | sh`` runs nothing), interpreters (``python -c``) do not run their code,
and a path outside the bin directories (``./rm``) is not found and not logged.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .grammar import KNOWN_NAMES

__all__ = [
    "OracleUnavailable",
    "Invocation",
    "RunResult",
    "StaticView",
    "LineVerdict",
    "Sandbox",
    "engine_view",
    "judge",
    "shrink",
    "shim_names",
    "bwrap_available",
]

HERE = Path(__file__).resolve().parent
SHIM_SRC = HERE / "shim.c"
#: Bin directories that the shim directory replaces inside the namespace.
BIN_DIRS: tuple[str, ...] = ("/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin")
#: Builtins disabled in the oracle's bash so that they are executed (and logged) as programs.
DISABLED_BUILTINS: tuple[str, ...] = ("echo", "printf", "test", "[", "pwd", "kill")
_FS, _RS = "\x1f", "\x1e"


class OracleUnavailable(RuntimeError):
    """bubblewrap, gcc or bash is missing (the test fails under CI=true, skips otherwise)."""


@dataclass(frozen=True, slots=True)
class Invocation:
    """One program bash (or a wrapper shim) executed. ``found`` is False for a name bash
    looked up but found no program for (logged by command_not_found_handle)."""

    name: str
    argv: tuple[str, ...]
    found: bool = True


@dataclass(frozen=True, slots=True)
class RunResult:
    """What happened when one line ran under the oracle."""

    line: str
    invocations: tuple[Invocation, ...]
    returncode: int
    timed_out: bool

    @property
    def invoked(self) -> frozenset[str]:
        """Basenames of every program invoked."""
        return frozenset(i.name for i in self.invocations)


@dataclass(frozen=True, slots=True)
class StaticView:
    """What the engine says about a line: the basenames of the programs it found, whether
    the line is fail-closed (never ``local``), and the decision if a router was given."""

    seen: frozenset[str]
    fail_closed: bool
    decision: str | None = None


@dataclass(frozen=True, slots=True)
class LineVerdict:
    """The oracle's judgement of one line."""

    line: str
    invoked: frozenset[str]
    seen: frozenset[str]
    covered_by_fail_closed: frozenset[str]
    missed: frozenset[str]
    decision: str | None
    timed_out: bool

    @property
    def ok(self) -> bool:
        return not self.missed


def bwrap_available() -> str | None:
    """The reason the oracle cannot run here, or None when it can."""
    for tool in ("bwrap", "gcc", "bash"):
        if shutil.which(tool) is None:
            return f"{tool} not found (apt-get install -y bubblewrap gcc libc6-dev bash)"
    return None


def shim_names(extra: Iterable[str] = ()) -> frozenset[str]:
    """Names to create shims for: the grammar's names, the given extra names (policy lists,
    corpus programs) and every program in the host's bin directories."""
    names = set(KNOWN_NAMES) | set(extra)
    for d in ("/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/bin", "/sbin"):
        try:
            names.update(os.listdir(d))
        except OSError:
            pass
    return frozenset(n for n in names if n and "/" not in n and n not in (".", "..") and not n.startswith(".shim"))


class Sandbox:
    """A reusable oracle environment (shim dir, BASH_ENV file, compiled shim) under a
    private temp dir. Use as a context manager; :meth:`run` is thread-safe."""

    def __init__(self, *, names: Iterable[str] = (), timeout: float = 2.0, root: Path | None = None):
        why = bwrap_available()
        if why:
            raise OracleUnavailable(why)
        self.timeout = timeout
        self._own_root = root is None
        self.root = Path(tempfile.mkdtemp(prefix="pr-oracle-")) if root is None else root
        self.shims = self.root / "shims"
        self.shims.mkdir(parents=True, exist_ok=True)
        self.private = self.root / "private"
        self.private.mkdir(exist_ok=True)
        self.logs = self.root / "logs"
        self.logs.mkdir(exist_ok=True)
        self._counter = 0
        self._lock = threading.Lock()
        self._build(shim_names(names))
        self._bash = os.path.realpath(shutil.which("bash") or "/bin/bash")

    # ---- setup
    def _build(self, names: frozenset[str]) -> None:
        binary = self.shims / ".shim"
        res = subprocess.run(
            ["gcc", "-static", "-O2", "-o", str(binary), str(SHIM_SRC)], capture_output=True, text=True
        )
        if res.returncode != 0:  # no static libc: fall back to a dynamic binary
            res = subprocess.run(["gcc", "-O2", "-o", str(binary), str(SHIM_SRC)], capture_output=True, text=True)
        if res.returncode != 0:
            raise OracleUnavailable(f"cannot compile the shim: {res.stderr.strip()[:500]}")
        for n in names:
            link = self.shims / n
            if not link.exists():
                os.symlink(".shim", link)
        nf = self.private / "__notfound__"
        if not nf.exists():
            os.symlink("/usr/bin/.shim", nf)
        env = self.private / "env.sh"
        env.write_text(
            "command_not_found_handle() { /.oracle/private/__notfound__ \"$@\"; return 127; }\n"
            f"enable -n {' '.join(DISABLED_BUILTINS)} 2>/dev/null\n"
        )

    def close(self) -> None:
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- running
    def _argv(self, logdir: Path, line: str) -> list[str]:
        a = [
            "bwrap", "--unshare-all", "--die-with-parent", "--new-session",
            "--tmpfs", "/",
            "--ro-bind", "/usr/lib", "/usr/lib",
            "--symlink", "usr/lib", "/lib",
        ]
        if os.path.isdir("/usr/lib64"):
            a += ["--ro-bind", "/usr/lib64", "/usr/lib64", "--symlink", "usr/lib64", "/lib64"]
        for d in BIN_DIRS:
            a += ["--ro-bind", str(self.shims), d]
        a += [
            "--symlink", "usr/bin", "/bin",
            "--symlink", "usr/sbin", "/sbin",
            "--ro-bind", self._bash, "/.oracle/bash",
            "--ro-bind", str(self.private), "/.oracle/private",
            "--bind", str(logdir), "/.oracle/log",
            "--proc", "/proc", "--dev", "/dev",
            "--tmpfs", "/tmp", "--tmpfs", "/home/user", "--dir", "/home/user/work",
            "--tmpfs", "/etc",
            "--chdir", "/home/user/work",
            "--clearenv",
            "--setenv", "PATH", "/usr/bin",
            "--setenv", "HOME", "/home/user",
            "--setenv", "USER", "user",
            "--setenv", "BASH_ENV", "/.oracle/private/env.sh",
            "--", "/.oracle/bash", "--norc", "--noprofile", "-c", line,
        ]
        return a

    def run(self, line: str) -> RunResult:
        """Run one line; never raises for anything the line does."""
        with self._lock:
            self._counter += 1
            n = self._counter
        logdir = self.logs / str(n)
        logdir.mkdir()
        timed_out = False
        try:
            proc = subprocess.Popen(
                self._argv(logdir, line),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                rc = proc.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                os.killpg(proc.pid, 9)
                rc = proc.wait()
            invs = _read_log(logdir / "calls")
        finally:
            shutil.rmtree(logdir, ignore_errors=True)
        return RunResult(line=line, invocations=invs, returncode=rc, timed_out=timed_out)

    def run_many(self, lines: Sequence[str], workers: int | None = None) -> list[RunResult]:
        """Run many lines concurrently (results in input order)."""
        workers = workers or max(2, (os.cpu_count() or 2) * 2)
        with ThreadPoolExecutor(max_workers=workers) as ex:
            return list(ex.map(self.run, lines))


def _read_log(path: Path) -> tuple[Invocation, ...]:
    try:
        data = path.read_bytes()
    except OSError:
        return ()
    out = []
    for rec in data.decode("utf-8", "surrogateescape").split(_RS):
        if not rec:
            continue
        fields = rec.split(_FS)
        found = True
        if fields[0] == "?":
            found = False
            fields = fields[1:]
        if not fields:
            continue
        out.append(Invocation(name=os.path.basename(fields[0]), argv=tuple(fields), found=found))
    return tuple(out)


def engine_view(line: str, decide: Callable[[str], str] | None = None) -> StaticView:
    """Ask the engine about ``line``: the basenames of every program it found (``program``
    and ``argv[0]`` of each command), and whether the line is fail-closed: not parsed, a
    dynamic marker on the line, or a dynamic marker on any command (each of which keeps
    the whole line off ``local``). ``decide`` (e.g. ``lambda s: router.decide(s).decision
    .value``) adds the decision."""
    from policy_router.shell import parse
    from policy_router.shell.model import DYNAMIC_MARKERS

    parsed = parse(line)
    seen: set[str] = set()
    dynamic = False
    for c in parsed.commands:
        if c.program:
            seen.add(os.path.basename(c.program))
        if c.argv:
            seen.add(os.path.basename(c.argv[0].text))
        dynamic = dynamic or not c.markers.isdisjoint(DYNAMIC_MARKERS)
    fail_closed = (not parsed.parsed) or (not parsed.markers.isdisjoint(DYNAMIC_MARKERS)) or dynamic
    return StaticView(seen=frozenset(seen), fail_closed=fail_closed, decision=decide(line) if decide else None)


def judge(result: RunResult, view: StaticView) -> LineVerdict:
    """Compare what ran with what the engine saw."""
    unseen = result.invoked - view.seen
    covered = unseen if view.fail_closed else frozenset()
    missed = frozenset() if view.fail_closed else unseen
    return LineVerdict(
        line=result.line,
        invoked=result.invoked,
        seen=view.seen,
        covered_by_fail_closed=covered,
        missed=missed,
        decision=view.decision,
        timed_out=result.timed_out,
    )


def _tokens(line: str) -> list[str]:
    """Split into tokens, each keeping its trailing whitespace, so that joining restores."""
    import re

    return re.findall(r"\S+\s*|\s+", line)


def shrink(
    line: str,
    still_fails: Callable[[str], bool],
    *,
    max_steps: int = 400,
) -> str:
    """Greedy delta-debugging: delete chunks of tokens, then single tokens, then single
    characters, keeping each deletion while ``still_fails`` holds. Returns the smallest
    line found (``line`` itself if nothing could be removed)."""
    steps = 0
    cur = line
    # token passes, largest chunks first
    toks = _tokens(cur)
    size = max(1, len(toks) // 2)
    while size >= 1 and steps < max_steps:
        i = 0
        changed = False
        while i < len(toks) and steps < max_steps:
            cand = toks[:i] + toks[i + size :]
            text = "".join(cand).strip()
            steps += 1
            if text and text != cur and still_fails(text):
                toks, cur, changed = _tokens(text), text, True
            else:
                i += size
        if not changed:
            size //= 2
    # character pass for short lines
    if len(cur) <= 120:
        i = 0
        while i < len(cur) and steps < max_steps:
            cand = (cur[:i] + cur[i + 1 :]).strip()
            steps += 1
            if cand and still_fails(cand):
                cur = cand
            else:
                i += 1
    return cur


@dataclass(slots=True)
class Tally:
    """Running totals over many verdicts, for the suite and the benchmark."""

    lines: int = 0
    timed_out: int = 0
    programs_invoked: int = 0
    seen: int = 0
    covered_by_fail_closed: int = 0
    missed: int = 0
    missing_lines: list[LineVerdict] = field(default_factory=list)

    def add(self, v: LineVerdict) -> None:
        self.lines += 1
        self.timed_out += v.timed_out
        self.programs_invoked += len(v.invoked)
        self.seen += len(v.invoked & v.seen)
        self.covered_by_fail_closed += len(v.covered_by_fail_closed)
        self.missed += len(v.missed)
        if v.missed:
            self.missing_lines.append(v)

    @property
    def coverage(self) -> float:
        """Share of invoked programs that were seen or covered by fail-closed."""
        if not self.programs_invoked:
            return 1.0
        return (self.seen + self.covered_by_fail_closed) / self.programs_invoked

    def summary(self) -> str:
        return (
            f"lines={self.lines} timed_out={self.timed_out} programs_invoked={self.programs_invoked} "
            f"seen={self.seen} covered_by_fail_closed={self.covered_by_fail_closed} missed={self.missed} "
            f"coverage={self.coverage:.4%}"
        )
