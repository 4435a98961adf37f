"""Replays every counter-example kept in ``tests/properties/regressions.yaml``.

Each entry names the property it broke (``no-exception``, ``monotone``, ``quoting``,
``payload-stays-dangerous``; ``oracle`` entries are replayed by tests/oracle) and the
inputs that check needs; the check is the same function the fuzz test uses.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from oracle.fuzzkit import CHECKS  # noqa: E402

REGRESSIONS = Path(__file__).resolve().parent / "regressions.yaml"
_ALL = yaml.safe_load(REGRESSIONS.read_text()) or []
_CASES = [c for c in _ALL if c["property"] in CHECKS]


def test_regression_file_is_well_formed() -> None:
    known = set(CHECKS) | {"oracle"}
    bad = [c for c in _ALL if c.get("property") not in known or not isinstance(c.get("cmd"), str)]
    assert bad == []


@pytest.mark.parametrize("case", _CASES, ids=[f"{c['property']}:{c['cmd'][:50]!r}" for c in _CASES])
def test_regression(case: dict) -> None:
    assert CHECKS[case["property"]](case) is None
