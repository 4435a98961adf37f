"""Policies: load YAML policy files into a frozen, validated :class:`Policy`.

Public API: :func:`load_policy`, :func:`load_policy_text`, :func:`load_policy_texts`,
:func:`default_policy_path`, :func:`policy_paths_from_env`, :func:`schema` and the model
classes :class:`Policy`, :class:`Rule`, :class:`Defaults`, :class:`Profile`, :class:`Example`.
"""

from __future__ import annotations

from .load import (
    POLICY_ENV,
    default_policy_path,
    load_policy,
    load_policy_text,
    load_policy_texts,
    policy_paths_from_env,
    schema,
)
from .model import Defaults, Example, Policy, Profile, Rule

__all__ = [
    "POLICY_ENV",
    "Defaults",
    "Example",
    "Policy",
    "Profile",
    "Rule",
    "default_policy_path",
    "load_policy",
    "load_policy_text",
    "load_policy_texts",
    "policy_paths_from_env",
    "schema",
]
