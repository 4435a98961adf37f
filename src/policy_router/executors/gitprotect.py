"""Keep sandboxed commands from planting code in the workspace's git repository.

The sandbox mounts the workspace read-write. Without more, a sandboxed program could append
``[core] fsmonitor = ./x`` to ``.git/config`` or drop ``.git/hooks/post-index-change``, and
the next *local* ``git status`` would run it on the host. :func:`git_protection` finds the
repository of the workspace and returns extra bind mounts that a sandbox lays over the
read-write workspace mount:

* the git directory itself, **read-write, mounted onto itself**: objects, refs, the index and
  logs stay writable (``git add`` / ``git commit`` work in the sandbox), but the directory
  is now a mount point, so it cannot be renamed, removed or replaced (``EBUSY``);
* ``config`` (and ``config.worktree`` when present) **read-only**, so it cannot be written,
  replaced by rename or unlinked;
* ``hooks/`` **read-only** when it exists;
* a ``.git`` *file* (linked worktree, submodule checkout) **read-only**, so it cannot be
  pointed at another git directory; the git directory it names is protected as above when
  it lies inside the workspace (outside it, the sandbox cannot see it at all);
* the same for the common directory of a linked worktree and for every submodule git
  directory under ``modules/`` (bounded walk).

``info/`` is not protected: nothing in it makes git run a program by itself (attributes
there can only *name* diff/filter drivers, which need configuration; ``.gitattributes`` in
the work tree is writable anyway).

Not covered here (see docs/security.md): a repository *created* inside the sandbox, nested
repositories other than submodules, a ``commondir`` file the sandbox adds to the git
directory, and a ``core.hooksPath`` that points into the work tree. The local executor's git
hardening (``local.py``) is the second line for those.

Everything here is pure filesystem inspection on the host; nothing runs git.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from .base import Mount

__all__ = ["GitProtection", "git_protection", "NO_PROTECTION"]

#: Bounds of the submodule walk under ``<gitdir>/modules`` (nesting depth, git directories).
_MAX_MODULE_DEPTH = 4
_MAX_GITDIRS = 64
#: A ``.git`` file larger than this is not a gitdir pointer.
_MAX_GITFILE = 4096


@dataclass(frozen=True, slots=True)
class GitProtection:
    """Extra mounts that protect the workspace's repository, and the identity of their sources.

    ``fingerprint`` holds ``(st_dev, st_ino)`` of every mount source, in mount order. It is
    part of the container pool key, so when the host replaces one of these files (``git
    config`` writes a new ``config`` and renames it into place) or a repository appears,
    the next sandbox run gets a fresh container whose mounts show the current files.
    """

    mounts: tuple[Mount, ...] = ()
    fingerprint: tuple[tuple[int, int], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.mounts)


NO_PROTECTION = GitProtection()


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _read_gitfile(path: str) -> str | None:
    """The directory named by a ``gitdir: <path>`` file (absolute, resolved), or None."""
    try:
        with open(path, "rb") as f:
            data = f.read(_MAX_GITFILE + 1)
    except OSError:
        return None
    if len(data) > _MAX_GITFILE:
        return None
    text = data.decode("utf-8", "replace").strip()
    if not text.startswith("gitdir:"):
        return None
    target = text[len("gitdir:") :].strip()
    if not target:
        return None
    return os.path.realpath(os.path.join(os.path.dirname(path), target))


def _is_gitdir(path: str) -> bool:
    """Looks like a git directory: has ``HEAD`` and either ``config`` or ``commondir``."""
    return os.path.isfile(os.path.join(path, "HEAD")) and (
        os.path.isfile(os.path.join(path, "config")) or os.path.isfile(os.path.join(path, "commondir"))
    )


def _common_dir(gitdir: str) -> str | None:
    """The common directory named by ``<gitdir>/commondir`` (linked worktrees), or None."""
    p = os.path.join(gitdir, "commondir")
    try:
        with open(p, "rb") as f:
            data = f.read(_MAX_GITFILE + 1)
    except OSError:
        return None
    if len(data) > _MAX_GITFILE:
        return None
    rel = data.decode("utf-8", "replace").strip()
    return os.path.realpath(os.path.join(gitdir, rel)) if rel else None


def _module_gitdirs(gitdir: str) -> list[str]:
    """Submodule git directories under ``<gitdir>/modules`` (bounded breadth-first walk)."""
    found: list[str] = []
    frontier = [(os.path.join(gitdir, "modules"), 1)]
    while frontier and len(found) < _MAX_GITDIRS:
        d, depth = frontier.pop(0)
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        for n in names:
            p = os.path.join(d, n)
            if os.path.islink(p) or not os.path.isdir(p):
                continue
            if _is_gitdir(p):
                found.append(p)
                if depth < _MAX_MODULE_DEPTH:
                    frontier.append((os.path.join(p, "modules"), depth + 1))
            elif depth < _MAX_MODULE_DEPTH:  # submodule names may contain '/'
                frontier.append((p, depth + 1))
            if len(found) >= _MAX_GITDIRS:
                break
    return found


def git_protection(workspace: str) -> GitProtection:
    """The protective mounts for the repository at the root of ``workspace`` (a resolved,
    absolute host path). :data:`NO_PROTECTION` when there is none, or nothing of it lies
    inside the workspace."""
    root = os.path.realpath(workspace)
    dotgit = os.path.join(root, ".git")
    mounts: list[Mount] = []
    gitdirs: list[str] = []
    try:
        st = os.lstat(dotgit)
    except OSError:
        return NO_PROTECTION
    if stat.S_ISREG(st.st_mode):
        mounts.append(Mount(dotgit, dotgit, read_only=True))
        target = _read_gitfile(dotgit)
        if target is not None:
            gitdirs.append(target)
    elif stat.S_ISDIR(st.st_mode):
        gitdirs.append(dotgit)
    elif stat.S_ISLNK(st.st_mode):
        # the link itself stays replaceable (a bind mount cannot cover a symlink); its
        # target is protected when it lies inside the workspace
        gitdirs.append(os.path.realpath(dotgit))
    # the common directory of a linked worktree holds the shared config and hooks
    for g in list(gitdirs):
        common = _common_dir(g)
        if common is not None and common not in gitdirs:
            gitdirs.append(common)
    for g in list(gitdirs):
        for m in _module_gitdirs(g):
            if m not in gitdirs and len(gitdirs) < _MAX_GITDIRS:
                gitdirs.append(m)
    for g in gitdirs:
        if not _inside(g, root) or g == root or not os.path.isdir(g):
            continue  # outside the workspace the sandbox cannot reach it
        mounts.append(Mount(g, g, read_only=False))
        for name in ("config", "config.worktree"):
            p = os.path.join(g, name)
            if os.path.isfile(p) and not os.path.islink(p):
                mounts.append(Mount(p, p, read_only=True))
        hooks = os.path.join(g, "hooks")
        if os.path.isdir(hooks) and not os.path.islink(hooks):
            mounts.append(Mount(hooks, hooks, read_only=True))
    if not mounts:
        return NO_PROTECTION
    # parents before children (docker sorts by depth too; keep the key deterministic)
    unique = {m.target: m for m in mounts}
    ordered = tuple(sorted(unique.values(), key=lambda m: (m.target.count("/"), m.target)))
    kept: list[Mount] = []
    fp: list[tuple[int, int]] = []
    for m in ordered:
        try:
            s = os.stat(m.source)
        except OSError:  # vanished meanwhile: a bind of a missing source would fail
            continue
        kept.append(m)
        fp.append((s.st_dev, s.st_ino))
    return GitProtection(tuple(kept), tuple(fp)) if kept else NO_PROTECTION
