"""Replays every counter-example kept in ``tests/properties/regressions.yaml``.

Each entry names the property it broke (``no-exception``, ``monotone``, ``quoting``,
``payload-stays-dangerous``; ``oracle`` entries are replayed by tests/oracle) and the
inputs that check needs; the check is the same function the fuzz test uses. An entry with
``status: open`` is a known unfixed bug and runs as a strict xfail.
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
    bad = [
        c
        for c in _ALL
        if c.get("property") not in known
        or not isinstance(c.get("cmd"), str)
        or c.get("status") not in ("open", "fixed")
    ]
    assert bad == []


def _param(case: dict):
    marks = []
    if case.get("status") == "open":
        marks.append(pytest.mark.xfail(strict=True, reason=f"open bug: {case.get('note', '')}"))
    return pytest.param(case, marks=marks, id=f"{case['property']}:{case['cmd'][:50]!r}")


@pytest.mark.parametrize("case", [_param(c) for c in _CASES])
def test_regression(case: dict) -> None:
    assert CHECKS[case["property"]](case) is None
