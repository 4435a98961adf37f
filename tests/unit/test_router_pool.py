"""The warm-container pool (pure, fake clock) and the docker kwargs builder (pure)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from policy_router.errors import ExecutorError, SandboxUnavailableError
from policy_router.executors.base import Mount, SandboxSpec
from policy_router.executors.docker import FORBIDDEN_WORKSPACES, container_config, owner_alive, owner_label
from policy_router.executors.pool import ContainerPool


class Fake:
    def __init__(self) -> None:
        self.now = 0.0
        self.created: list[str] = []
        self.removed: list[str] = []
        self.lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def create(self, key: str) -> str:
        with self.lock:
            cid = f"{key}#{len(self.created)}"
            self.created.append(cid)
        return cid

    def remove(self, cid: str) -> None:
        with self.lock:
            self.removed.append(cid)


def pool(f: Fake, **kw) -> ContainerPool:
    return ContainerPool(f.create, f.remove, clock=f.clock, **kw)


def test_reuse_then_ttl_expiry() -> None:
    f = Fake()
    p = pool(f, ttl=10)
    with p.acquire("a") as l1:
        first = (l1.container_id, l1.fresh)
    f.now = 9
    with p.acquire("a") as l2:
        second = (l2.container_id, l2.fresh)
    f.now = 19.5  # idle 10.5 s since last use
    with p.acquire("a") as l3:
        third = (l3.container_id, l3.fresh)
    assert (first, second, third, f.removed) == (("a#0", True), ("a#0", False), ("a#1", True), ["a#0"])


def test_busy_container_never_expires() -> None:
    f = Fake()
    p = pool(f, ttl=1)
    lease = p.acquire("a")
    f.now = 100
    assert (p.reap_expired(), f.removed) == ([], [])
    lease.release()
    f.now = 102
    assert (p.reap_expired(), f.removed) == (["a#0"], ["a#0"])


def test_size_limit_evicts_least_recently_used_idle() -> None:
    f = Fake()
    p = pool(f, max_size=2)
    for key, t in (("a", 1), ("b", 2), ("a", 3), ("c", 4)):
        f.now = t
        p.acquire(key).release()
    assert ([e.key for e in p.entries()], f.removed) == (["a", "c"], ["b#1"])


def test_full_pool_of_busy_containers_times_out() -> None:
    f = Fake()
    p = ContainerPool(f.create, f.remove, max_size=1, wait_timeout=0.2)
    held = p.acquire("a")
    with pytest.raises(SandboxUnavailableError, match="busy"):
        p.acquire("b")
    held.release()
    assert p.acquire("b").container_id == "b#1"


def test_invalidate_replaces_the_container() -> None:
    f = Fake()
    p = pool(f)
    lease = p.acquire("a")
    lease.invalidate()
    lease.release()
    assert (p.acquire("a").container_id, f.removed) == ("a#1", ["a#0"])


def test_concurrent_acquire_creates_one_container_per_key() -> None:
    f = Fake()
    slow_create = f.create

    def create(key: str) -> str:
        time.sleep(0.05)
        return slow_create(key)

    p = ContainerPool(create, f.remove, max_size=8)

    def use(i: int) -> str:
        with p.acquire(f"k{i % 2}") as lease:
            time.sleep(0.01)
            return lease.container_id

    with ThreadPoolExecutor(20) as ex:
        ids = list(ex.map(use, range(40)))
    # exactly one container per key, and every run for a key used it
    assert (len(f.created), sorted(c.split("#")[0] for c in f.created)) == (2, ["k0", "k1"])
    assert [i.split("#")[0] for i in ids] == [f"k{i % 2}" for i in range(40)]
    assert set(ids) == set(f.created)


def test_failed_create_is_not_pooled_and_can_be_retried() -> None:
    calls = []

    def create(key: str) -> str:
        calls.append(key)
        if len(calls) == 1:
            raise SandboxUnavailableError("boom")
        return "ok"

    p = ContainerPool(create, lambda c: None)
    with pytest.raises(SandboxUnavailableError):
        p.acquire("a")
    assert p.acquire("a").container_id == "ok"


def test_close_removes_everything_or_keeps_with_cleanup_off() -> None:
    f = Fake()
    p = pool(f)
    p.acquire("a").release()
    p.acquire("b").release()
    assert (sorted(p.close()), sorted(f.removed)) == (["a#0", "b#1"], ["a#0", "b#1"])
    with pytest.raises(SandboxUnavailableError, match="closed"):
        p.acquire("a")
    g = Fake()
    q = pool(g)
    q.acquire("a").release()
    assert (q.close(remove=False), g.removed) == (["a#0"], [])


# -- the hardened kwargs -----------------------------------------------------------------------
def test_container_config_is_hardened() -> None:
    spec = SandboxSpec(image="img:1", profile="p", network=None, memory="512m", cpus=1.5, pids=100,
                       user="1000:1000", mounts=(Mount("/opt/tools", "/opt/tools"),))
    assert container_config(spec, "/work/ws", labels={"policy-router.managed": "1"}) == {
        "image": "img:1",
        "command": ["tail", "-f", "/dev/null"],
        "entrypoint": [],
        "detach": True,
        "user": "1000:1000",
        "working_dir": "/work/ws",
        "environment": {"HOME": "/tmp", "TMPDIR": "/tmp"},
        "labels": {"policy-router.managed": "1"},
        "network_mode": "none",
        "read_only": True,
        "tmpfs": {"/tmp": "rw,nosuid,nodev,size=256m,mode=1777"},
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges:true"],
        "init": True,
        "volumes": {"/work/ws": {"bind": "/work/ws", "mode": "rw"}, "/opt/tools": {"bind": "/opt/tools", "mode": "ro"}},
        "ipc_mode": "private",
        "pids_limit": 100,
        "mem_limit": "512m",
        "memswap_limit": "512m",
        "nano_cpus": 1_500_000_000,
    }


def test_network_profile_kwargs_use_the_configured_network_name() -> None:
    """Pure-function check: a network-enabled spec passes the configured network by name."""
    spec = SandboxSpec(image="img:1", network="agents-net")
    assert container_config(spec, "/w/x", labels={})["network_mode"] == "agents-net"
    with pytest.raises(ExecutorError, match="host"):
        SandboxSpec(image="img:1", network="host")


@pytest.mark.parametrize("ws", sorted(FORBIDDEN_WORKSPACES) + ["/tmp/", "relative"])
def test_dangerous_workspaces_are_refused(ws: str) -> None:
    with pytest.raises(ExecutorError):
        container_config(SandboxSpec(image="i"), ws, labels={})


def test_mount_over_workspace_is_refused() -> None:
    spec = SandboxSpec(image="i", mounts=(Mount("/etc", "/w/x"),))
    with pytest.raises(ExecutorError, match="hide the workspace"):
        container_config(spec, "/w/x", labels={})


def test_owner_labels() -> None:
    import os
    import socket
    import subprocess

    me = owner_label()
    dead = subprocess.Popen(["true"])
    dead.wait()
    assert (owner_alive(me), owner_alive(owner_label(dead.pid)), owner_alive(f"other-host-{socket.gethostname()}:1:1"),
            owner_alive("garbage")) == (True, False, None, False)
    # a recycled pid with another start time is not the owner
    host, pid, _ = me.rsplit(":", 2)
    assert owner_alive(f"{host}:{os.getpid()}:1") is False
