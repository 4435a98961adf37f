"""A thread-safe pool of warm containers, keyed by (image/profile spec, workspace).

The pool knows nothing about Docker: it calls ``create(key) -> container_id`` and
``remove(container_id)``. One container per key is shared by every concurrent run for
that key (each run is its own ``exec``). Rules:

* an entry idle for longer than ``ttl`` seconds is removed (checked on every acquire and
  by :meth:`ContainerPool.reap_expired`);
* at most ``max_size`` containers exist; making room evicts the least recently used idle
  one, and when all are busy an acquire waits (up to ``wait_timeout``);
* a container found dead is :meth:`Lease.invalidate`-d: it leaves the pool at once and
  the next acquire for that key creates a fresh one;
* only one thread creates the container of a key; the others wait for it.

``create`` / ``remove`` are called without the pool lock held.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Generic, Hashable, TypeVar

from ..errors import SandboxUnavailableError

__all__ = ["ContainerPool", "Lease", "PoolEntry"]

K = TypeVar("K", bound=Hashable)


@dataclass(slots=True)
class PoolEntry(Generic[K]):
    """One warm container (mutable bookkeeping, guarded by the pool lock)."""

    key: K
    container_id: str
    created: float
    last_used: float
    in_use: int = 0
    dead: bool = False


class Lease(Generic[K]):
    """The right to use one container until :meth:`release` (or the ``with`` block ends)."""

    __slots__ = ("_pool", "entry", "fresh", "_released")

    def __init__(self, pool: "ContainerPool[K]", entry: PoolEntry[K], fresh: bool):
        self._pool = pool
        self.entry = entry
        self.fresh = fresh
        self._released = False

    @property
    def container_id(self) -> str:
        return self.entry.container_id

    def invalidate(self) -> None:
        """The container is dead or unusable: drop it from the pool and remove it."""
        self._pool._invalidate(self.entry)

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._pool._release(self.entry)

    def __enter__(self) -> "Lease[K]":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class ContainerPool(Generic[K]):
    """See the module docstring."""

    def __init__(
        self,
        create: Callable[[K], str],
        remove: Callable[[str], None],
        *,
        ttl: float = 3600.0,
        max_size: int = 8,
        wait_timeout: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        if ttl <= 0 or max_size < 1:
            raise ValueError("ttl must be > 0 and max_size >= 1")
        self._create = create
        self._remove = remove
        self.ttl = ttl
        self.max_size = max_size
        self.wait_timeout = wait_timeout
        self._clock = clock
        self._cond = threading.Condition()
        self._entries: dict[K, PoolEntry[K]] = {}
        self._creating: set[K] = set()
        self._closed = False

    # -- public ---------------------------------------------------------------------------
    def acquire(self, key: K) -> Lease[K]:
        """A lease on the warm container for ``key``, creating it if needed."""
        deadline = self._clock() + self.wait_timeout
        while True:
            doomed: list[str] = []
            lease: Lease[K] | None = None
            create = False
            with self._cond:
                if self._closed:
                    raise SandboxUnavailableError("the container pool is closed")
                now = self._clock()
                doomed.extend(self._expire_locked(now))
                entry = self._entries.get(key)
                if entry is not None:
                    entry.in_use += 1
                    entry.last_used = now
                    lease = Lease(self, entry, fresh=False)
                elif key in self._creating:
                    self._cond.wait(timeout=max(0.0, deadline - now))
                elif len(self._entries) + len(self._creating) >= self.max_size:
                    victim = self._lru_idle_locked()
                    if victim is not None:
                        del self._entries[victim.key]
                        victim.dead = True
                        doomed.append(victim.container_id)
                    else:
                        if now >= deadline:
                            raise SandboxUnavailableError(
                                f"all {self.max_size} pooled containers stayed busy for {self.wait_timeout:g}s"
                            )
                        self._cond.wait(timeout=max(0.0, deadline - now))
                else:
                    self._creating.add(key)
                    create = True
            self._remove_all(doomed)
            if lease is not None:
                return lease
            if create:
                return self._create_entry(key)

    def reap_expired(self) -> list[str]:
        """Remove idle containers past their TTL; returns their ids."""
        with self._cond:
            doomed = self._expire_locked(self._clock())
        self._remove_all(doomed)
        return doomed

    def entries(self) -> list[PoolEntry[K]]:
        """A snapshot of the pooled entries (copies)."""
        with self._cond:
            return [PoolEntry(e.key, e.container_id, e.created, e.last_used, e.in_use, e.dead) for e in self._entries.values()]

    def close(self, *, remove: bool = True) -> list[str]:
        """Stop handing out leases; remove every pooled container if ``remove``."""
        with self._cond:
            self._closed = True
            ids = [e.container_id for e in self._entries.values()]
            for e in self._entries.values():
                e.dead = True
            self._entries.clear()
            self._cond.notify_all()
        if remove:
            self._remove_all(ids)
        return ids

    # -- internals ------------------------------------------------------------------------
    def _create_entry(self, key: K) -> Lease[K]:
        try:
            cid = self._create(key)
        except BaseException:
            with self._cond:
                self._creating.discard(key)
                self._cond.notify_all()
            raise
        with self._cond:
            self._creating.discard(key)
            now = self._clock()
            entry = PoolEntry(key, cid, created=now, last_used=now, in_use=1)
            closed = self._closed
            if not closed:
                self._entries[key] = entry
            self._cond.notify_all()
        if closed:
            self._remove_all([cid])
            raise SandboxUnavailableError("the container pool is closed")
        return Lease(self, entry, fresh=True)

    def _expire_locked(self, now: float) -> list[str]:
        doomed = []
        for key, e in list(self._entries.items()):
            if e.in_use == 0 and now - e.last_used > self.ttl:
                del self._entries[key]
                e.dead = True
                doomed.append(e.container_id)
        return doomed

    def _lru_idle_locked(self) -> PoolEntry[K] | None:
        idle = [e for e in self._entries.values() if e.in_use == 0]
        return min(idle, key=lambda e: e.last_used) if idle else None

    def _release(self, entry: PoolEntry[K]) -> None:
        with self._cond:
            entry.in_use -= 1
            entry.last_used = self._clock()
            self._cond.notify_all()

    def _invalidate(self, entry: PoolEntry[K]) -> None:
        with self._cond:
            if entry.dead:
                return
            entry.dead = True
            if self._entries.get(entry.key) is entry:
                del self._entries[entry.key]
            self._cond.notify_all()
        self._remove_all([entry.container_id])

    def _remove_all(self, ids: list[str]) -> None:
        for cid in ids:
            try:
                self._remove(cid)
            except Exception:  # removal is best effort; the orphan reaper retries later
                pass
