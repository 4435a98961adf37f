"""The executing subcommands of ``policy-router``: ``run``, ``sandbox`` and ``config``.

``cli.py`` calls :func:`register` with its subparsers. Every handler returns an exit status:

====  =============================================================================
N     run: the command's own exit status
124   run: the command timed out (it was killed)
125   run: the sandbox is unavailable (daemon unreachable, image missing, API error);
      sandbox doctor: a check failed
126   run: the policy denied the command (the rule is named on stderr)
2     bad setting / policy (raised as ConfigError / PolicyError, mapped by cli.main)
====  =============================================================================
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .config import SETTINGS_DOC, Settings
from .decision import Mode
from .errors import CommandDenied, ConfigError, ExecutorError, SandboxUnavailableError

__all__ = ["register", "cmd_run", "cmd_config", "cmd_sandbox"]

EXIT_TIMEOUT = 124
EXIT_UNAVAILABLE = 125
EXIT_DENIED = 126

_IMAGES = {
    "basic": ("Dockerfile.basic", "policy-router-sandbox:basic"),
    "full": ("Dockerfile.full", "policy-router-sandbox:full"),
}


def _err(msg: str) -> None:
    print(f"policy-router: {msg}", file=sys.stderr, flush=True)


def _settings_from_args(args: argparse.Namespace, **extra: Any) -> Settings:
    cli: dict[str, Any] = {
        "mode": getattr(args, "mode", None),
        "policy": tuple(args.policy) if getattr(args, "policy", None) else None,
        "timeout": getattr(args, "timeout", None),
        "sandbox_image": getattr(args, "image", None),
    }
    cli.update(extra)
    return Settings.load(cli, cwd=getattr(args, "cwd", None) or None)


def _rules_text(ev: Any) -> str:
    parts = [f"{m.rule_id} ({m.location})" if m.location else m.rule_id for m in ev.deciding]
    return ", ".join(parts) or "policy default"


def cmd_run(args: argparse.Namespace) -> int:
    """Decide CMD, say so on stderr (unless -q), run it, exit with its status."""
    from .router import Router

    words = list(args.cmd)
    if words and words[0] == "--":
        words = words[1:]
    if not words:
        args.usage_error("run: a command is required after --")
    cmd = " ".join(words)
    cwd = os.path.abspath(args.cwd) if args.cwd else os.getcwd()
    settings = _settings_from_args(args)
    out_stream = sys.stdout.buffer
    err_stream = sys.stderr.buffer

    def on_out(b: bytes) -> None:
        out_stream.write(b)
        out_stream.flush()

    def on_err(b: bytes) -> None:
        err_stream.write(b)
        err_stream.flush()

    # SIGTERM unwinds like Ctrl-C does, so the Router closes (and removes its containers).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    with Router(settings=settings) as router:
        ev = router.decide(cmd, cwd=cwd)
        if not args.quiet and not args.json and ev.decision.value != "deny":
            _err(f"{ev.decision.value} by {_rules_text(ev)}" + (f" [profile {ev.profile}]" if ev.decision.value == "sandbox" and ev.profile else ""))
        try:
            outcome = router.run(
                cmd, cwd=cwd, on_stdout=None if args.json else on_out, on_stderr=None if args.json else on_err
            )
        except CommandDenied as exc:
            if args.json:
                print(json.dumps({"denied": True, "evaluation": exc.evaluation.to_dict()}, indent=2))
            _err(f"denied by {_rules_text(exc.evaluation)}: nothing was run")
            return EXIT_DENIED
        except SandboxUnavailableError as exc:
            _err(f"sandbox unavailable, nothing was run: {exc}")
            return EXIT_UNAVAILABLE
    if args.json:
        print(json.dumps(outcome.to_dict(), indent=2))
    if outcome.timed_out:
        if not args.quiet:
            _err(f"timed out after {outcome.duration:.1f}s; the command was killed")
        return EXIT_TIMEOUT
    for name, flag in (("stdout", outcome.stdout_truncated), ("stderr", outcome.stderr_truncated)):
        if flag and args.json and not args.quiet:
            _err(f"{name} was truncated at {settings.output_cap} bytes")
    return outcome.exit_code


def cmd_config(args: argparse.Namespace) -> int:
    """Print every effective setting, its value and where it came from."""
    settings = Settings.load(cwd=args.cwd or None)
    if args.json:
        print(json.dumps({"config_file": settings.config_file, "settings": settings.to_dict()}, indent=2))
        return 0
    print(f"config file: {settings.config_file or '(none found)'}")
    width = max(len(n) for n in SETTINGS_DOC)
    for name, value, source in settings.items():
        if isinstance(value, Mode):
            value = value.value
        elif isinstance(value, tuple):
            value = ":".join(value) or "(shipped default)"
        elif value is None:
            value = "(unset)"
        print(f"{name:<{width}}  {value!s:<32}  {source}")
    return 0


# -- sandbox ---------------------------------------------------------------------------------
def _sandbox_dir() -> Path:
    here = Path(__file__).resolve()
    for cand in (Path.cwd() / "sandbox", here.parents[2] / "sandbox"):
        if (cand / "build-rootfs.sh").is_file():
            return cand
    raise ConfigError("cannot find the sandbox/ directory (run from the policy-router checkout)")


def _executor(settings: Settings) -> Any:
    from .executors.docker import DockerExecutor

    return DockerExecutor(
        ttl=settings.sandbox_ttl, auto_pull=settings.sandbox_auto_pull, cleanup=True,
        docker_host=settings.docker_host, reap_on_start=False,
    )


def cmd_sandbox_build(args: argparse.Namespace) -> int:
    """Build a sandbox image: basic/full from their Dockerfiles (SDK, needs the base image or a
    registry), test/mini (and basic --rootfs) registry-free with sandbox/build-rootfs.sh."""
    d = _sandbox_dir()
    if args.tier in ("test", "mini") or (args.tier == "basic" and args.rootfs):
        env = dict(os.environ, FORCE="1" if args.force else "0")
        return subprocess.call(["bash", str(d / "build-rootfs.sh"), args.tier], env=env)
    dockerfile, tag = _IMAGES[args.tier]
    settings = Settings.load()
    ex = _executor(settings)
    try:
        api = ex.client().api
        for ev in api.build(path=str(d), dockerfile=dockerfile, tag=tag, decode=True, rm=True, pull=False):
            if "stream" in ev:
                sys.stderr.write(ev["stream"])
            if "error" in ev:
                _err(f"build of {tag} failed: {ev['error']}")
                return 1
    except ExecutorError as exc:
        _err(str(exc))
        return EXIT_UNAVAILABLE
    except Exception as exc:  # noqa: BLE001 - docker SDK errors
        _err(f"build of {tag} failed: {exc}")
        return 1
    _err(f"built {tag}")
    return 0


def cmd_sandbox_list(args: argparse.Namespace) -> int:
    """List our containers (label policy-router.managed=1) and policy-router-sandbox images."""
    from .executors.docker import list_managed

    ex = _executor(Settings.load())
    try:
        client = ex.client()
        rows = list_managed(client)
        images = [
            {"tags": img.get("RepoTags") or [], "id": img["Id"], "size": img.get("Size", 0)}
            for img in client.api.images()
            if any(t.startswith("policy-router-sandbox") for t in (img.get("RepoTags") or []))
        ]
    except ExecutorError as exc:
        _err(str(exc))
        return EXIT_UNAVAILABLE
    if args.json:
        print(json.dumps({"containers": rows, "images": images}, indent=2))
        return 0
    print("containers:" if rows else "containers: none")
    for r in rows:
        alive = {True: "alive", False: "DEAD (orphan)", None: "other host"}[r["owner_alive"]]
        print(f"  {r['id'][:12]}  {r['state']:<8} {r['image']:<32} profile={r['profile']} owner={r['owner']} ({alive}) workspace={r['workspace']}")
    print("images:" if images else "images: none")
    for i in images:
        print(f"  {', '.join(i['tags']):<40} {i['size'] / 1e6:7.1f} MB")
    return 0


def cmd_sandbox_prune(args: argparse.Namespace) -> int:
    """Remove orphaned containers (owner process dead); ``--all`` removes every one of ours."""
    from .executors.docker import reap_orphans

    ex = _executor(Settings.load())
    try:
        removed = reap_orphans(ex.client(), everything=args.all)
    except ExecutorError as exc:
        _err(str(exc))
        return EXIT_UNAVAILABLE
    print(f"removed {len(removed)} container(s)")
    for cid in removed:
        print(f"  {cid[:12]}")
    return 0


def cmd_sandbox_doctor(args: argparse.Namespace) -> int:
    """Check: daemon reachable, image present, a hardened container starts and is hardened."""
    from .executors.base import ExecRequest, SandboxSpec

    settings = Settings.load()
    image = args.image or settings.sandbox_image
    ok = True

    def report(good: bool, what: str, detail: str = "") -> None:
        nonlocal ok
        ok = ok and good
        print(f"[{'ok' if good else 'FAIL'}] {what}" + (f": {detail}" if detail else ""))

    ex = _executor(settings)
    try:
        try:
            client = ex.client()
            v = client.version()
            report(True, "docker daemon reachable", f"{ex.host} (engine {v.get('Version')}, API {v.get('ApiVersion')})")
        except ExecutorError as exc:
            report(False, "docker daemon reachable", str(exc))
            return EXIT_UNAVAILABLE
        try:
            client.api.inspect_image(image)
            report(True, "sandbox image present", image)
        except Exception:  # noqa: BLE001
            report(False, "sandbox image present", f"{image} is not present locally (policy-router sandbox build …)")
            return EXIT_UNAVAILABLE
        ws = os.path.realpath(args.workspace or os.getcwd())
        spec = SandboxSpec(image=image, profile="doctor", pids=settings.sandbox_pids, memory=settings.sandbox_memory,
                           cpus=settings.sandbox_cpus, user=settings.sandbox_user, shell="/bin/sh")
        probe = (
            "id -u; grep CapEff /proc/self/status; ls /sys/class/net; "
            "touch /policy-router-doctor 2>/dev/null && echo ROOT_WRITABLE || echo ROOT_READONLY"
        )
        try:
            t0 = time.monotonic()
            out = ex.run(ExecRequest(probe, workspace=ws, sandbox=spec, timeout=60))
            report(True, "hardened container starts", f"{time.monotonic() - t0:.2f}s")
        except ExecutorError as exc:
            report(False, "hardened container starts", str(exc))
            return EXIT_UNAVAILABLE
        lines = out.stdout_text.split()
        uid = lines[0] if lines else "?"
        report(uid not in ("0", "?"), "runs as non-root", f"uid {uid}")
        cap = next((lines[i + 1] for i, w in enumerate(lines) if w == "CapEff:" and i + 1 < len(lines)), "?")
        report(cap.strip("0") == "" and cap != "?", "no capabilities", f"CapEff {cap}")
        nets = [w for w in lines[3:] if not w.startswith("ROOT_")]
        report(nets == ["lo"], "no network but loopback", " ".join(nets))
        report("ROOT_READONLY" in lines, "read-only root filesystem")
    finally:
        ex.close()
    return 0 if ok else EXIT_UNAVAILABLE


def cmd_sandbox(args: argparse.Namespace) -> int:  # pragma: no cover - dispatch only
    return args.sandbox_func(args)


# -- registration ----------------------------------------------------------------------------
def register(subparsers: Any) -> None:
    """Add ``run``, ``sandbox`` and ``config`` to ``policy-router``'s subparsers."""
    p = subparsers.add_parser(
        "run",
        help="decide a command and run it locally or in the sandbox",
        description="Decide CMD under the policy, print the decision on stderr, run it where the "
        "policy says and exit with its status (126 denied, 125 sandbox unavailable, 124 timeout).",
        epilog="example:\n  policy-router run --mode sandbox -- 'id -u; touch /etc/x'\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--mode", choices=[m.value for m in Mode], help="execution mode (default: setting `mode`)")
    p.add_argument("--timeout", type=float, metavar="S", help="kill the command after S seconds")
    p.add_argument("--cwd", metavar="DIR", help="working directory (default: the current one)")
    p.add_argument("--policy", action="append", metavar="PATH", help="policy file (repeatable, layered in order)")
    p.add_argument("--image", metavar="IMAGE", help="sandbox image (overrides the profiles' images)")
    p.add_argument("--json", action="store_true", help="capture output and print the Outcome as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="do not print the decision on stderr")
    p.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD", help="the command line")
    p.set_defaults(func=cmd_run, usage_error=p.error)

    p = subparsers.add_parser("sandbox", help="build, list, prune and check sandbox images and containers")
    sp = p.add_subparsers(dest="sandbox_command", metavar="ACTION")
    sp.required = True
    b = sp.add_parser("build", help="build an image: basic|full (Dockerfile) or test|mini (registry-free)")
    b.add_argument("tier", choices=["basic", "full", "test", "mini"])
    b.add_argument("--force", action="store_true", help="rebuild test/mini/--rootfs images even if present")
    b.add_argument("--rootfs", action="store_true",
                   help="basic only: build registry-free from Debian packages (debootstrap + docker import)")
    b.set_defaults(func=cmd_sandbox_build)
    ls = sp.add_parser("list", help="our containers and images")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_sandbox_list)
    pr = sp.add_parser("prune", help="remove orphaned containers (--all: every container of ours)")
    pr.add_argument("--all", action="store_true")
    pr.set_defaults(func=cmd_sandbox_prune)
    d = sp.add_parser("doctor", help="check daemon, image and hardening with a throwaway container")
    d.add_argument("--image", metavar="IMAGE", help="image to check (default: setting sandbox_image)")
    d.add_argument("--workspace", metavar="DIR", help="workspace to mount (default: cwd)")
    d.set_defaults(func=cmd_sandbox_doctor)

    p = subparsers.add_parser("config", help="show the effective settings and where each came from")
    p.add_argument("--json", action="store_true")
    p.add_argument("--cwd", metavar="DIR", help="search the config file from DIR (default: cwd)")
    p.set_defaults(func=cmd_config)
