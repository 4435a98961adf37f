"""policy-router: decide per shell command whether it runs locally, in a sandbox, or not at all."""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

#: Marker for plugin hook implementations: ``@hookimpl def policy_router_register_matchers(registry): ...``
hookimpl = pluggy.HookimplMarker("policy_router")

__all__ = ["__version__", "hookimpl"]
