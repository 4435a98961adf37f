"""Integration-suite guard: when the suite ends, no container created by this test process
(our ``policy-router.owner`` label) may remain."""

from __future__ import annotations

import os
from typing import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def no_containers_left_behind() -> Iterator[None]:
    yield
    try:
        import docker

        client = docker.from_env(timeout=30)
        client.ping()
    except Exception:  # noqa: BLE001 - no engine: nothing can be left behind
        return
    from policy_router.executors.docker import LABEL_OWNER, list_managed, owner_label

    mine = owner_label(os.getpid())
    left = [r for r in list_managed(client) if r["owner"] == mine]
    for r in left:
        client.api.remove_container(r["id"], force=True)
    assert left == [], f"containers left behind by the test run: {[r['id'][:12] for r in left]} ({LABEL_OWNER}={mine})"
