"""Every bad-policy fixture fails to load with exactly the error text next to it.

``tests/fixtures/bad_policies/<name>.yaml`` (or the directory ``<name>/``, loaded as layers)
has its expected ``str(PolicyLoadError)`` in ``<name>.expected``. Paths are given relative to
the fixture directory so the messages are stable.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_router.errors import PolicyLoadError
from policy_router.policy import load_policy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bad_policies"
CASES = sorted(p.with_suffix("").name for p in FIXTURES.glob("*.expected"))


def _source(name: str) -> str:
    return name if (FIXTURES / name).is_dir() else f"{name}.yaml"


def test_every_fixture_has_expected_text() -> None:
    sources = {p.name for p in FIXTURES.iterdir() if p.suffix == ".yaml" or p.is_dir()}
    assert sources == {_source(n) for n in CASES}


@pytest.mark.parametrize("name", CASES)
def test_bad_policy_fixture(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    expected = (FIXTURES / f"{name}.expected").read_text(encoding="utf-8")
    with pytest.raises(PolicyLoadError) as info:
        load_policy([_source(name)])
    assert str(info.value) + "\n" == expected
    # the issues are the same data, sorted by location
    assert [str(i) for i in info.value.issues] == expected.splitlines()[1:]
    assert list(info.value.issues) == sorted(info.value.issues, key=lambda i: i.sort_key())


def test_errors_from_all_files_are_collected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    with pytest.raises(PolicyLoadError) as info:
        load_policy(["yaml_syntax.yaml", "duplicate_id.yaml", "missing.yaml"])
    assert [(i.location.file, i.code) for i in info.value.issues] == [
        ("duplicate_id.yaml", "duplicate-id"),
        ("missing.yaml", "io"),
        ("yaml_syntax.yaml", "yaml"),
    ]
