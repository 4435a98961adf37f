"""Workspace poisoning through git: a sandboxed command must not be able to plant code that a
later *local* git command runs on the host.

* pure: which mounts :func:`git_protection` finds for each repository layout, and how
  :func:`container_config` lays them over the workspace (no daemon);
* real dockerd + real git: in the sandbox ``.git/config`` and ``.git/hooks`` are read-only and
  ``.git`` cannot be moved away, while the rest of the workspace, ``git add`` and ``git
  commit`` keep working; the host files are untouched; the setting turned off is the control;
* end to end with the shipped default policy: the finding of the security review
  (``python -c`` appends ``core.fsmonitor`` in the sandbox, then a local ``git status``).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from policy_router.executors.base import Mount, SandboxSpec
from policy_router.executors.docker import container_config
from policy_router.executors.gitprotect import NO_PROTECTION, git_protection

docker_mark = pytest.mark.docker


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout


def make_repo(path: Path) -> Path:
    """A one-commit repository the sandbox user (65534) may write to."""
    path.mkdir(exist_ok=True)
    git(path, "init", "-q")
    (path / "f.txt").write_text("one\n")
    git(path, "add", "f.txt")
    git(path, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "init")
    subprocess.run(["chmod", "-R", "a+rwX", str(path)], check=True)
    return path


def snapshot(gitdir: Path) -> dict[str, bytes]:
    """The bytes of config and of every hook file."""
    files = [gitdir / "config", *sorted((gitdir / "hooks").iterdir())]
    return {str(p.relative_to(gitdir)): p.read_bytes() for p in files}


# -- pure: layouts -------------------------------------------------------------------------------
def _gitdir(p: Path, hooks: bool = True) -> None:
    p.mkdir(parents=True)
    (p / "HEAD").write_text("ref: refs/heads/main\n")
    (p / "config").write_text("[core]\n")
    if hooks:
        (p / "hooks").mkdir()


def layout_none(ws: Path) -> None:
    (ws / "src").mkdir()


def layout_plain(ws: Path) -> None:
    _gitdir(ws / ".git")


def layout_no_hooks(ws: Path) -> None:
    _gitdir(ws / ".git", hooks=False)


def layout_worktree_config(ws: Path) -> None:
    _gitdir(ws / ".git")
    (ws / ".git" / "config.worktree").write_text("[core]\n")


def layout_gitfile_inside(ws: Path) -> None:
    _gitdir(ws / "meta" / "repo.git")
    (ws / ".git").write_text("gitdir: meta/repo.git\n")


def layout_gitfile_outside(ws: Path) -> None:
    _gitdir(ws.parent / "elsewhere.git")
    (ws / ".git").write_text(f"gitdir: {ws.parent / 'elsewhere.git'}\n")


def layout_linked_worktree_inside(ws: Path) -> None:
    _gitdir(ws / "main" / ".git")
    wt = ws / "main" / ".git" / "worktrees" / "wt"
    wt.mkdir(parents=True)
    (wt / "HEAD").write_text("ref: refs/heads/x\n")
    (wt / "commondir").write_text("../..\n")
    (ws / ".git").write_text(f"gitdir: {wt}\n")


def layout_submodules(ws: Path) -> None:
    _gitdir(ws / ".git")
    _gitdir(ws / ".git" / "modules" / "lib")
    _gitdir(ws / ".git" / "modules" / "nested" / "name", hooks=False)
    _gitdir(ws / ".git" / "modules" / "lib" / "modules" / "inner")


def layout_symlink(ws: Path) -> None:
    _gitdir(ws / "real.git")
    (ws / ".git").symlink_to("real.git")


LAYOUTS = [
    (layout_none, []),
    (layout_plain, [(".git", False), (".git/config", True), (".git/hooks", True)]),
    (layout_no_hooks, [(".git", False), (".git/config", True)]),
    (layout_worktree_config, [(".git", False), (".git/config", True), (".git/hooks", True), (".git/config.worktree", True)]),
    (layout_gitfile_inside, [(".git", True), ("meta/repo.git", False), ("meta/repo.git/config", True), ("meta/repo.git/hooks", True)]),
    (layout_gitfile_outside, [(".git", True)]),
    (layout_linked_worktree_inside, [
        (".git", True), ("main/.git", False), ("main/.git/config", True), ("main/.git/hooks", True),
        ("main/.git/worktrees/wt", False),
    ]),
    (layout_submodules, [
        (".git", False), (".git/config", True), (".git/hooks", True),
        (".git/modules/lib", False), (".git/modules/lib/config", True), (".git/modules/lib/hooks", True),
        (".git/modules/nested/name", False), (".git/modules/nested/name/config", True),
        (".git/modules/lib/modules/inner", False), (".git/modules/lib/modules/inner/config", True),
        (".git/modules/lib/modules/inner/hooks", True),
    ]),
    (layout_symlink, [("real.git", False), ("real.git/config", True), ("real.git/hooks", True)]),
]


@pytest.mark.parametrize("layout,expected", LAYOUTS, ids=[f.__name__ for f, _ in LAYOUTS])
def test_git_protection_layouts(tmp_path: Path, layout: Any, expected: list[tuple[str, bool]]) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    layout(ws)
    ws = ws.resolve()
    prot = git_protection(str(ws))
    got = [(os.path.relpath(m.target, ws), m.read_only, m.source == m.target) for m in prot.mounts]
    want = sorted(((p, ro, True) for p, ro in expected), key=lambda t: (t[0].count("/"), t[0]))
    assert (got, len(prot.fingerprint), bool(prot)) == (want, len(want), bool(want))


def test_fingerprint_changes_when_the_config_is_replaced(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    layout_plain(ws)
    before = git_protection(str(ws))
    tmp = ws / ".git" / "config.lock"
    tmp.write_text("[core]\n\tbare = false\n")
    os.replace(tmp, ws / ".git" / "config")  # what `git config` does
    after = git_protection(str(ws))
    assert (before.mounts == after.mounts, before == after, before == git_protection(str(ws))) == (True, False, False)
    assert after == git_protection(str(ws))


def test_container_config_lays_the_protection_over_the_workspace(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    layout_plain(ws)
    w = str(ws.resolve())
    spec = SandboxSpec(image="img", mounts=(Mount("/data", "/data"),))
    kw = container_config(spec, w, labels={}, protection=git_protection(w))
    assert kw["volumes"] == {
        w: {"bind": w, "mode": "rw"},
        f"{w}/.git": {"bind": f"{w}/.git", "mode": "rw"},
        f"{w}/.git/config": {"bind": f"{w}/.git/config", "mode": "ro"},
        f"{w}/.git/hooks": {"bind": f"{w}/.git/hooks", "mode": "ro"},
        "/data": {"bind": "/data", "mode": "ro"},
    }
    assert container_config(spec, w, labels={}, protection=NO_PROTECTION) == container_config(spec, w, labels={})


# -- real dockerd: the sandbox side --------------------------------------------------------------
RO = "Read-only file system"
BUSY = "Device or resource busy"

#: (command run in the sandbox, expected (exit code is 0, which error the stderr shows))
SANDBOX_CASES = [
    ("echo '[core] fsmonitor = ./x' >> .git/config", (False, RO)),
    ("python3 -c 'open(\".git/config\",\"a\").write(\"[core]\\n fsmonitor = ./x\\n\")'", (False, RO)),
    ("printf '#!/bin/sh\\nid\\n' > .git/hooks/post-index-change", (False, RO)),
    ("touch .git/hooks/x", (False, RO)),
    ("mv .git/config .git/config.old", (False, BUSY)),
    ("rm -f .git/config", (False, BUSY)),
    ("mv .git/hooks .git/hooks.old", (False, BUSY)),
    ("mv .git .git-old", (False, BUSY)),
    ("echo notes > notes.txt && cat notes.txt", (True, "")),
    ("echo more >> f.txt", (True, "")),
    # git writes objects, the index and refs: still fine (HOME=/tmp in the sandbox)
    ("git config --global --add safe.directory '*' && git add notes.txt f.txt && "
     "git -c user.name=s -c user.email=s@example.invalid commit -qm from-sandbox", (True, "")),
]


def _kind(stderr: str) -> str:
    return RO if RO in stderr else BUSY if BUSY in stderr else stderr.strip()


@docker_mark
def test_sandbox_cannot_write_git_config_or_hooks(make_router, sandbox_image, workspace) -> None:
    repo = make_repo(workspace)
    before = snapshot(repo / ".git")
    r = make_router(mode="sandbox")
    got = []
    for cmd, _ in SANDBOX_CASES:
        o = r.run(cmd, cwd=str(repo), timeout=60)
        got.append((cmd, (o.exit_code == 0, "" if o.exit_code == 0 else _kind(o.stderr_text))))
    assert got == SANDBOX_CASES
    assert snapshot(repo / ".git") == before
    assert (git(repo, "log", "--format=%s"), (repo / "notes.txt").read_text()) == ("from-sandbox\ninit\n", "notes\n")


@docker_mark
def test_protection_off_is_the_control(make_router, sandbox_image, workspace) -> None:
    """With sandbox_protect_git=false the same write succeeds: the threat is real."""
    repo = make_repo(workspace)
    r = make_router(mode="sandbox", sandbox_protect_git=False)
    o = r.run("echo '[core]' >> .git/config && mkdir -p .git/hooks && touch .git/hooks/x", cwd=str(repo), timeout=60)
    assert (o.exit_code, (repo / ".git" / "config").read_text().endswith("[core]\n"), (repo / ".git/hooks/x").exists()) == (0, True, True)


@docker_mark
def test_a_repository_created_after_the_container_gets_a_protected_container(make_router, sandbox_image, workspace) -> None:
    r = make_router(mode="sandbox")
    first = r.run("true", cwd=str(workspace), timeout=60)
    make_repo(workspace)
    second = r.run("echo x >> .git/config", cwd=str(workspace), timeout=60)
    third = r.run("git config --file .git/config --get core.bare", cwd=str(workspace), timeout=60)
    assert (second.container_id != first.container_id, second.exit_code != 0, _kind(second.stderr_text),
            third.container_id == second.container_id, third.stdout_text) == (True, True, RO, True, "false\n")


@docker_mark
def test_the_sandbox_sees_config_the_host_rewrote(make_router, sandbox_image, workspace) -> None:
    repo = make_repo(workspace)
    r = make_router(mode="sandbox")
    a = r.run("git config --file .git/config --get-all policy.marker || echo none", cwd=str(repo), timeout=60)
    git(repo, "config", "policy.marker", "host-wrote-this")  # writes config.lock, renames over config
    b = r.run("git config --file .git/config --get-all policy.marker", cwd=str(repo), timeout=60)
    assert (a.stdout_text, b.stdout_text, a.container_id != b.container_id) == ("none\n", "host-wrote-this\n", True)


# -- end to end with the shipped default policy --------------------------------------------------
def _default_router(**settings: Any) -> Any:
    from policy_router.config import Settings
    from policy_router.router import Router

    s = Settings.load({"sandbox_image": "policy-router-sandbox:test", **settings}, env={}, use_file=False)
    return Router(settings=s)


PLANT = (
    "python3 -c 'import os; open(\"x\",\"w\").write(\"#!/bin/sh\\ntouch \" + os.getcwd() + \"/PWNED\\n\"); "
    "os.chmod(\"x\", 0o755); open(\".git/config\",\"a\").write(\"[core]\\n\\tfsmonitor = \" + os.getcwd() + \"/x\\n\")'"
)


@docker_mark
@pytest.mark.parametrize(
    "settings,expected",
    [
        pytest.param({}, (1, RO, False), id="protected"),
        pytest.param({"sandbox_protect_git": False}, (0, "", False), id="local-hardening-alone"),
        pytest.param({"sandbox_protect_git": False, "local_git_hardening": False}, (0, "", True), id="control-both-off"),
    ],
)
def test_review_finding_sandbox_plant_then_local_git_status(sandbox_image, workspace, settings, expected) -> None:
    repo = make_repo(workspace)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    with _default_router(**settings) as r:
        decisions = [(ev.decision.value, [m.rule_id for m in ev.deciding]) for ev in (r.decide(PLANT, cwd=str(repo)), r.decide("git status", cwd=str(repo)))]
        planted = r.run(PLANT, cwd=str(repo), timeout=60)
        (repo / "f.txt").write_text("changed\n")
        status = r.run("git status --porcelain", cwd=str(repo), env=env, timeout=60)
    assert decisions == [("sandbox", ["interpreters-run-code"]), ("local", ["git-readonly"])]
    assert (planted.exit_code, _kind(planted.stderr_text) if planted.exit_code else "", (repo / "PWNED").exists()) == expected
    assert (status.executor, status.exit_code) == ("local", 0)
