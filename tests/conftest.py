"""Shared fixtures.

* ``docker_client``  a reachable docker engine. When it is not reachable the test is
  **failed** if ``CI=true`` (the CI setup, scripts/ci-docker.sh, must provide one) and
  skipped otherwise.
* ``sandbox_image``  the registry-free test image ``policy-router-sandbox:test`` (built by
  sandbox/build-rootfs.sh when missing; same fail/skip rule).
* ``workspace``      a fresh directory the sandbox user (65534) may write to.
* ``make_router``    builds a Router over the test policy below with the given settings.
  It uses the real parser + engine when they are importable, else a small stand-in engine
  that decides by program name with the same tables (so Router tests do not depend on the
  engine's progress).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterator

import pytest

REPO = Path(__file__).resolve().parents[1]
TEST_IMAGE = "policy-router-sandbox:test"
IN_CI = os.environ.get("CI", "").lower() == "true"

#: The test policy: these programs run locally, these are denied, everything else is sandboxed.
LOCAL_PROGRAMS = ("ls", "echo", "true", "false", "pwd", "printf")
DENY_PROGRAMS = ("shutdown", "mkfs")

TEST_POLICY_YAML = f"""\
version: 1
defaults:
  decision: sandbox
  on_parse_error: sandbox
  on_dynamic: sandbox
  on_sandbox_unavailable: deny
  profile: test
profiles:
  test:
    image: {TEST_IMAGE}
    network: false
    memory: 256m
    cpus: 1.0
    pids: 64
    user: "65534:65534"
  netted:
    image: {TEST_IMAGE}
    network: true
    memory: 256m
    cpus: 1.0
    pids: 64
    user: "65534:65534"
rules:
  - id: local-harmless
    description: harmless programs run on the host
    decision: local
    match: {{program: [{", ".join(f'"{p}"' for p in LOCAL_PROGRAMS)}]}}
  - id: deny-destructive
    description: never run these
    decision: deny
    match: {{program: [{", ".join(f'"{p}"' for p in DENY_PROGRAMS)}]}}
"""


def _fail_or_skip(msg: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true but {msg} (run `bash scripts/ci-docker.sh` first)", pytrace=False)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    try:
        import docker

        client = docker.from_env(timeout=60)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means: no engine
        _fail_or_skip(f"the docker engine is not reachable: {exc}")
    yield client
    client.close()


@pytest.fixture(scope="session")
def sandbox_image(docker_client: Any) -> str:
    try:
        docker_client.api.inspect_image(TEST_IMAGE)
        return TEST_IMAGE
    except Exception:  # noqa: BLE001
        pass
    res = subprocess.run(
        ["bash", str(REPO / "sandbox" / "build-rootfs.sh"), "test"], capture_output=True, text=True
    )
    if res.returncode != 0:
        _fail_or_skip(f"cannot build {TEST_IMAGE}: {res.stderr[-2000:]}")
    return TEST_IMAGE


@pytest.fixture
def test_policy_yaml() -> str:
    """The text of the test policy (for CLI tests that pass it with --policy)."""
    return TEST_POLICY_YAML


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    ws.chmod(0o777)  # the sandbox user 65534 writes here
    return ws.resolve()


# -- a Router over the test policy ------------------------------------------------------------
def _real_stack() -> tuple[Callable[..., Any], Callable[..., Any]] | None:
    try:
        from policy_router.engine import Engine  # noqa: F401
        from policy_router.policy import load_policy
        from policy_router.shell import parse  # noqa: F401
    except ImportError:
        return None
    return load_policy, Engine


class StandInEngine:
    """Decides by program name with the test policy's tables (used only while the real
    engine is not importable). Returns real :class:`Evaluation` objects."""

    def __init__(self, policy: Any):
        self.policy = policy

    def evaluate(
        self, parsed: Any, *, mode: Any, cwd: Any = None, workspace: Any = None, trace: bool = False
    ) -> Any:
        from policy_router.decision import CommandVerdict, Decision, Evaluation, RuleMatch

        verdicts, deciding = [], []
        for i, c in enumerate(parsed.commands):
            if c.program in DENY_PROGRAMS:
                m = RuleMatch("deny-destructive", Decision.DENY, "never run these", None, i)
            elif c.program in LOCAL_PROGRAMS:
                m = RuleMatch("local-harmless", Decision.LOCAL, "harmless", None, i)
            else:
                m = RuleMatch("defaults.decision", Decision.SANDBOX, "default", None, i)
            verdicts.append(CommandVerdict(c, m.decision, (m,)))
            deciding.append(m)
        pol = max((v.decision for v in verdicts), default=Decision.SANDBOX)
        return Evaluation(
            cmd=parsed.source, mode=mode, decision=mode.apply(pol), policy_decision=pol,
            commands=tuple(verdicts), deciding=tuple(m for m in deciding if m.decision is pol),
            profile="test" if pol is Decision.SANDBOX else None,
        )


def _stand_in_parse(cmd: str) -> Any:
    """Splits on ';' and whitespace: enough for the simple lines Router tests use."""
    from policy_router.shell.model import Command, ParsedLine, Word

    cmds = []
    for part in cmd.split(";"):
        words = part.split()
        if words:
            argv = tuple(Word(w, w, (0, 0)) for w in words)
            cmds.append(Command(argv=argv, program=os.path.basename(words[0]), span=(0, len(cmd))))
    return ParsedLine(source=cmd, commands=tuple(cmds))


def _stand_in_policy(on_unavailable: str) -> Any:
    from policy_router.decision import Decision
    from policy_router.policy.model import Defaults, Policy, Profile

    profiles = {
        "test": Profile("test", TEST_IMAGE, False, "256m", 1.0, 64, "65534:65534"),
        "netted": Profile("netted", TEST_IMAGE, True, "256m", 1.0, 64, "65534:65534"),
    }
    return Policy(
        sources=("<test>",),
        defaults=Defaults(Decision.SANDBOX, on_sandbox_unavailable=Decision(on_unavailable), profile="test"),
        profiles=MappingProxyType(profiles),
    )


@pytest.fixture
def make_router(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """``make_router(on_sandbox_unavailable="deny", **settings)`` -> Router (closed at teardown)."""
    from policy_router.config import Settings
    from policy_router.router import Router

    made: list[Any] = []

    def build(on_sandbox_unavailable: str = "deny", **settings: Any) -> Any:
        s = Settings.load(settings, env={}, use_file=False)
        real = _real_stack()
        if real is not None:
            load_policy, _ = real
            pfile = tmp_path / f"policy-{len(made)}.yaml"
            pfile.write_text(TEST_POLICY_YAML.replace("on_sandbox_unavailable: deny", f"on_sandbox_unavailable: {on_sandbox_unavailable}"))
            r = Router(load_policy([pfile]), settings=s)
        else:
            policy = _stand_in_policy(on_sandbox_unavailable)
            r = Router(policy, settings=s, engine=StandInEngine(policy), parser=_stand_in_parse)
        made.append(r)
        return r

    yield build
    for r in made:
        r.close()
