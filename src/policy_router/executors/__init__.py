"""Executors: what runs a command once the policy has decided where.

* :mod:`.base`   — the contract: ``ExecRequest`` → ``Outcome``, the ``Executor`` protocol.
* :mod:`.local`  — ``local``: ``/bin/bash -c`` on the host, own process group, capped output.
* :mod:`.docker` — ``docker``: hardened warm containers via the docker SDK (uses :mod:`.pool`).

The built-in executors register through the ``policy_router_register_executors`` hook like
any plugin's.
"""

from .base import DEFAULT_OUTPUT_CAP, ExecRequest, Executor, Mount, Outcome, SandboxSpec

__all__ = ["DEFAULT_OUTPUT_CAP", "ExecRequest", "Executor", "Mount", "Outcome", "SandboxSpec"]
