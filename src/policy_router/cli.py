"""The ``policy-router`` command line: ``explain``, ``validate``, ``test``, ``schema``.

``cli_exec.register(subparsers)`` adds ``run``, ``sandbox`` and ``config`` when that module is
importable. Every subcommand handler returns an exit status; :func:`main` maps exceptions to
the documented exit codes (docs/cli.md):

====  ==========================================================================
0     success (explain: a decision was printed; validate: policy ok; test: all passed)
1     test: at least one case failed
2     usage error; invalid policy / test file / config / plugin (message on stderr)
10    explain --exit-code: the decision is ``sandbox``
11    explain --exit-code: the decision is ``deny``
70    internal error (one line; traceback with POLICY_ROUTER_DEBUG=1)
124   execution timeout (run)
125   executor error, e.g. Docker unavailable (run)
126   command denied (run)
130   interrupted (Ctrl-C)
141   stdout closed early (broken pipe), no message
====  ==========================================================================
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import IO, Any, Callable, Sequence

from . import __version__
from .decision import Decision, Mode
from .errors import PolicyRouterError

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_TEST_FAILED", "EXIT_USAGE", "EXIT_DECISION", "EXIT_INTERNAL"]

EXIT_OK = 0
EXIT_TEST_FAILED = 1
EXIT_USAGE = 2
#: ``explain --exit-code``: the status for each decision.
EXIT_DECISION: dict[Decision, int] = {Decision.LOCAL: 0, Decision.SANDBOX: 10, Decision.DENY: 11}
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

_PROG = "policy-router"


# --------------------------------------------------------------------------- helpers



def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"

def _settings(cli_values: dict[str, Any], cwd: str | None) -> Any:
    """The effective Settings (CLI > env > config file > defaults), as ``run`` sees them, or
    None when policy_router.config is not installed."""
    try:
        from .config import Settings
    except ImportError:
        return None
    return Settings.load(cli_values, cwd=cwd)


def _policy_paths(cli_paths: Sequence[str] | None, *, cwd: str | None = None) -> list[str] | None:
    """--policy paths, else the ``policy`` setting (POLICY_ROUTER_POLICY, ":"-separated, or the
    config file), else None (the shipped default). The same resolution ``run`` uses, so
    ``explain`` explains the policy that ``run`` enforces."""
    if cli_paths:
        return list(cli_paths)
    settings = _settings({}, cwd)
    if settings is not None:
        return [str(p) for p in settings.policy] or None
    try:
        from .policy import policy_paths_from_env
    except ImportError:
        raw = os.environ.get("POLICY_ROUTER_POLICY", "")
        env_paths = [p for p in raw.split(":") if p]
    else:
        env_paths = list(policy_paths_from_env(os.environ) or [])
    return [str(p) for p in env_paths] or None


def _explain_defaults(args: argparse.Namespace) -> tuple[Mode, str | None]:
    """mode and workspace for explain: the flags, else the settings (env / config file), else auto/None."""
    settings = _settings({"mode": args.mode, "workspace": args.workspace}, args.cwd)
    if settings is None:
        return Mode(args.mode or "auto"), args.workspace
    return Mode(settings.mode), settings.workspace


def _plugin_manager() -> Any:
    from .plugins import get_plugin_manager

    return get_plugin_manager()


def _load_policy(paths: Sequence[str] | None, pm: Any) -> Any:
    from .policy import load_policy

    return load_policy(paths, pm=pm)


def _resolved_policy_files(paths: Sequence[str] | None) -> list[Path]:
    """The policy files a load of ``paths`` reads (directories expand to *.yaml/*.yml)."""
    if not paths:
        from .policy import default_policy_path

        paths = [str(default_policy_path())]
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files.extend(sorted(q for q in p.iterdir() if q.suffix in (".yaml", ".yml") and q.is_file()))
        else:
            files.append(p)
    return files


def _policy_sources(policy: Any, paths: Sequence[str] | None) -> list[Path]:
    """The files the loaded policy came from (``Policy.sources``), else the resolved ``paths``."""
    sources = getattr(policy, "sources", None)
    if sources:
        return [Path(s) for s in sources]
    return _resolved_policy_files(paths)


class _Explainer:
    """Holds the loaded policy and the engine: built once, used for every line."""

    def __init__(self, paths: Sequence[str] | None) -> None:
        from .engine import Engine
        from .shell import parse

        pm = _plugin_manager()
        self.policy = _load_policy(paths, pm)
        self.engine = Engine(self.policy, pm=pm)
        self.parse = parse

    def evaluate(self, cmd: str, *, mode: Mode, cwd: str | None, workspace: str | None) -> Any:
        return self.engine.evaluate(self.parse(cmd), mode=mode, cwd=cwd, workspace=workspace)


def _write(stream: IO[str], text: str) -> None:
    stream.write(text)
    if not text.endswith("\n"):
        stream.write("\n")


# --------------------------------------------------------------------------- explain


def _explain_batch(args: argparse.Namespace, explainer: _Explainer, stdin: IO[str], stdout: IO[str]) -> int:
    """JSON Lines in, JSON Lines out. Returns the strictest decision's exit code (errors count as deny)."""
    from .explain import evaluation_to_data

    worst = Decision.LOCAL
    source = getattr(stdin, "buffer", stdin)  # read bytes when we can: bad UTF-8 is one bad line
    for n, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        out: dict[str, Any]
        try:
            req = _batch_request(raw, args)
        except ValueError as exc:
            out = {"error": {"code": "bad-input", "message": str(exc)}, "line": n}
            worst = Decision.DENY
        else:
            try:
                ev = explainer.evaluate(req["cmd"], mode=req["mode"], cwd=req["cwd"], workspace=req["workspace"])
            except PolicyRouterError as exc:
                out = {"error": {"code": exc.code, "message": str(exc)}, "line": n}
                worst = Decision.DENY
            except Exception as exc:  # fail closed per line; the batch goes on
                out = {"error": {"code": "internal", "message": f"{type(exc).__name__}: {exc}"}, "line": n}
                worst = Decision.DENY
                if os.environ.get("POLICY_ROUTER_DEBUG") == "1":
                    traceback.print_exc()
            else:
                out = evaluation_to_data(ev, trace=args.trace)
                out["line"] = n
                if req["id"] is not None:
                    out["id"] = req["id"]
                worst = max(worst, ev.decision)
        stdout.write(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n")
        stdout.flush()
    return EXIT_DECISION[worst] if args.exit_code else EXIT_OK


def _batch_request(raw: str | bytes, args: argparse.Namespace) -> dict[str, Any]:
    """Parse one batch line into cmd/mode/cwd/workspace/id, or raise ValueError saying why."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8: byte {exc.start + 1}") from None
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg} at column {exc.colno}") from None
    req: dict[str, Any] = {"mode": args.mode, "cwd": args.cwd, "workspace": args.workspace, "id": None}
    if isinstance(obj, str):
        req["cmd"] = obj
        return req
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON string or an object with \"cmd\" (got {type(obj).__name__})")
    unknown = sorted(set(obj) - {"cmd", "cwd", "mode", "workspace", "id"})
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)} (expected cmd, cwd, mode, workspace, id)")
    if not isinstance(obj.get("cmd"), str):
        raise ValueError(f"\"cmd\" must be a string (got {obj.get('cmd')!r})")
    req["cmd"] = obj["cmd"]
    if "mode" in obj:
        try:
            req["mode"] = Mode(obj["mode"])
        except ValueError:
            raise ValueError(f"\"mode\" must be one of auto, local, sandbox (got {obj['mode']!r})") from None
    for key in ("cwd", "workspace"):
        if key in obj:
            if obj[key] is not None and not isinstance(obj[key], str):
                raise ValueError(f"\"{key}\" must be a string (got {obj[key]!r})")
            req[key] = obj[key]
    if "id" in obj:
        req["id"] = obj["id"]
    return req


def cmd_explain(args: argparse.Namespace) -> int:
    """Handler of ``explain``: print the decision tree (or JSON) of one command or a batch."""
    from .explain import render_json, render_text, use_color

    stdout = sys.stdout
    words = list(args.cmd)
    if words[:1] == ["--"]:
        words = words[1:]
    if not words:
        args.usage_error("the following arguments are required: CMD")
    args.cmd = words
    explainer = _Explainer(_policy_paths(args.policy, cwd=args.cwd))
    args.mode, args.workspace = _explain_defaults(args)
    if args.cmd == ["-"]:
        return _explain_batch(args, explainer, sys.stdin, stdout)
    cmd = " ".join(args.cmd)
    ev = explainer.evaluate(cmd, mode=args.mode, cwd=args.cwd, workspace=args.workspace)
    if args.json:
        _write(stdout, render_json(ev, trace=args.trace))
    else:
        _write(stdout, render_text(ev, color=use_color(stdout), trace=args.trace))
    return EXIT_DECISION[ev.decision] if args.exit_code else EXIT_OK


# --------------------------------------------------------------------------- validate


def cmd_validate(args: argparse.Namespace) -> int:
    """Handler of ``validate``: load the policy (examples checked) and print a one-line summary."""
    paths = _policy_paths(list(args.paths) + list(args.policy or []))
    policy = _load_policy(paths, _plugin_manager())
    files = _policy_sources(policy, paths)
    n_rules = len(getattr(policy, "rules", ()))
    print(f"ok: {_plural(n_rules, 'rule')} from {_plural(len(files), 'file')}")
    return EXIT_OK


# --------------------------------------------------------------------------- test


def cmd_test(args: argparse.Namespace) -> int:
    """Handler of ``test``: rule examples (checked by the load) plus policy test files."""
    from .policytest import default_test_dirs, discover_test_files, engine_evaluator, load_cases, run_cases

    paths = _policy_paths(args.policy)
    explainer = _Explainer(paths)
    n_rules = len(getattr(explainer.policy, "rules", ()))
    targets: list[str | Path] = list(args.tests) or list(default_test_dirs(_policy_sources(explainer.policy, paths)))
    files = discover_test_files(targets)
    cases = load_cases(files)
    print(f"policy: {n_rules} rules, examples ok")
    if not files:
        print("no policy test files found (looked in: " + ", ".join(str(t) for t in targets) + ")", file=sys.stderr)
    started = time.perf_counter()
    report = run_cases(cases, engine_evaluator(explainer.engine, explainer.parse))
    elapsed = time.perf_counter() - started
    for r in report.results:
        if r.passed:
            if args.verbose:
                print(f"PASS {r.case.location}: {r.case.name}")
            continue
        print(f"FAIL {r.case.location}: {r.case.name}")
        print(f"     cmd: {r.case.cmd}")
        for f in r.failures:
            print(f"     {f}")
        if r.decision is not None:
            print(f"     deciding: {', '.join(r.deciding) or '(policy defaults)'}")
    print(f"{report.summary()} ({_plural(len(files), 'file')}, {elapsed:.2f}s)")
    return EXIT_OK if report.ok else EXIT_TEST_FAILED


# --------------------------------------------------------------------------- schema


def _schema_data() -> Any:
    """The policy JSON Schema, from policy_router.policy.schema if present, else the package data."""
    try:
        from .policy import schema  # type: ignore[attr-defined]
    except ImportError:
        schema = None
    if callable(schema):
        schema = schema(_plugin_manager())
    if isinstance(schema, dict):
        return schema
    if isinstance(schema, str):
        return json.loads(schema)
    from importlib import resources

    return json.loads(resources.files("policy_router").joinpath("policy/schema.json").read_text("utf-8"))


def cmd_schema(args: argparse.Namespace) -> int:
    """Handler of ``schema``: print the policy JSON Schema (indent 2)."""
    print(json.dumps(_schema_data(), indent=2, ensure_ascii=False))
    return EXIT_OK


# --------------------------------------------------------------------------- parser

_MAIN_EPILOG = """\
examples:
  policy-router explain 'curl -fsSL https://example.invalid/i.sh | sh'
  policy-router explain --json --policy team.yaml 'git push --force'
  policy-router validate policies/
  policy-router test --policy policies/default.yaml policies/tests/
  policy-router schema > policy-v1.json

exit codes: 0 ok, 1 test failures, 2 usage or invalid policy/config/plugin,
10/11 explain --exit-code sandbox/deny, 70 internal error, 124 timeout,
125 executor error, 126 denied, 130 interrupted. See docs/cli.md.
"""

_EXPLAIN_EPILOG = """\
examples:
  policy-router explain 'ls -la && git status'
  policy-router explain --json rm -rf build     # options first; the words after are the command
  policy-router explain --json --trace 'r""m -rf ~'
  policy-router explain --mode sandbox --cwd ~/proj --workspace ~/proj 'make test'
  policy-router explain --exit-code 'git push' || echo "not local: $?"
  printf '%s\\n' '"ls"' '{"cmd": "rm -rf /", "mode": "sandbox", "id": 7}' \\
    | policy-router explain -                   # JSON Lines in, JSON Lines out

--exit-code: 0 local, 10 sandbox, 11 deny (batch: the strictest line; a bad line counts as deny).
"""

_VALIDATE_EPILOG = """\
examples:
  policy-router validate                         # POLICY_ROUTER_POLICY or the shipped default
  policy-router validate policies/default.yaml team.yaml
  policy-router validate policies/               # a directory loads its *.yaml in name order

prints "ok: N rules from M files", or every error as file:line:col: code: message (exit 2).
"""

_TEST_EPILOG = """\
examples:
  policy-router test                             # default policy + the tests/ dir next to it
  policy-router test --policy team.yaml          # team.yaml + the tests/ dir next to it
  policy-router test --policy team.yaml cases/ more.yaml

a test file is a YAML list of {cmd, decision, rule?, matches?, mode?, cwd?, workspace?, name?};
see docs/cli.md. Exit 1 when a case fails, 2 when the policy or a test file is invalid.
"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keep epilog layout; show defaults."""


def _add_policy_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--policy",
        "-p",
        action="append",
        metavar="PATH",
        help="policy file or directory (repeatable, layered in order); "
        "default: $POLICY_ROUTER_POLICY (':'-separated) or the shipped default",
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the argparse parser with every subcommand (including cli_exec's, when present)."""
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Decide per shell command whether it runs locally, in a sandbox, or not at all.",
        epilog=_MAIN_EPILOG,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"{_PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser(
        "explain",
        help="show the decision for a command and every rule behind it",
        description="Parse a command, evaluate the policy and explain the decision.",
        epilog=_EXPLAIN_EPILOG,
        formatter_class=_Formatter,
    )
    p.add_argument(
        "cmd",
        nargs=argparse.REMAINDER,
        metavar="CMD",
        help="the command; options go before it, every word after it is part of the command "
        "(words joined with spaces); '-' alone reads JSON Lines from stdin",
    )
    p.add_argument("--json", action="store_true", help="print the evaluation as JSON")
    p.add_argument("--trace", action="store_true", help="include the evaluation trace")
    _add_policy_option(p)
    p.add_argument(
        "--mode",
        choices=[m.value for m in Mode],
        help="execution mode (default: the `mode` setting: POLICY_ROUTER_MODE or the config file, else auto)",
    )
    p.add_argument("--cwd", metavar="DIR", help="working directory for resolving relative paths (and finding the config file)")
    p.add_argument("--workspace", metavar="DIR", help="workspace directory ($WORKSPACE in rules; default: the `workspace` setting)")
    p.add_argument("--exit-code", action="store_true", help="exit 0 local, 10 sandbox, 11 deny")
    p.set_defaults(func=cmd_explain, usage_error=p.error)

    p = sub.add_parser(
        "validate",
        help="check policy files and report every error as file:line:col",
        description="Load policy files (schema, references, rule examples) and report every error.",
        epilog=_VALIDATE_EPILOG,
        formatter_class=_Formatter,
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="policy files or directories, layered in order")
    _add_policy_option(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "test",
        help="run rule examples and policy test files",
        description="Load the policy (which checks every rule's examples), then run policy test files.",
        epilog=_TEST_EPILOG,
        formatter_class=_Formatter,
    )
    p.add_argument(
        "tests",
        nargs="*",
        metavar="TESTFILE|DIR",
        help="test files or directories of *.yaml (default: the tests/ directory next to each policy file)",
    )
    _add_policy_option(p)
    p.add_argument("-v", "--verbose", action="store_true", help="also list passing cases")
    p.set_defaults(func=cmd_test)

    p = sub.add_parser(
        "schema",
        help="print the policy JSON Schema",
        description="Print the JSON Schema (draft 2020-12) of a policy file.",
        epilog="example:\n  policy-router schema > policy-v1.json\n",
        formatter_class=_Formatter,
    )
    p.set_defaults(func=cmd_schema)

    try:
        from .cli_exec import register  # type: ignore[import-not-found]
    except ImportError:
        register = None
    if register is not None:
        register(sub)
    return parser


def _error(msg: str) -> None:
    print(f"{_PROG}: error: {msg}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit status (see the module docstring and docs/cli.md)."""
    debug = os.environ.get("POLICY_ROUTER_DEBUG") == "1"
    for stream in (sys.stdout, sys.stderr):
        # Lone surrogates (undecodable argv bytes, "\ud800" in JSON input) print as \udXXXX
        # escapes instead of aborting the run; inside a JSON string that escape is valid JSON.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version (0) or usage (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    handler: Callable[[argparse.Namespace], int] = args.func
    try:
        return int(handler(args))
    except SystemExit as exc:  # a handler's usage error (parser.error)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except PolicyRouterError as exc:
        _error(str(exc))
        if debug:
            traceback.print_exc()
        return int(getattr(exc, "exit_code", 1))
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); stay quiet, like other Unix tools.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141
    except Exception as exc:  # internal error: one line, traceback only when debugging
        hint = "" if debug else " (set POLICY_ROUTER_DEBUG=1 for a traceback)"
        _error(f"internal error: {type(exc).__name__}: {exc}{hint}")
        if debug:
            traceback.print_exc()
        return EXIT_INTERNAL

