"""The built-in match keys, the match compiler and the per-command match context.

Every match key — built-in or from a plugin — is a :class:`~policy_router.hookspecs.MatcherSpec`
registered through ``policy_router_register_matchers``; this module is itself a plugin that
registers the built-in keys (``program``, ``subcommand``, ``flags``, ``args``, ``paths``,
``redirects``, ``assignments``, ``markers``, ``context``, ``pipe_from``, ``pipe_to``, ``line``,
``any_of``, ``not``).

Compilation happens once per rule (:func:`compile_match`); the resulting predicate is called
as ``predicate(command, ctx)`` where ``ctx`` is the command's :class:`MatchContext`. Contexts
belong to one evaluation (they cache flags, positional words and resolved paths), so sharing
an engine between threads is safe.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Sequence

from . import hookimpl
from .errors import PolicyRouterError
from .hookspecs import MatcherRegistry, Predicate
from .shell.model import Command, Ctx, Marker, ParsedLine, RedirectMode

__all__ = [
    "GLOBAL_VALUE_OPTIONS",
    "HARMLESS_DEVICES",
    "CompileContext",
    "LineState",
    "MatchContext",
    "PathInfo",
    "compile_match",
    "literal_prefilter",
    "long_options",
    "abbreviations",
    "norm_path",
    "GateAtom",
    "match_gate",
    "gate_test",
    "string_matcher",
    "normalize_flags",
    "positional_words",
    "is_exact_name",
    "program_filter",
    "program_verdict",
    "program_patterns",
    "command_features",
    "required_features",
    "program_features",
    "policy_router_register_matchers",
]

# --------------------------------------------------------------------------------------------
# Global options that take a separate value, per program (for ``subcommand``).
# --------------------------------------------------------------------------------------------

_DOCKER = frozenset(
    {
        "--config", "-c", "--context", "-H", "--host", "-l", "--log-level",
        "--tlscacert", "--tlscert", "--tlskey",
        # `docker compose` options, so `docker compose -f x.yml down` is "compose down"
        "-f", "--file", "-p", "--project-name", "--profile", "--env-file",
        "--project-directory", "--ansi", "--progress", "--parallel",
    }
)  # fmt: skip
_KUBECTL = frozenset(
    {
        "-n", "--namespace", "--context", "--cluster", "--user", "-s", "--server",
        "--kubeconfig", "--token", "--as", "--as-group", "--as-uid",
        "--certificate-authority", "--client-certificate", "--client-key",
        "--request-timeout", "--cache-dir", "-v", "--v", "--tls-server-name",
        "--profile", "--profile-output", "--log-file", "-o", "--output", "-l",
        "--selector", "-f", "--filename", "-c", "--container",
    }
)  # fmt: skip
_APT = frozenset(
    {"-o", "--option", "-c", "--config-file", "-t", "--target-release",
     "--default-release", "-a", "--host-architecture"}
)  # fmt: skip
_PIP = frozenset(
    {"--python", "--log", "--cache-dir", "--proxy", "--retries", "--timeout",
     "--exists-action", "--trusted-host", "--cert", "--client-cert", "--src"}
)  # fmt: skip

#: Global options known to take a separate value, per program. Used to skip global options
#: before matching ``subcommand`` (``git -C DIR commit`` is subcommand ``commit``).
GLOBAL_VALUE_OPTIONS: Mapping[str, frozenset[str]] = {
    "git": frozenset(
        {"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--super-prefix", "--config-env"}
    ),
    "docker": _DOCKER,
    "podman": _DOCKER
    | frozenset({"--connection", "--url", "--identity", "--root", "--runroot",
                 "--storage-driver", "--storage-opt", "--cgroup-manager", "--runtime",
                 "--tmpdir", "--module"}),  # fmt: skip
    "nerdctl": _DOCKER | frozenset({"--namespace", "-n", "--address", "-a", "--snapshotter"}),
    "docker-compose": _DOCKER,
    "podman-compose": _DOCKER,
    "kubectl": _KUBECTL,
    "oc": _KUBECTL,
    "helm": frozenset(
        {"-n", "--namespace", "--kube-context", "--kubeconfig", "--kube-apiserver",
         "--kube-as-user", "--kube-as-group", "--kube-ca-file", "--kube-token",
         "--registry-config", "--repository-config", "--repository-cache", "--burst-limit"}
    ),  # fmt: skip
    "npm": frozenset(
        {"--prefix", "-w", "--workspace", "--registry", "--userconfig", "--globalconfig",
         "--cache", "--loglevel"}
    ),  # fmt: skip
    "npx": frozenset({"-p", "--package", "-c", "--call", "--prefix", "-w", "--workspace"}),
    "pnpm": frozenset(
        {"-C", "--dir", "-F", "--filter", "--workspace-dir", "--loglevel", "--reporter"}
    ),
    "yarn": frozenset(
        {"--cwd", "--modules-folder", "--cache-folder", "--global-folder", "--mutex",
         "--network-timeout", "--registry", "--use-yarnrc"}
    ),  # fmt: skip
    "bun": frozenset({"--cwd", "-c", "--config"}),
    "cargo": frozenset(
        {"-C", "--config", "-Z", "--color", "--manifest-path", "--target-dir"}
    ),
    "rustup": frozenset(),
    "go": frozenset(),
    "pip": _PIP,
    "pip3": _PIP,
    "uv": frozenset(
        {"--directory", "--project", "--cache-dir", "--config-file", "--python", "-p",
         "--color", "--python-preference", "--index-url", "--index", "--default-index",
         "--extra-index-url"}
    ),  # fmt: skip
    "poetry": frozenset({"-C", "--directory", "-P", "--project"}),
    "systemctl": frozenset(
        {"-H", "--host", "-M", "--machine", "-t", "--type", "-p", "--property", "-s",
         "--signal", "--state", "--root", "-n", "--lines", "-o", "--output", "--kill-whom",
         "--kill-value", "--job-mode", "--what", "--timestamp", "--image", "--message",
         "--drop-in", "--when", "--preset-mode"}
    ),  # fmt: skip
    "apt": _APT,
    "apt-get": _APT,
    "apt-cache": _APT,
    "aptitude": _APT,
    "dnf": frozenset(
        {"-c", "--config", "--installroot", "--releasever", "--setopt", "--repo",
         "--enablerepo", "--disablerepo", "-x", "--exclude"}
    ),  # fmt: skip
    "yum": frozenset(
        {"-c", "--config", "--installroot", "--releasever", "--setopt", "--enablerepo",
         "--disablerepo", "-x", "--exclude"}
    ),  # fmt: skip
    "brew": frozenset(),
    "terraform": frozenset(),  # -chdir=DIR only has the = form
    "tofu": frozenset(),
    "gh": frozenset({"-R", "--repo", "--hostname"}),
    "aws": frozenset(
        {"--profile", "--region", "--output", "--endpoint-url", "--query", "--ca-bundle",
         "--cli-read-timeout", "--cli-connect-timeout", "--color", "--cli-binary-format"}
    ),  # fmt: skip
    "gcloud": frozenset(
        {"--project", "--account", "--configuration", "--impersonate-service-account",
         "--verbosity", "--format", "--billing-project", "--flags-file", "--flatten"}
    ),  # fmt: skip
    "az": frozenset({"--subscription", "--output", "-o", "--query"}),
    "make": frozenset(
        {"-C", "--directory", "-f", "--file", "--makefile", "-I", "--include-dir", "-o",
         "--old-file", "-W", "--what-if", "--assume-new"}
    ),  # fmt: skip
    "mvn": frozenset({"-f", "--file", "-s", "--settings", "-gs", "-P", "-pl", "-rf", "-T", "-D"}),
    "gradle": frozenset(
        {"-p", "--project-dir", "-b", "--build-file", "-c", "--settings-file", "-g",
         "--gradle-user-home"}
    ),  # fmt: skip
    "conda": frozenset({"-n", "--name", "-p", "--prefix"}),
    "mamba": frozenset({"-n", "--name", "-p", "--prefix"}),
}
GLOBAL_VALUE_OPTIONS = {**GLOBAL_VALUE_OPTIONS, "gmake": GLOBAL_VALUE_OPTIONS["make"],
                        "gradlew": GLOBAL_VALUE_OPTIONS["gradle"],
                        "./gradlew": GLOBAL_VALUE_OPTIONS["gradle"],
                        "microk8s.kubectl": _KUBECTL}  # fmt: skip

#: Options whose value is optional and only taken when the next word is a number.
_NUMERIC_OPTIONAL: Mapping[str, frozenset[str]] = {
    "make": frozenset({"-j", "-l"}),
    "gmake": frozenset({"-j", "-l"}),
}

#: Programs whose first word may be a ``+toolchain`` selector (skipped).
_PLUS_TOOLCHAIN = frozenset({"cargo", "rustup", "rustc"})

#: Device files a redirect may target without writing "outside the workspace".
HARMLESS_DEVICES = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero"})

_GLOB_CHARS = frozenset("*?[")


def is_exact_name(pattern: str) -> bool:
    """True when ``pattern`` is a plain string (no glob characters, no ``re:`` prefix)."""
    return not pattern.startswith("re:") and _GLOB_CHARS.isdisjoint(pattern)


# --------------------------------------------------------------------------------------------
# Command facts: flags, positional words, subcommands
# --------------------------------------------------------------------------------------------


def normalize_flags(args: Sequence[str]) -> frozenset[str]:
    """The flags of ``args`` (``argv[1:]``): ``--long=value`` gives ``--long``; a short cluster
    ``-rf`` gives ``-r``, ``-f`` and the word itself (so single-dash long options such as
    ``find -exec`` match too). Words after ``--`` are not flags; ``-`` alone is not a flag."""
    out: set[str] = set()
    for a in args:
        if a == "--":
            break
        if len(a) < 2 or a[0] != "-":
            continue
        if a[1] == "-":
            out.add(a.split("=", 1)[0])
            continue
        head = a.split("=", 1)[0]
        out.add(head)
        for ch in head[1:]:
            out.add("-" + ch)
    return frozenset(out)


# ---- long-option abbreviations ---------------------------------------------------------------
#
# getopt_long (GNU tools) and Python's argparse accept any unambiguous prefix of a long
# option: `sort --out=F` is `sort --output=F`, `grep --recu` is `grep --recursive`. Patterns
# name options in full, so a command's abbreviated options are matched as every long option
# of the policy that they abbreviate (an over-approximation: `none` lists and the matches of
# strict rules only get stricter).

_LONG_OPT = re.compile(r"--([A-Za-z0-9][A-Za-z0-9_-]*)")
_LONG_GROUP = re.compile(r"--\((?:\?:)?([A-Za-z0-9_|-]+)\)")


def _long_options_in(pattern: str) -> set[str]:
    """The long options a flags/args pattern names: ``--x`` in an exact or glob pattern,
    ``--x`` and ``--(a|b)`` in a ``re:`` pattern."""
    out = {"--" + m.group(1) for m in _LONG_OPT.finditer(pattern)}
    if pattern.startswith("re:"):
        for m in _LONG_GROUP.finditer(pattern):
            out |= {"--" + alt for alt in m.group(1).split("|") if alt}
    return {o.rstrip("-_") for o in out if len(o) > 3}


def long_options(obj: Any) -> set[str]:
    """Every long option named under a ``flags`` or ``args`` key anywhere in a match object
    (nested objects included)."""
    out: set[str] = set()
    if isinstance(obj, Mapping):
        for key, value in obj.items():
            if key in ("flags", "args") and isinstance(value, Mapping):
                for part in ("any", "all", "none"):
                    for p in _as_list(value.get(part) or ()):
                        if isinstance(p, str):
                            out |= _long_options_in(p)
            else:
                out |= long_options(value)
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            out |= long_options(x)
    return out


def abbreviations(options: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """``{abbreviation: the options it may stand for}``: every proper prefix (``--`` and at
    least one character) of each option. A prefix that is itself an option of some program
    (npm's ``--dir``) may still abbreviate a longer one of another (grep's
    ``--directories``), so it is in the table too."""
    known = set(options)
    table: dict[str, set[str]] = {}
    for opt in known:
        for k in range(3, len(opt)):
            table.setdefault(opt[:k], set()).add(opt)
    return {k: tuple(sorted(v)) for k, v in table.items()}


def _expand_abbreviations(args: tuple[str, ...], table: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """``args`` with, right after each abbreviated long option (before ``--``), the options
    it may stand for (with the same ``=value``)."""
    out: list[str] | None = None
    for i, a in enumerate(args):
        if a == "--":
            if out is not None:
                out += args[i:]
            break
        full = table.get(a.partition("=")[0]) if a[:2] == "--" else None
        if full is None:
            if out is not None:
                out.append(a)
            continue
        if out is None:
            out = list(args[:i])
        _, eq, val = a.partition("=")
        out.append(a)
        out += [f + eq + val for f in full]
    return args if out is None else tuple(out)


def positional_words(program: str, args: Sequence[str]) -> tuple[str, ...]:
    """``args`` without options: global options of ``program`` that take a value skip that
    value too (``git -C DIR commit`` gives ``("commit", ...)``); after ``--`` every word is
    positional."""
    valued = GLOBAL_VALUE_OPTIONS.get(program, frozenset())
    numeric = _NUMERIC_OPTIONAL.get(program, frozenset())
    out: list[str] = []
    i, n = 0, len(args)
    if program in _PLUS_TOOLCHAIN and n and args[0].startswith("+"):
        i = 1
    while i < n:
        a = args[i]
        if a == "--":
            out.extend(args[i + 1 :])
            break
        if len(a) > 1 and a[0] == "-":
            if a in valued:
                i += 2
                continue
            if a in numeric and i + 1 < n and args[i + 1].isdigit():
                i += 2
                continue
            i += 1
            continue
        out.append(a)
        i += 1
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------------


class PathInfo:
    """A word resolved as a path. ``candidates`` are absolute normalised paths it may denote
    (several when an earlier ``cd`` may or may not have taken effect); empty when unknown
    (dynamic text, unknown working directory). Unknown paths count as outside the workspace.
    """

    __slots__ = ("candidates",)

    def __init__(self, candidates: tuple[str, ...]):
        self.candidates = candidates

    @property
    def known(self) -> bool:
        return bool(self.candidates)

    def __repr__(self) -> str:
        return f"PathInfo({self.candidates!r})"


def _inside(path: str, root: str | None) -> bool:
    if root is None:
        return False
    if root == "/":
        return True
    return path == root or path.startswith(root + "/")


def norm_path(path: str) -> str:
    """``posixpath.normpath`` as the kernel sees it: a leading ``//`` (which POSIX normpath
    keeps) is ``/`` on Linux, so ``//etc/shadow`` is ``/etc/shadow``."""
    p = posixpath.normpath(path)
    return "/" + p.lstrip("/") if p.startswith("//") else p


def _aliases(path: str) -> tuple[str, ...]:
    """``path`` and what it also names: ``/proc/<pid>/root/x`` is ``/x`` (the process's root
    directory, the real root for processes of this system)."""
    if path.startswith("/proc/"):
        parts = path.split("/", 4)  # "", "proc", pid, "root", rest
        if len(parts) >= 4 and parts[3] == "root":
            return (path, "/" + (parts[4] if len(parts) > 4 else ""))
    return (path,)


_TYPE_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*").fullmatch


def _flag_values(t: str) -> list[str]:
    """Path-like values a flag word carries: the value of ``--opt=value`` and ``-opt=value``
    (Go and Java style), a ``/``-path attached to a short option (``-o/etc/passwd``,
    ``-o./x``), and the parts of such a value after a ``type:`` prefix or between ``:``
    (``--cov-report=xml:../x``, ``--output-format=json:/etc/passwd``) that look like paths."""
    out: list[str] = []
    if "=" in t:
        v = t.split("=", 1)[1]
        if v:
            out.append(v)
            if ":" in v:
                out += [x for x in v.split(":")[1:] if x[:1] in ("/", "~", ".") and x[:2] != "//"]
    elif t[:2] != "--":
        i = t.find("/")
        if i > 1:
            j = i
            while j > 1 and t[j - 1] in ".~":
                j -= 1
            out.append(t[j:])
    return out


_VAR_PREFIX = re.compile(r"^\$(?:\{(HOME|PWD)\}|(HOME|PWD))(?=/|$)")


def _static_path_text(word_text: str, raw: str, dynamic: bool, home: str) -> tuple[str, bool] | None:
    """Turn a word into static path text. Returns ``(text, cwd_relative_marker)`` or None
    when it cannot be known statically. ``$PWD`` is returned as ``"\\0PWD"`` prefix."""
    text = word_text
    if raw.startswith("~"):
        head, sep, rest = text.partition("/")
        if head != "~":
            return None  # ~user: unknown home directory
        text = home + (sep + rest if sep else "")
    elif dynamic:
        m = _VAR_PREFIX.match(text)
        if m:
            var = m.group(1) or m.group(2)
            text = (home if var == "HOME" else "\0PWD") + text[m.end() :]
    if dynamic:
        if "$" in text or "`" in text:
            return None
        # glob characters: a component such as ".*" may expand to ".." -> unknown
        for comp in text.split("/"):
            if comp.startswith(".") and not _GLOB_CHARS.isdisjoint(comp):
                return None
    return text, text.startswith("\0PWD")


# --------------------------------------------------------------------------------------------
# Evaluation-time contexts
# --------------------------------------------------------------------------------------------


#: contexts whose commands may run after any `cd` of the line (see LineState._track_cwd)
_CTX_ANYWHERE = frozenset({Ctx.FUNCTION, Ctx.LOOP})


class LineState:
    """What all commands of one evaluation share: the parsed line, the starting working
    directory, workspace and home, and lazily computed per-line facts (the working-directory
    candidates of each command after ``cd``, pipeline membership). One per evaluation."""

    __slots__ = ("parsed", "commands", "_cwd", "workspace", "home", "_cwds", "_pipes", "_ctxs", "abbrev")

    def __init__(
        self,
        parsed: ParsedLine,
        *,
        cwd: str | None,
        workspace: str | None,
        home: str,
        abbrev: Mapping[str, tuple[str, ...]] | None = None,
    ):
        #: long-option abbreviations (see :func:`abbreviations`); commands' ``args`` also
        #: carry the options their abbreviated options may stand for
        self.abbrev = abbrev
        self.parsed = parsed
        self.commands = parsed.commands
        self._cwd = cwd
        self.workspace = workspace
        self.home = home
        self._cwds: tuple[tuple[str, ...], ...] | None = None
        self._pipes: dict[int, list[int]] | None = None
        self._ctxs: list[MatchContext | None] = [None] * len(parsed.commands)

    @property
    def cwd(self) -> str:
        """The working directory the line starts in (the process's when none was given)."""
        if self._cwd is None:
            self._cwd = norm_path(os.getcwd())
        return self._cwd

    @property
    def workspace_dir(self) -> str:
        """The workspace: as given, else the starting working directory."""
        if self.workspace is None:
            self.workspace = self.cwd
        return self.workspace

    def context(self, index: int) -> "MatchContext":
        """The (cached) match context of command ``index``."""
        ctx = self._ctxs[index]
        if ctx is None:
            ctx = MatchContext(self, index)
            self._ctxs[index] = ctx
        return ctx

    def cwd_candidates(self, index: int) -> tuple[str, ...]:
        """Directories command ``index`` may run in; empty tuple = unknown."""
        if self._cwds is None:
            self._cwds = self._track_cwd()
        return self._cwds[index]

    def _track_cwd(self) -> tuple[tuple[str, ...], ...]:
        """Follow ``cd``/``pushd`` in source order. A ``cd`` may fail or be scoped to a
        subshell, so later commands may run in the old *or* the new directory: both are kept
        (at most 8, else unknown). A ``cd`` to a dynamic target, ``cd -`` or ``popd`` makes
        later working directories unknown."""
        cands: tuple[str, ...] = (self.cwd,)
        out: list[tuple[str, ...]] = []
        cd_seen = False
        for cmd in self.commands:
            out.append(cands)
            if cmd.program not in ("cd", "pushd", "popd", "chdir"):
                continue
            cd_seen = True
            if not cands:
                continue
            if cmd.program == "popd":
                cands = ()
                continue
            words = [w for w in cmd.argv[1:] if not (w.text.startswith("-") and w.text != "-")]
            if not words:
                targets: tuple[str, ...] | None = (self.home,)
            elif words[0].text == "-" or len(words) > 1:
                targets = None
            else:
                w = words[0]
                st = _static_path_text(w.text, w.raw, w.dynamic, self.home)
                if st is None:
                    targets = None
                else:
                    text, pwd = st
                    if pwd:
                        text = text[len("\0PWD") :].lstrip("/") or "."
                    targets = tuple(norm_path(posixpath.join(c, text)) for c in cands)
            if targets is None:
                cands = ()
                continue
            merged = tuple(dict.fromkeys(cands + targets))
            cands = merged if len(merged) <= 8 else ()
        if cd_seen and out:
            # A function body runs where it is called, a loop body again after a later `cd`
            # in the loop: commands in them may run in any directory the line reaches.
            every: tuple[str, ...] | None = ()
            for c in (*out, cands):
                if not c:
                    every = None
                    break
                every = every + c  # type: ignore[operator]
            every = tuple(dict.fromkeys(every)) if every is not None else ()
            if len(every) > 8:
                every = ()
            for i, cmd in enumerate(self.commands):
                if not _CTX_ANYWHERE.isdisjoint(cmd.context):
                    out[i] = every
        return tuple(out)

    def pipeline_members(self, pipe_id: int) -> list[int]:
        """Indexes of the commands in pipeline ``pipe_id``."""
        if self._pipes is None:
            pipes: dict[int, list[int]] = {}
            for i, c in enumerate(self.commands):
                if c.pipeline is not None:
                    pipes.setdefault(c.pipeline.id, []).append(i)
            self._pipes = pipes
        return self._pipes.get(pipe_id, [])


class MatchContext:
    """The context a predicate gets for one command: ``line`` (the :class:`LineState`),
    ``index`` (of the command in ``line.commands``) and cached facts about the command."""

    __slots__ = ("line", "index", "command", "args", "_flags", "_subwords", "_paths", "_cwds", "_joined",
                 "_joined_paths", "_features", "_path_cands")

    def __init__(self, line: LineState, index: int, cwd: str | None = None):
        self.line = line
        self.index = index
        self.command: Command = line.commands[index]
        #: a fixed working directory (the engine evaluates each possible cwd on its own)
        self._cwds: tuple[str, ...] | None = (cwd,) if cwd is not None else None
        #: ``argv[1:]`` texts, each abbreviated long option followed by the options of the
        #: policy it may stand for (see :func:`abbreviations`)
        self.args: tuple[str, ...] = tuple([w.text for w in self.command.argv[1:]])
        self._joined: str | None = None
        if line.abbrev and self.args:
            joined = "\0".join(self.args)
            if "--" in joined:  # (one C-level scan; the joined text is needed anyway)
                expanded = _expand_abbreviations(self.args, line.abbrev)
                if expanded is not self.args:
                    self.args = expanded
                    joined = "\0".join(expanded)
            self._joined = joined
        self._flags: frozenset[str] | None = None
        self._subwords: tuple[str, ...] | None = None
        self._paths: tuple[PathInfo, ...] | None = None
        self._joined_paths: str | None = None
        self._path_cands: tuple[tuple[str, ...], ...] | None = None
        self._features = -1

    @property
    def features(self) -> int:
        """:func:`command_features` of the command (bitmask of what it has)."""
        if self._features < 0:
            self._features = command_features(self.command)
        return self._features

    @property
    def joined_paths(self) -> str:
        """Every candidate of every resolved path (:attr:`paths`) joined by NUL, for literal
        pre-checks."""
        if self._joined_paths is None:
            self._joined_paths = "\0".join([c for cands in self.path_candidates for c in cands])
        return self._joined_paths

    @property
    def joined_args(self) -> str:
        """``args`` joined by NUL (a character no argument contains), for literal pre-checks."""
        if self._joined is None:
            self._joined = "\0".join(self.args)
        return self._joined

    @property
    def flags(self) -> frozenset[str]:
        """Normalised flags (see :func:`normalize_flags`)."""
        if self._flags is None:
            self._flags = normalize_flags(self.args)
        return self._flags

    @property
    def subcommand_words(self) -> tuple[str, ...]:
        """Positional words after skipping the program's global options."""
        if self._subwords is None:
            self._subwords = positional_words(self.command.program, [w.text for w in self.command.argv[1:]])
        return self._subwords

    @property
    def cwd_candidates(self) -> tuple[str, ...]:
        """Directories this command may run in (empty: unknown)."""
        if self._cwds is not None:
            return self._cwds
        return self.line.cwd_candidates(self.index)

    def resolve(self, text: str, raw: str | None = None, dynamic: bool = False) -> PathInfo:
        """Resolve a word as a path: ``~``/``$HOME`` expand, relative paths join the working
        directory candidates, ``..`` is normalised. Unknown -> ``PathInfo(())``."""
        return PathInfo(self._resolve(text, text if raw is None else raw, dynamic))

    def _resolve(self, text: str, raw: str, dynamic: bool) -> tuple[str, ...]:
        """:meth:`resolve` as the tuple of candidates (empty: unknown)."""
        st = _static_path_text(text, raw, dynamic, self.line.home)
        if st is None:
            return ()
        t, pwd = st
        if pwd:
            t = t[len("\0PWD") :].lstrip("/") or "."
        elif t.startswith("/"):
            return _aliases(norm_path(t))
        cands = self.cwd_candidates
        if not cands:
            return ()
        if len(cands) == 1:
            c = cands[0]
            if t and "//" not in t and t[-1] != "/" and "/." not in "/" + t:
                # nothing to normalise: no ".", "..", empty or trailing component
                return _aliases(c + "/" + t if c != "/" else "/" + t)
            return _aliases(norm_path(posixpath.join(c, t)))
        return tuple(dict.fromkeys(a for c in cands for a in _aliases(norm_path(posixpath.join(c, t)))))

    @property
    def path_candidates(self) -> tuple[tuple[str, ...], ...]:
        """For every path argument (see :attr:`paths`), its candidates (empty: unknown)."""
        if self._path_cands is None:
            out: list[tuple[str, ...]] = []
            after_dd = False
            resolve = self._resolve
            cands: tuple[str, ...] | None = None
            for w in self.command.argv[1:]:
                t = w.text
                if after_dd and t[:1] == "-" and "=" in t:
                    # after `--` the words go to another program (a test binary ...), which
                    # may read them as options: their values count too
                    for v in _flag_values(t):
                        out.append(resolve(v, v, w.dynamic))
                if not after_dd:
                    if t == "--":
                        after_dd = True
                        continue
                    if t[:1] == "-" and t != "-":
                        for v in _flag_values(t):
                            out.append(resolve(v, v, w.dynamic))
                        continue
                if t == "-" or t == "":
                    continue
                if ":" in t:
                    # TYPE:PATH arguments (`--cov-report html:/x`, `json:../out`); not URLs
                    head, _, part = t.partition(":")
                    if _TYPE_WORD(head) and part[:1] in ("/", "~", ".") and part[:2] != "//":
                        out.append(resolve(part, part, w.dynamic))
                if not w.dynamic and w.raw[:1] != "~" and "//" not in t and "/." not in t and t[-1] != "/":
                    # static text with nothing to normalise
                    if t[0] == "/":
                        out.append(_aliases(t))
                        continue
                    if t[0] != ".":
                        if cands is None:
                            cands = self.cwd_candidates
                        if len(cands) == 1:
                            c = cands[0]
                            out.append(_aliases(c + "/" + t if c != "/" else "/" + t))
                            continue
                out.append(resolve(t, w.raw, w.dynamic))
            self._path_cands = tuple(out)
        return self._path_cands

    @property
    def paths(self) -> tuple[PathInfo, ...]:
        """Every non-flag argument (and the value of ``--opt=value``) resolved as a path."""
        if self._paths is None:
            self._paths = tuple([PathInfo(c) for c in self.path_candidates])
        return self._paths

    @property
    def workspace(self) -> str:
        return self.line.workspace_dir

    @property
    def home(self) -> str:
        return self.line.home


# --------------------------------------------------------------------------------------------
# Compilation
# --------------------------------------------------------------------------------------------


class CompileContext:
    """Passed to a matcher's ``compile(value, ctx)``.

    ``path``                where the value sits in the rule (e.g. ``("match", "args", "any")``).
    ``error(msg, *sub)``    record a problem (code ``bad-pattern``) at ``path + sub``; compiling
                            continues so every problem is reported.
    ``compile_match(obj, *sub)``  compile a nested match object.
    ``at(*sub)``            a child context for a deeper path.
    """

    __slots__ = ("registry", "path", "issues")

    def __init__(
        self,
        registry: MatcherRegistry,
        path: tuple[Any, ...] = (),
        issues: list[tuple[tuple[Any, ...], str]] | None = None,
    ):
        self.registry = registry
        self.path = path
        self.issues: list[tuple[tuple[Any, ...], str]] = [] if issues is None else issues

    def at(self, *sub: Any) -> "CompileContext":
        return CompileContext(self.registry, self.path + sub, self.issues)

    def error(self, message: str, *sub: Any) -> None:
        self.issues.append((self.path + sub, message))

    def compile_match(self, obj: Mapping[str, Any], *sub: Any) -> Predicate:
        return compile_match(obj, self.at(*sub))


def _never(command: Command, ctx: Any) -> bool:
    return False


def compile_match(obj: Mapping[str, Any], ctx: CompileContext) -> Predicate:
    """Compile a match object into one predicate: every key must hold (AND). Keys are tested
    cheapest first (``program`` before the others). Problems are recorded in ``ctx``."""
    if not isinstance(obj, Mapping) or not obj:
        ctx.error(f"a match object must be a non-empty mapping (got {obj!r})")
        return _never
    preds: list[tuple[int, Predicate]] = []
    for key, value in obj.items():
        spec = ctx.registry.get(key)
        if spec is None:
            ctx.error(f"unknown match key {key!r}", key)
            continue
        sub = ctx.at(key)
        try:
            pred = spec.compile(value, sub)
        except PolicyRouterError as exc:
            sub.error(exc.message)
            continue
        except Exception as exc:  # a plugin's compile function failed
            sub.error(f"cannot compile {key!r}: {exc}")
            continue
        preds.append((_KEY_COST.get(key, 5), pred))
    preds.sort(key=lambda kp: kp[0])
    fns = tuple(p for _, p in preds)
    if not fns:
        return _never
    if len(fns) == 1:
        return fns[0]
    if len(fns) == 2:
        a, b = fns
        return lambda c, x: a(c, x) and b(c, x)

    def all_of(command: Command, mctx: Any) -> bool:
        for f in fns:
            if not f(command, mctx):
                return False
        return True

    return all_of


_KEY_COST = {"program": 0, "markers": 1, "context": 1, "assignments": 1, "flags": 2,
             "subcommand": 2, "args": 3, "redirects": 4, "paths": 6, "pipe_from": 7,
             "pipe_to": 7, "line": 8}  # fmt: skip


def _as_list(value: Any) -> tuple[Any, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _pattern_regex(p: str, ctx: CompileContext, sub: tuple[Any, ...]) -> str | None:
    """The regex source (used with ``search``) for one string pattern, or None when the
    pattern is invalid (the problem is recorded). Globs are anchored; ``re:`` is not."""
    if p.startswith("re:"):
        try:
            re.compile(p[3:])
        except re.error as exc:
            ctx.error(f"invalid regular expression {p[3:]!r}: {exc}", *sub)
            return None
        return p[3:]
    return r"\A" + fnmatch.translate(p)


_LEADING_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")


def _scoped(source: str) -> str:
    """Wrap one regex for an alternation: leading global flags ``(?i)`` become the scoped
    form ``(?i:...)`` (global flags are only allowed at the very start of a pattern)."""
    m = _LEADING_FLAGS.match(source)
    if m:
        return f"(?{m.group(1)}:{source[m.end():]})"
    return f"(?:{source})"


def _regex_any(sources: Sequence[str]) -> Callable[[str], Any] | None:
    """One compiled ``search`` for the alternation of ``sources`` (each searched on its
    own if the alternation does not compile, e.g. because of inline global flags)."""
    if not sources:
        return None
    if len(sources) == 1:
        return re.compile(sources[0]).search
    # A backreference (\1, (?P=name)) counts groups from the start of the whole pattern, so
    # a source with one is searched on its own; the others share one alternation.
    alone: list[str] = []
    shared: list[str] = []
    for x in sources:
        (alone if _BACKREF.search(x) else shared).append(x)
    try:
        joined = re.compile("|".join(_scoped(x) for x in shared)).search if shared else None
    except re.error:
        joined = None
        alone = list(sources)
    if not alone:
        return joined
    parts = tuple(re.compile(x).search for x in alone) + ((joined,) if joined is not None else ())
    return lambda s: next((m for m in (f(s) for f in parts) if m is not None), None)


_BACKREF = re.compile(r"\\[1-9]|\(\?P=")


def _string_parts(patterns: Iterable[str] | str, ctx: CompileContext, *sub: Any) -> tuple[frozenset[str], list[str]]:
    """The exact strings and the regex sources (see :func:`_pattern_regex`) of a pattern list;
    problems are recorded at ``sub + (i,)`` (no index when a single string was given)."""
    exact: set[str] = set()
    sources: list[str] = []
    single = isinstance(patterns, str)
    for i, p in enumerate(_as_list(patterns)):
        where = sub if single else sub + (i,)
        if not isinstance(p, str):
            ctx.error(f"pattern must be a string (got {p!r})", *where)
            continue
        if is_exact_name(p):
            exact.add(p)
            continue
        src = _pattern_regex(p, ctx, where)
        if src is not None:
            sources.append(src)
    return frozenset(exact), sources


def _matcher_of(fexact: frozenset[str], sources: Sequence[str]) -> Callable[[str], bool]:
    rx = _regex_any(sources)
    if rx is None:
        return fexact.__contains__
    if not fexact:
        return lambda s: rx(s) is not None
    return lambda s: s in fexact or rx(s) is not None


def string_matcher(patterns: Iterable[str] | str, ctx: CompileContext, *sub: Any) -> Callable[[str], bool]:
    """Compile patterns into ``test(s) -> bool``: exact strings, fnmatch globs (``*`` also
    matches ``/``; case-sensitive) or ``re:`` regexes (searched, not anchored). All
    non-exact patterns become one regex. Invalid regexes are recorded at ``sub + (i,)``
    (no index when a single string was given)."""
    return _matcher_of(*_string_parts(patterns, ctx, *sub))


def _set_prefilter(fexact: frozenset[str], sources: Sequence[str]) -> Callable[[str], bool] | None:
    """A test on the items joined by NUL (see :attr:`MatchContext.joined_args`) that is False
    only when no item can match the patterns (see :func:`literal_prefilter`)."""
    return literal_prefilter(sources, fexact)


# ---- literal prefilters -------------------------------------------------------------------
#
# A regex set is tested against every argument of every command a rule is tried on, and most
# of those tests fail. Most patterns cannot match unless the text contains some literal
# (``re:\.aws/(credentials|config)`` needs ``.aws/``). The literals of a whole pattern set
# give one cheap, sound pre-check: no literal in the text -> no pattern can match it.

import re._constants as _sre  # noqa: E402  (3.11: the regex parser's op codes)
import re._parser as _sre_parse  # noqa: E402

_MIN_LITERAL = 1


def _seq_requirement(items: Sequence[Any]) -> frozenset[str] | None:
    """Literals of which every match of the sequence ``items`` (parsed regex ops) contains at
    least one, or None when no useful set is known. Runs of consecutive literals (zero-width
    anchors and groups matched exactly once do not break a run) are candidates, and so is a
    branch whose every alternative has a requirement; the smallest set of longest literals
    wins (a small character class such as ``[*?[{]`` counts as a set of one-character
    literals)."""
    options: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= _MIN_LITERAL:
            options.append(frozenset({"".join(run)}))
        run.clear()

    def walk(seq: Sequence[Any]) -> None:
        for op, av in seq:
            if op is _sre.LITERAL:
                run.append(chr(av))
            elif op is _sre.AT:
                continue  # zero width: literals on both sides stay adjacent in the text
            elif op is _sre.SUBPATTERN and not (av[1] & _sre.SRE_FLAG_IGNORECASE):
                walk(av[3].data)
            elif op is getattr(_sre, "ATOMIC_GROUP", None):
                walk(av.data)
            elif op is _sre.IN and 0 < len(av) <= 8 and all(o is _sre.LITERAL for o, _ in av):
                flush()  # a small set of single characters, e.g. the glob characters [*?[{]
                options.append(frozenset(chr(c) for _, c in av))
            elif op is _sre.BRANCH:
                flush()
                alts = [_seq_requirement(a.data) for a in av[1]]
                if alts and all(a for a in alts):
                    options.append(frozenset().union(*alts))  # type: ignore[arg-type]
            else:
                flush()
        return None

    walk(items)
    flush()
    if not options:
        return None
    # The last distinctive option first: in path and argument patterns the end (a file name)
    # tells more than a leading directory such as "/home/". Otherwise the fewest, longest
    # literals; a lone punctuation character is nearly useless.
    # A single literal of 4+ characters beats a set of alternatives (`\.aws/(credentials|
    # config)`: ".aws/" is rarer in ordinary arguments than "config"); the longest one wins.
    singles = [o for o in options if len(o) == 1 and len(next(iter(o))) >= 4 and o.isdisjoint(_COMMON_PREFIXES)]
    if singles:
        return max(singles, key=lambda o: len(next(iter(o))))
    for o in reversed(options):
        if len(o) <= 4 and min(map(len, o)) >= 3 and o.isdisjoint(_COMMON_PREFIXES):
            return o
    return min(options, key=lambda o: (sum(_literal_cost(x) for x in o), len(o)))


def _literal_cost(lit: str) -> float:
    """How likely ``lit`` is to occur in an ordinary argument (lower: more selective)."""
    if len(lit) == 1 and lit in _COMMON_CHARS:
        return 10.0
    if lit in _COMMON_PREFIXES:
        return 10.0  # in every resolved path of a workspace under it; "/." in "./x", ".github"
    return 1.0 / len(lit)


_COMMON_CHARS = frozenset("/.-_=: ,")
_COMMON_PREFIXES = frozenset({"/home/", "/home", "/root", "/root/", "/Users/", "/tmp/", "/work/", "/."})


def _literals_of(sources: Sequence[str]) -> tuple[frozenset[str], bool] | None:
    """``(literals, ignorecase)``: literals of which every match of any of ``sources``
    contains one (compared case-insensitively when ``ignorecase``: some source has the
    global ``(?i)`` flag), or None when some source has no such literal."""
    out: set[str] = set()
    ignorecase = False
    for src in sources:
        try:
            parsed = _sre_parse.parse(src)
        except Exception:  # noqa: BLE001 - an unparsable source simply gets no prefilter
            return None
        if parsed.state.flags & _sre.SRE_FLAG_IGNORECASE:
            ignorecase = True
        req = _seq_requirement(parsed.data)
        if req is None:
            return None
        out |= req
    # a literal that contains another is implied by it: keep the shorter one
    kept: list[str] = []
    for lit in sorted(out, key=len):
        if not any((k.lower() in lit.lower()) if ignorecase else (k in lit) for k in kept):
            kept.append(lit)
    return frozenset(kept), ignorecase


def required_literals(sources: Sequence[str]) -> frozenset[str] | None:
    """For a set of regex sources (as searched by :func:`string_matcher`): literals of which
    every match of *any* of the sources contains at least one, or None when some source has
    no such literal (or is case-insensitive). Sound: a text without these literals cannot
    match any of the sources."""
    got = _literals_of(sources)
    if got is None or got[1]:
        return None
    return got[0]


def _gate_literals(sources: Sequence[str], exact: Iterable[str] = ()) -> tuple[frozenset[str], bool] | None:
    """``(literals, ignorecase)`` behind :func:`literal_prefilter`, or None (no useful test)."""
    exact = frozenset(exact)
    if "" in exact:
        return None
    got = _literals_of(sources) if sources else (frozenset(), False)
    if got is None:
        return None
    lits, ignorecase = got
    lits = lits | exact
    if not lits or "" in lits:
        return None
    return lits, ignorecase


def literal_prefilter(sources: Sequence[str], exact: Iterable[str] = ()) -> Callable[[str], bool] | None:
    """A test that is False only when ``text`` can match none of the regex ``sources`` and
    contains none of the ``exact`` strings (see :func:`required_literals`; case-insensitive
    sources give a case-insensitive test). None when there is no useful test."""
    got = _gate_literals(sources, exact)
    if got is None:
        return None
    return literal_test(got[0], ignorecase=got[1])


def trie_regex(literals: Iterable[str]) -> str:
    """One regex source matching any of ``literals``, with common prefixes shared
    (``abc|abd`` -> ``ab[cd]``), so a search tries each position once instead of once per
    literal."""
    trie: dict[str, Any] = {}
    for lit in literals:
        node = trie
        for ch in lit:
            node = node.setdefault(ch, {})
        node[""] = {}  # end of a literal

    def build(node: dict[str, Any]) -> str:
        if "" in node and len(node) == 1:
            return ""
        ends = "" in node
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        singles = [a for a in alts if len(a) == 1 or (len(a) == 2 and a[0] == "\\")]
        rest = [a for a in alts if a not in singles]
        parts = rest + ([singles[0]] if len(singles) == 1 else ["[" + "".join(singles) + "]"] if singles else [])
        body = parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"
        if ends:
            # a literal ends here: whatever follows is optional (a shorter literal matched)
            return ""
        return body

    return build(trie)


def literal_test(literals: Iterable[str], *, ignorecase: bool = False) -> Callable[[str], bool]:
    """``test(text)``: does ``text`` contain one of ``literals``? (one search of a
    prefix-sharing regex, see :func:`trie_regex`; case-insensitive with ``ignorecase``)"""
    lits = sorted(set(literals))
    if len(lits) == 1 and not ignorecase:
        only = lits[0]
        return lambda text: only in text
    if not ignorecase:
        rx = re.compile(trie_regex(lits)).search
        return lambda text: rx(text) is not None
    lits = sorted({x.lower() for x in lits})
    rx_i = re.compile(trie_regex(lits), re.IGNORECASE).search
    if not all(x.isascii() for x in lits):
        return lambda text: rx_i(text) is not None
    # An IGNORECASE search is several times slower than a plain one. For ASCII literals and
    # ASCII text it is the same as a plain search of the lower-cased text; other text keeps
    # the IGNORECASE search (it matches e.g. U+212A KELVIN SIGN for "k", which lower() of
    # the text would not give).
    rx_l = re.compile(trie_regex(lits)).search

    def test(text: str) -> bool:
        if text.isascii():
            return rx_l(text.lower()) is not None
        return rx_i(text) is not None

    return test


ItemTest = Callable[[Any, "MatchContext"], bool]


def _set_test(
    value: Mapping[str, Any],
    ctx: CompileContext,
    items_of: Callable[["MatchContext"], Sequence[Any]],
    make: Callable[[Any, CompileContext, tuple[Any, ...]], ItemTest],
    joined_of: Callable[["MatchContext"], str] | None = None,
) -> Predicate:
    """Compile ``{any, all, none}`` over the items ``items_of(mctx)`` of a command.
    ``make(patterns, ctx, sub)`` builds one test "some of these patterns matches the item"
    (``any`` and ``none`` use one test for all their patterns; ``all`` one per pattern).
    An item test with a ``gate`` attribute (a literal pre-check, see ``_path_item_test``)
    can only hold for items whose text passes it, so with ``joined_of`` (the texts of all
    items joined by NUL) one call of the gate may settle ``any`` / ``none`` for the set."""
    any_t = make(value["any"], ctx, ("any",)) if value.get("any") else None
    none_t = make(value["none"], ctx, ("none",)) if value.get("none") else None
    all_v = value.get("all") or ()
    all_t = tuple(make((p,), ctx, ("all", i)) for i, p in enumerate(_as_list(all_v)))
    any_gate = getattr(any_t, "gate", None) if joined_of is not None else None
    none_gate = getattr(none_t, "gate", None) if joined_of is not None else None

    if any_t is not None and none_t is None and not all_t:
        only = any_t
        if any_gate is not None and joined_of is not None:
            gate, joined = any_gate, joined_of

            def pred_any_gated(command: Command, m: "MatchContext") -> bool:
                if not gate(joined(m)):
                    return False
                for it in items_of(m):
                    if only(it, m):
                        return True
                return False

            return pred_any_gated

        def pred_any(command: Command, m: "MatchContext") -> bool:
            for it in items_of(m):
                if only(it, m):
                    return True
            return False

        return pred_any

    def pred(command: Command, m: "MatchContext") -> bool:
        items = items_of(m)
        if any_t is not None:
            if any_gate is not None and not any_gate(joined_of(m)):  # type: ignore[misc]
                return False
            for it in items:
                if any_t(it, m):
                    break
            else:
                return False
        if none_t is not None and (none_gate is None or none_gate(joined_of(m))):  # type: ignore[misc]
            for it in items:
                if none_t(it, m):
                    return False
        for t in all_t:
            for it in items:
                if t(it, m):
                    break
            else:
                return False
        return True

    return pred


def _string_set_test(
    value: Mapping[str, Any],
    ctx: CompileContext,
    items_of: Callable[["MatchContext"], Sequence[str]],
    joined_of: Callable[["MatchContext"], str] | None = None,
) -> Predicate:
    """``{any, all, none}`` over string items (args, flags), with one combined test per
    ``any``/``none`` list and no per-item wrapper calls. With ``joined_of`` (the items joined
    by NUL), an ``any``/``none`` list whose patterns all need some literal first checks the
    joined text for those literals once (see :func:`required_literals`)."""

    def part(patterns: Any, *sub: Any) -> tuple[Callable[[str], bool], Callable[[str], bool] | None]:
        fexact, sources = _string_parts(patterns, ctx, *sub)
        pre = _set_prefilter(fexact, sources) if joined_of is not None else None
        return _matcher_of(fexact, sources), pre

    any_t, any_pre = part(value["any"], "any") if value.get("any") else (None, None)
    none_t, none_pre = part(value["none"], "none") if value.get("none") else (None, None)
    all_t = tuple(string_matcher(p, ctx, "all", i) for i, p in enumerate(_as_list(value.get("all") or ())))
    if any_t is not None and none_t is None and not all_t:
        only = any_t
        if any_pre is not None and joined_of is not None:
            pre, joined = any_pre, joined_of

            def pred_any_pre(command: Command, m: "MatchContext") -> bool:
                if not pre(joined(m)):
                    return False
                for it in items_of(m):
                    if only(it):
                        return True
                return False

            return pred_any_pre

        def pred_any(command: Command, m: "MatchContext") -> bool:
            for it in items_of(m):
                if only(it):
                    return True
            return False

        return pred_any

    def pred(command: Command, m: "MatchContext") -> bool:
        items = items_of(m)
        if any_t is not None:
            if any_pre is not None and not any_pre(joined_of(m)):  # type: ignore[misc]
                return False
            if not any(map(any_t, items)):
                return False
        if none_t is not None and (none_pre is None or none_pre(joined_of(m))):  # type: ignore[misc]
            if any(map(none_t, items)):
                return False
        for t in all_t:
            if not any(map(t, items)):
                return False
        return True

    return pred


# ---- path patterns -----------------------------------------------------------------------


def _glob_sources(pattern: str) -> list[str]:
    """Regex sources for a path glob; a trailing ``/**`` also matches the directory itself."""
    out = [r"\A" + fnmatch.translate(pattern)]
    if pattern.endswith("/**") and len(pattern) > 3:
        out.append(r"\A" + fnmatch.translate(pattern[:-3]))
    return out


def _relative_to(path: str, root: str) -> str | None:
    """``path`` relative to ``root`` as ``/rest`` (``/`` for the root itself), or None."""
    if root == "/":
        return path
    if path == root:
        return "/"
    if path.startswith(root) and path[len(root)] == "/":
        return path[len(root) :]
    return None


def _path_item_test(patterns: Any, ctx: CompileContext, sub: tuple[Any, ...]) -> ItemTest:
    """Build ``test(PathInfo, mctx)``: does some pattern match this path?

    ``$WORKSPACE``: every candidate inside the workspace (unknown: no). ``!$WORKSPACE``: some
    candidate outside (unknown: yes). ``$WORKSPACE/x``, ``~/x``, ``$HOME/x``: globs on the
    path relative to that root (``$WORKSPACE/`` and ``~`` alone are the root itself).
    ``/x``: globs on the absolute path. ``re:..``: regex searched in the absolute path. Any
    other pattern matches the end of the path (``.env`` matches ``/a/b/.env``). A trailing
    ``/**`` also matches the directory itself. Unknown paths match only ``!$WORKSPACE``.
    """
    single = isinstance(patterns, str)
    ws_in = ws_out = False
    abs_src: list[str] = []
    home_src: list[str] = []
    ws_src: list[str] = []
    # patterns without glob characters are compared as strings (sets), not as regexes
    abs_exact: set[str] = set()
    home_exact: set[str] = set()
    ws_exact: set[str] = set()

    def add(glob: str, exact: set[str], sources: list[str]) -> None:
        if _GLOB_CHARS.isdisjoint(glob):
            exact.add(glob)
        else:
            sources.extend(_glob_sources(glob))

    for i, p in enumerate(_as_list(patterns)):
        where = sub if single else sub + (i,)
        if not isinstance(p, str):
            ctx.error(f"pattern must be a string (got {p!r})", *where)
            continue
        if p == "$WORKSPACE":
            ws_in = True
        elif p == "!$WORKSPACE":
            ws_out = True
        elif p.startswith("re:"):
            src = _pattern_regex(p, ctx, where)
            if src is not None:
                abs_src.append(src)
        elif p == "$WORKSPACE/" or p.startswith("$WORKSPACE/"):
            add("/" + p[len("$WORKSPACE/") :] if p != "$WORKSPACE/" else "/", ws_exact, ws_src)
        elif p in ("~", "$HOME") or p.startswith(("~/", "$HOME/")):
            rest = p[1:] if p.startswith("~") else p[len("$HOME") :]
            add(rest or "/", home_exact, home_src)
        elif "$" in p:
            ctx.error(
                f"a path pattern may use $WORKSPACE or $HOME only as its first component; "
                f"use re: for a literal '$' (got {p!r})",
                *where,
            )
        elif p.startswith("/"):
            norm = posixpath.normpath(p[:-3]) + "/**" if p.endswith("/**") else posixpath.normpath(p)
            if norm.startswith("//"):
                norm = norm[1:]
            add(norm, abs_exact, abs_src)
        else:
            abs_src += _glob_sources("*/" + p)
    abs_rx, home_rx, ws_rx = _regex_any(abs_src), _regex_any(home_src), _regex_any(ws_src)
    # the roots themselves ("/", "~", "$WORKSPACE/") are compared directly
    abs_root, home_root, ws_root = "/" in abs_exact, "/" in home_exact, "/" in ws_exact
    abs_ex = frozenset(abs_exact - {"/"})
    home_ex = frozenset(home_exact - {"/"})
    ws_ex = frozenset(ws_exact - {"/"})
    rest = bool(abs_src or home_src or ws_src or abs_ex or home_ex or ws_ex)
    # A path relative to the home or the workspace is a suffix of the absolute path, so the
    # literals every pattern needs (required_literals; an exact pattern is its own literal)
    # must occur in the absolute path.
    pre_lits = _gate_literals(abs_src + home_src + ws_src, abs_ex | home_ex | ws_ex) if rest else None
    pre = literal_test(pre_lits[0], ignorecase=pre_lits[1]) if pre_lits is not None else None
    use_home = home_rx is not None or bool(home_ex)
    use_ws = ws_rx is not None or bool(ws_ex)

    def test(info: PathInfo, m: "MatchContext") -> bool:
        cands = info.candidates
        if not cands:
            return ws_out
        if ws_in or ws_out:
            ws = m.workspace
            if ws_out and not all(_inside(c, ws) for c in cands):
                return True
            if ws_in and all(_inside(c, ws) for c in cands):
                return True
        for c in cands:
            if (abs_root and c == "/") or (home_root and c == m.home) or (ws_root and c == m.workspace):
                return True
            if not rest or (pre is not None and not pre(c)):
                continue
            if c in abs_ex or (abs_rx is not None and abs_rx(c) is not None):
                return True
            if use_home:
                rel = _relative_to(c, m.home)
                if rel is not None and (rel in home_ex or (home_rx is not None and home_rx(rel) is not None)):
                    return True
            if use_ws:
                rel = _relative_to(c, m.workspace)
                if rel is not None and (rel in ws_ex or (ws_rx is not None and ws_rx(rel) is not None)):
                    return True
        return False

    # When only literal-gated checks exist, one pre-check over all of a command's resolved
    # paths (MatchContext.joined_paths) can rule the whole set out (see _set_test).
    if pre is not None and not (ws_in or ws_out or abs_root or home_root or ws_root):
        test.gate = pre  # type: ignore[attr-defined]
        test.gate_literals = pre_lits  # type: ignore[attr-defined]  (see match_gate)
    return test


def program_filter(match: Any) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """Over-approximate which program names a match object can hold for: ``(exact names,
    glob/regex patterns)``, or None when it may hold for any program. ``program`` bounds the
    object; so does ``any_of`` when every branch is bounded (the union of the branches)."""
    bounds: list[tuple[frozenset[str], tuple[str, ...]]] = []
    prog = match.get("program")
    if prog is not None:
        names = (prog,) if isinstance(prog, str) else tuple(prog)
        bounds.append(
            (frozenset(n for n in names if is_exact_name(n)), tuple(n for n in names if not is_exact_name(n)))
        )
    branches = match.get("any_of")
    if branches:
        parts = [program_filter(b) for b in branches if hasattr(b, "get")]
        if len(parts) == len(branches) and all(p is not None for p in parts):
            exact = frozenset().union(*(p[0] for p in parts if p))
            globs = tuple(g for p in parts if p for g in p[1])
            bounds.append((exact, globs))
    if not bounds:
        return None
    # AND of bounds: any one of them is a sound over-approximation; take the tightest
    return min(bounds, key=lambda b: (len(b[1]) > 0, len(b[0]) + 100 * len(b[1])))


# ---- literal gates ------------------------------------------------------------------------
#
# Most rules that are tried for every command (reverse shells, secrets, protected paths ...)
# can only match a command whose arguments or resolved paths contain some literal. The engine
# unites those literals over all the rules a command is tried against into one test per
# command, and skips all those rules at once when it fails (engine.Engine._plan).


class GateAtom(NamedTuple):
    """Holds for a command when one of ``literals`` occurs in its ``haystack``:
    ``"args"`` (:attr:`MatchContext.joined_args`) or ``"paths"``
    (:attr:`MatchContext.joined_paths`), compared case-insensitively when ``ignorecase``."""

    haystack: str
    literals: frozenset[str]
    ignorecase: bool


#: ``gate(program, features)`` for a match object and a command with that program name and
#: :func:`command_features`: ``()`` when the object cannot hold for such a command; a tuple
#: of GateAtom when it can hold only if one of them holds; None when nothing is known.
GateFn = Callable[[str, int], "tuple[GateAtom, ...] | None"]


def _gate_none(program: str, features: int) -> None:
    return None


def _key_atoms(key: str, value: Any) -> tuple[GateAtom, ...] | None:
    """The atom of an ``args``/``paths`` key whose ``any`` list has a literal pre-check (the
    same literals as the compiled pre-check: the same helpers compute them), else None."""
    if key not in ("args", "paths") or not isinstance(value, Mapping) or not value.get("any"):
        return None
    cctx = CompileContext(None)  # type: ignore[arg-type]
    if key == "args":
        fexact, sources = _string_parts(value["any"], cctx, "any")
        got = _gate_literals(sources, fexact)
    else:
        got = getattr(_path_item_test(value["any"], cctx, ("any",)), "gate_literals", None)
    if got is None or cctx.issues:
        return None
    return (GateAtom(key, got[0], got[1]),)


def match_gate(match: Any) -> GateFn:
    """:data:`GateFn` of a built-in match object. Sound: whenever the object holds for a
    command, ``gate(command.program, command_features(command))`` is not ``()``, and when it
    is a tuple, one of its atoms holds for the command.

    A match object (AND) cannot hold when its :func:`program_filter` excludes the program or
    its :func:`required_features` are missing; otherwise the smallest gate of its keys
    (``args``/``paths`` ``any`` lists, and ``any_of``) is its gate. ``any_of`` (OR) is the
    union of its live branches' gates, None when some live branch has none. Other keys and
    plugin keys add nothing."""
    if not isinstance(match, Mapping):
        return _gate_none
    bound = program_filter(match)
    admits = None
    if bound is not None:
        glob_test = string_matcher(bound[1], CompileContext(None)) if bound[1] else None  # type: ignore[arg-type]
        admits = _admits(bound[0], glob_test)
    req = required_features(match)
    static = [a for a in (_key_atoms(k, v) for k, v in match.items()) if a]
    fixed = min(static, key=lambda g: sum(len(a.literals) for a in g)) if static else None
    branches = match.get("any_of")
    subs = tuple(match_gate(b) for b in _as_list(branches)) if branches else None
    if admits is None and not req and fixed is None and subs is None:
        return _gate_none

    def gate(program: str, features: int) -> tuple[GateAtom, ...] | None:
        if admits is not None and not admits(program):
            return ()
        if req and not req & features:
            return ()
        best = fixed
        if subs is not None:
            union: list[GateAtom] = []
            for g in subs:
                got = g(program, features)
                if got is None:
                    union = None  # type: ignore[assignment]
                    break
                union.extend(got)
            if union is not None:
                if not union:
                    return ()  # no branch can hold
                if best is None or len(union) < len(best):
                    best = tuple(union)
        return best

    return gate


@lru_cache(maxsize=4096)
def gate_test(atoms: tuple[GateAtom, ...]) -> Callable[["MatchContext"], bool] | None:
    """One test ``holds(mctx)``, True when some atom of ``atoms`` holds for the command: one
    literal search per haystack and case mode (arguments first: the paths need resolving).
    None when ``atoms`` is empty. Memoised: the engine asks for the same sets often."""
    groups: dict[tuple[str, bool], set[str]] = {}
    for a in atoms:
        groups.setdefault((a.haystack, a.ignorecase), set()).update(a.literals)
    if not groups:
        return None
    args_tests = tuple(literal_test(v, ignorecase=ic) for (hay, ic), v in sorted(groups.items()) if hay == "args")
    path_tests = tuple(literal_test(v, ignorecase=ic) for (hay, ic), v in sorted(groups.items()) if hay == "paths")

    def holds(m: "MatchContext") -> bool:
        if args_tests:
            text = m.joined_args
            for t in args_tests:
                if t(text):
                    return True
        if path_tests:
            text = m.joined_paths
            for t in path_tests:
                if t(text):
                    return True
        return False

    return holds


# ---- program-only verdicts ----------------------------------------------------------------

#: A verdict of a match object for one program name: True (holds for every command with that
#: name), False (holds for none), None (depends on more than the name).
ProgramVerdict = Callable[[str], "bool | None"]


def _verdict_none(name: str) -> None:
    return None


def program_verdict(match: Any, registry: MatcherRegistry) -> ProgramVerdict | None:
    """Compile what a match object says about a command from its program name alone:
    ``verdict(name)`` is True when the object holds for *every* command whose program is
    ``name``, False when it holds for none, None when other facts decide. Only the built-in
    ``program``, ``not`` and ``any_of`` keys (as registered by this module) give a verdict;
    every other key is None (unknown). Returns None when no name ever gives a verdict other
    than None. Used by the engine to drop a rule for programs that one of its ``unless``
    objects always exempts (e.g. ``unless: [{program: "@viewers"}]``): sound, because such a
    rule can never apply to a command of that program."""
    if not isinstance(match, Mapping) or not match:
        return None
    parts: list[ProgramVerdict] = []
    opaque = False
    for key, value in match.items():
        spec = registry.get(key)
        fn: ProgramVerdict | None = None
        if spec is None:
            opaque = True
            continue
        if key == "program" and spec.compile is _c_program:
            test = string_matcher(value, CompileContext(registry))
            fn = test  # bool for every name
        elif key == "not" and spec.compile is _c_not:
            inner = program_verdict(value, registry)
            if inner is not None:
                fn = _negate(inner)
        elif key == "any_of" and spec.compile is _c_any_of:
            branches = [program_verdict(b, registry) for b in _as_list(value)]
            fn = _any_verdict(tuple(b if b is not None else _verdict_none for b in branches))
            if all(b is None for b in branches):
                fn = None
        if fn is None:
            opaque = True
        else:
            parts.append(fn)
    if not parts:
        return None
    fns = tuple(parts)

    def verdict(name: str) -> bool | None:
        known = True
        for f in fns:
            v = f(name)
            if v is False:
                return False
            if v is None:
                known = False
        return True if known and not opaque else None

    return verdict


def program_patterns(match: Any, registry: MatcherRegistry) -> list[str]:
    """Every program pattern that :func:`program_verdict` of ``match`` looks at (the
    built-in ``program`` key, also inside ``not`` and ``any_of``), as written."""
    out: list[str] = []
    if not isinstance(match, Mapping):
        return out
    for key, value in match.items():
        spec = registry.get(key)
        if spec is None:
            continue
        if key == "program" and spec.compile is _c_program:
            out += [v for v in _as_list(value) if isinstance(v, str)]
        elif key == "not" and spec.compile is _c_not:
            out += program_patterns(value, registry)
        elif key == "any_of" and spec.compile is _c_any_of:
            for b in _as_list(value):
                out += program_patterns(b, registry)
    return out


def _negate(inner: ProgramVerdict) -> ProgramVerdict:
    def verdict(name: str) -> bool | None:
        v = inner(name)
        return None if v is None else not v

    return verdict


def _any_verdict(branches: tuple[ProgramVerdict, ...]) -> ProgramVerdict:
    def verdict(name: str) -> bool | None:
        unknown = False
        for b in branches:
            v = b(name)
            if v is True:
                return True
            if v is None:
                unknown = True
        return None if unknown else False

    return verdict


# ---- cheap pre-checks --------------------------------------------------------------------

F_ARGS, F_REDIRECTS, F_ASSIGN, F_MARKERS, F_PIPE, F_CONTEXT = 1, 2, 4, 8, 16, 32
_RARE_FIRST = (F_ASSIGN, F_REDIRECTS, F_PIPE, F_MARKERS, F_CONTEXT, F_ARGS)


def command_features(command: Command) -> int:
    """Bitmask of what a command has (arguments, redirects, assignments, markers, pipeline,
    context), for :func:`required_features`."""
    f = 0
    if len(command.argv) > 1:
        f |= F_ARGS
    if command.redirects:
        f |= F_REDIRECTS
    if command.assignments:
        f |= F_ASSIGN
    if command.markers:
        f |= F_MARKERS
    if command.pipeline is not None:
        f |= F_PIPE
    if command.context:
        f |= F_CONTEXT
    return f


def _key_features(key: str, value: Any) -> int:
    if key in ("args", "flags", "paths"):
        return F_ARGS if isinstance(value, Mapping) and (value.get("any") or value.get("all")) else 0
    if key == "subcommand":
        return F_ARGS
    if key == "redirects":
        return F_REDIRECTS
    if key == "assignments":
        return F_ASSIGN
    if key == "markers":
        return F_MARKERS if isinstance(value, Mapping) and (value.get("any") or value.get("all")) else 0
    if key == "context":
        return F_CONTEXT if isinstance(value, Mapping) and value.get("any") else 0
    if key in ("pipe_from", "pipe_to"):
        return F_PIPE
    if key == "any_of":
        branches = _as_list(value)
        reqs = [required_features(b) if isinstance(b, Mapping) else 0 for b in branches]
        if reqs and all(reqs):
            out = 0
            for r in reqs:
                out |= r
            return out
    return 0


def required_features(match: Mapping[str, Any]) -> int:
    """A sound necessary condition of a built-in match object: a bitmask such that the object
    can only hold for a command having at least one of those features (0: no condition).
    Keys from plugins never add a condition."""
    best = 0
    for key, value in match.items():
        req = _key_features(key, value)
        if req and (not best or _rank_req(req) < _rank_req(best)):
            best = req
    return best


def _best_req(reqs: Iterable[int]) -> int:
    best = 0
    for req in reqs:
        if req and (not best or _rank_req(req) < _rank_req(best)):
            best = req
    return best


def program_features(match: Mapping[str, Any]) -> Callable[[str], int | None]:
    """Like :func:`required_features`, per program name: ``needs(name)`` is the feature mask
    a command with program ``name`` must meet (0: none), or None when the object cannot hold
    for that program at all. Branches of a top-level ``any_of`` whose program bound (see
    :func:`program_filter`) excludes the name are dropped first, so ``any_of: [{program: [export],
    args: …}, {assignments: …}]`` needs assignments for every program but ``export``."""
    branches = match.get("any_of") if isinstance(match, Mapping) else None
    if not branches or not isinstance(branches, (list, tuple)):
        const = required_features(match)
        return lambda name: const
    others = [_key_features(k, v) for k, v in match.items() if k != "any_of"]
    parts: list[tuple[Callable[[str], bool] | None, int]] = []
    for b in branches:
        f = program_filter(b) if isinstance(b, Mapping) else None
        req = required_features(b) if isinstance(b, Mapping) else 0
        if f is None:
            parts.append((None, req))
        else:
            exact, globs = f
            glob_test = string_matcher(globs, CompileContext(None)) if globs else None  # type: ignore[arg-type]
            parts.append((_admits(exact, glob_test), req))

    def needs(name: str) -> int | None:
        live = [req for admits, req in parts if admits is None or admits(name)]
        if not live:
            return None
        any_req = 0
        if all(live):
            for r in live:
                any_req |= r
        return _best_req([*others, any_req])

    return needs


def _admits(exact: frozenset[str], glob_test: Callable[[str], bool] | None) -> Callable[[str], bool]:
    if glob_test is None:
        return exact.__contains__
    return lambda name: name in exact or glob_test(name)


def _rank_req(req: int) -> tuple[int, int]:
    bits = bin(req).count("1")
    rare = min(i for i, f in enumerate(_RARE_FIRST) if req & f)
    return (bits, rare)


# ---- the built-in keys --------------------------------------------------------------------

_STRINGS = {"$ref": "#/$defs/strings"}
_SET = {"$ref": "#/$defs/pattern_set"}
_MATCH = {"$ref": "#/$defs/match"}


def _c_program(value: Any, ctx: CompileContext) -> Predicate:
    test = string_matcher(value, ctx)
    return lambda command, m: test(command.program)


def _c_subcommand(value: Any, ctx: CompileContext) -> Predicate:
    wanted: list[tuple[str, ...]] = []
    for i, s in enumerate(_as_list(value)):
        words = tuple(s.split())
        if not words:
            ctx.error("subcommand must not be empty", i)
            continue
        wanted.append(words)
    wanted_t = tuple(wanted)

    def pred(command: Command, m: MatchContext) -> bool:
        sw = m.subcommand_words
        for w in wanted_t:
            if sw[: len(w)] == w:
                return True
        return False

    return pred


def _c_flags(value: Any, ctx: CompileContext) -> Predicate:
    return _string_set_test(value, ctx, lambda m: m.flags)


def _c_args(value: Any, ctx: CompileContext) -> Predicate:
    return _string_set_test(value, ctx, lambda m: m.args, lambda m: m.joined_args)


def _c_paths(value: Any, ctx: CompileContext) -> Predicate:
    return _set_test(value, ctx, lambda m: m.paths, _path_item_test, lambda m: m.joined_paths)


_MODES: Mapping[str, frozenset[RedirectMode]] = {
    "read": frozenset({RedirectMode.READ, RedirectMode.READWRITE}),
    "write": frozenset({RedirectMode.WRITE, RedirectMode.APPEND, RedirectMode.READWRITE}),
    "append": frozenset({RedirectMode.APPEND}),
    "readwrite": frozenset({RedirectMode.READWRITE}),
    "any": frozenset({RedirectMode.READ, RedirectMode.WRITE, RedirectMode.APPEND, RedirectMode.READWRITE}),
}


def _is_device(info: PathInfo) -> bool:
    return info.known and all(c in HARMLESS_DEVICES or c.startswith("/dev/fd/") for c in info.candidates)


def _c_redirects(value: Any, ctx: CompileContext) -> Predicate:
    modes: frozenset[RedirectMode] = frozenset()
    for mname in _as_list(value.get("mode", "any")):
        modes |= _MODES.get(mname, frozenset())
    target = _path_item_test(value["target"], ctx, ("target",)) if value.get("target") else None
    outside = value.get("outside_workspace")
    ws_out = _path_item_test("!$WORKSPACE", ctx, ())

    def pred(command: Command, m: MatchContext) -> bool:
        for r in command.redirects:
            if r.mode not in modes or r.target is None or r.heredoc or r.op == "<<<":
                continue
            if target is not None or outside is not None:
                w = r.target
                info = m.resolve(w.text, w.raw, w.dynamic)
                if target is not None and not target(info, m):
                    continue
                if outside is not None:
                    is_out = (not _is_device(info)) and ws_out(info, m)
                    if is_out != bool(outside):
                        continue
            return True
        return False

    return pred


def _c_assignments(value: Any, ctx: CompileContext) -> Predicate:
    test = string_matcher(value, ctx)
    return lambda command, m: any(test(a.name) for a in command.assignments)


def _c_markers(value: Any, ctx: CompileContext) -> Predicate:
    def conv(key: str) -> frozenset[Marker]:
        out = set()
        for i, v in enumerate(_as_list(value.get(key, ()))):
            try:
                out.add(Marker(v))
            except ValueError:
                ctx.error(f"unknown marker {v!r}", key, i)
        return frozenset(out)

    any_m, all_m, none_m = conv("any"), conv("all"), conv("none")

    def pred(command: Command, m: Any) -> bool:
        mk = command.markers
        if any_m and mk.isdisjoint(any_m):
            return False
        if all_m and not all_m <= mk:
            return False
        if none_m and not mk.isdisjoint(none_m):
            return False
        return True

    return pred


def _c_context(value: Any, ctx: CompileContext) -> Predicate:
    def conv(key: str) -> frozenset[Ctx]:
        out = set()
        for i, v in enumerate(_as_list(value.get(key, ()))):
            try:
                out.add(Ctx(v))
            except ValueError:
                ctx.error(f"unknown context {v!r}", key, i)
        return frozenset(out)

    any_c, none_c = conv("any"), conv("none")

    def pred(command: Command, m: Any) -> bool:
        cs = command.context
        if any_c and not any(c in any_c for c in cs):
            return False
        if none_c and any(c in none_c for c in cs):
            return False
        return True

    return pred


def _c_pipe(direction: int) -> Callable[[Any, CompileContext], Predicate]:
    def compile_(value: Any, ctx: CompileContext) -> Predicate:
        inner = ctx.compile_match(value)

        def pred(command: Command, m: MatchContext) -> bool:
            pos = command.pipeline
            if pos is None:
                return False
            line = m.line
            for j in line.pipeline_members(pos.id):
                other = line.commands[j].pipeline
                if other is None or j == m.index:
                    continue
                if (other.index - pos.index) * direction > 0 and inner(line.commands[j], line.context(j)):
                    return True
            return False

        return pred

    return compile_


def _c_line(value: Any, ctx: CompileContext) -> Predicate:
    inner = ctx.compile_match(value)

    def pred(command: Command, m: MatchContext) -> bool:
        line = m.line
        return any(inner(c, line.context(j)) for j, c in enumerate(line.commands))

    return pred


def _c_any_of(value: Any, ctx: CompileContext) -> Predicate:
    """Branches bounded to exact program names (see :func:`program_filter`) are only tried
    for those programs, branches bounded by globs only for names the globs match, and a
    branch is skipped when the command lacks every feature it needs (see
    :func:`required_features`); the others are tried for every command."""
    branches = _as_list(value)
    inners = tuple(ctx.compile_match(v, i) for i, v in enumerate(branches))
    filters = [program_filter(b) if isinstance(b, Mapping) else None for b in branches]
    needs = [required_features(b) if isinstance(b, Mapping) else 0 for b in branches]
    guards = [
        string_matcher(f[1], CompileContext(ctx.registry)) if f is not None and f[1] else None
        for f in filters
    ]
    # for a name that no branch lists exactly: unbounded branches, and glob-bounded ones
    # behind their glob test
    always = tuple(
        (p, n, g) for p, f, n, g in zip(inners, filters, needs, guards) if f is None or f[1]
    )
    by_name: dict[str, list[tuple[Predicate, int, Any]]] = {}
    for f in filters:
        if f is not None:
            for name in f[0]:
                by_name.setdefault(name, [])
    for p, f, n in zip(inners, filters, needs):
        for name in by_name:
            if f is None or f[1] or name in f[0]:
                by_name[name].append((p, n, None))
    table = {k: tuple(v) for k, v in by_name.items()}

    def pred(command: Command, m: Any) -> bool:
        program = command.program
        features = m.features
        for p, n, guard in table.get(program, always):
            if n and not n & features:
                continue
            if guard is not None and not guard(program):
                continue
            if p(command, m):
                return True
        return False

    return pred


def _c_not(value: Any, ctx: CompileContext) -> Predicate:
    inner = ctx.compile_match(value)
    return lambda command, m: not inner(command, m)


def _enum_set(values: Iterable[str], keys: Sequence[str]) -> dict[str, Any]:
    item = {"enum": sorted(values)}
    one = {"anyOf": [item, {"type": "array", "items": item, "minItems": 1}],
           "x-expected": "a name or a list of names"}  # fmt: skip
    return {
        "type": "object",
        "properties": {k: one for k in keys},
        "additionalProperties": False,
        "minProperties": 1,
    }


#: (key, schema fragment, compile, doc) of every built-in match key, in documentation order.
BUILTIN_MATCHERS: tuple[tuple[str, Mapping[str, Any], Callable[[Any, CompileContext], Predicate], str], ...] = (
    ("program", _STRINGS, _c_program, "the program name matches one of the names or globs"),
    ("subcommand", _STRINGS, _c_subcommand,
     "the first positional words (after global options) equal one of the strings"),
    ("flags", _SET, _c_flags, "normalised flags: {any, all, none} of the patterns"),
    ("args", _SET, _c_args, "arguments argv[1:]: {any, all, none} of the patterns"),
    ("paths", _SET, _c_paths, "non-flag arguments resolved as paths: {any, all, none}"),
    ("redirects", {
        "type": "object",
        "properties": {
            "mode": {"anyOf": [{"enum": sorted(_MODES)},
                               {"type": "array", "items": {"enum": sorted(_MODES)}, "minItems": 1}],
                     "x-expected": "one of any, append, read, readwrite, write or a list of them"},
            "target": _STRINGS,
            "outside_workspace": {"type": "boolean"},
        },
        "additionalProperties": False,
        "minProperties": 1,
    }, _c_redirects, "some file redirect has the mode, a matching target, and is outside/inside the workspace"),
    ("assignments", _STRINGS, _c_assignments, "some prefix assignment has a matching name"),
    ("markers", _enum_set((m.value for m in Marker), ("any", "all", "none")), _c_markers,
     "the command's markers: {any, all, none}"),
    ("context", _enum_set((c.value for c in Ctx), ("any", "none")), _c_context,
     "the command's context stack: {any, none}"),
    ("pipe_from", _MATCH, _c_pipe(-1), "an earlier stage of its pipeline matches"),
    ("pipe_to", _MATCH, _c_pipe(1), "a later stage of its pipeline matches"),
    ("line", _MATCH, _c_line, "some command of the line matches"),
    ("any_of", {"type": "array", "items": _MATCH, "minItems": 1}, _c_any_of,
     "at least one of the match objects holds"),
    ("not", _MATCH, _c_not, "the match object does not hold"),
)  # fmt: skip


@hookimpl
def policy_router_register_matchers(registry: MatcherRegistry) -> None:
    """Register the built-in match keys."""
    for key, schema, compile_, doc in BUILTIN_MATCHERS:
        registry.add(key, schema=schema, compile=compile_, doc=doc)
