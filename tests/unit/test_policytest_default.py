"""Run the shipped policy test files (policies/tests/*.yaml) against the shipped default policy.

Each case is its own pytest item, named by file:line, so a failure points at the YAML.
The module skips until the parser, engine and default policy exist.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_router.policytest import PolicyTestCase, engine_evaluator, load_cases, run_case

REPO = Path(__file__).resolve().parents[2]
TEST_DIR = REPO / "policies" / "tests"


def _collect() -> tuple[PolicyTestCase, ...]:
    # A malformed test file fails collection loudly (PolicyLoadError names file:line:col).
    return load_cases([TEST_DIR]) if TEST_DIR.is_dir() else ()


CASES = _collect()


@pytest.fixture(scope="module")
def evaluate():  # type: ignore[no-untyped-def]
    engine_mod = pytest.importorskip("policy_router.engine", reason="engine not available yet")
    policy_mod = pytest.importorskip("policy_router.policy", reason="policy loader not available yet")
    shell_mod = pytest.importorskip("policy_router.shell", reason="parser not available yet")
    if not hasattr(policy_mod, "load_policy") or not hasattr(shell_mod, "parse"):
        pytest.skip("load_policy / parse not available yet")
    from policy_router.plugins import get_plugin_manager

    pm = get_plugin_manager()
    policy = policy_mod.load_policy(None, pm=pm)  # the shipped default; examples are checked here
    return engine_evaluator(engine_mod.Engine(policy, pm=pm), shell_mod.parse)


@pytest.mark.skipif(not CASES, reason="no policies/tests/*.yaml yet")
@pytest.mark.parametrize("case", CASES, ids=[f"{Path(c.location.file).name}:{c.location.line}" for c in CASES])
def test_policy_case(evaluate, case: PolicyTestCase) -> None:  # type: ignore[no-untyped-def]
    result = run_case(case, evaluate)
    assert result.failures == (), f"{case.location}: {case.cmd!r} deciding={result.deciding}"
