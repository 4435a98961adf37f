"""docs/configuration.md documents every setting, env variable and alias (datasette-style)."""

from __future__ import annotations

from pathlib import Path

from policy_router.config import ALIASES, ENV_PREFIX, SETTINGS_DOC

DOC = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()


def test_every_setting_env_var_and_alias_is_documented() -> None:
    missing = [
        name
        for n in SETTINGS_DOC
        for name in (f"`{n}`", f"`{ENV_PREFIX}{n.upper()}`", *([f"`{ALIASES[n]}`"] if n in ALIASES else []))
        if name not in DOC
    ]
    assert missing == []
