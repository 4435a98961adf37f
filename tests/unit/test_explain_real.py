"""explain over real parser + engine output (golden fixture policy): any input renders, the text
is a view of the JSON, and nothing from the input reaches the terminal as a raw control character."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

engine_mod = pytest.importorskip("policy_router.engine", reason="engine not available yet")
shell_mod = pytest.importorskip("policy_router.shell", reason="parser not available yet")
policy_mod = pytest.importorskip("policy_router.policy", reason="loader not available yet")

from policy_router.decision import Mode  # noqa: E402
from policy_router.explain import render_json, render_text, render_text_data  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[1] / "golden" / "policy.yaml"

_pieces = st.sampled_from(
    ["ls", "rm -rf ~", "curl x", "|", "&&", ";", "$(", ")", "`", "'", '"', "\\", "$'\\x72m'", "bash -c", "eval", "<<EOF\n", "\n", "\t", "\x1b[2J", "{a,b}", "*", "${x:-$(id)}", " ", "sudo", "#"]
)
_lines = st.one_of(st.lists(_pieces, max_size=12).map("".join), st.text(max_size=40))


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    from policy_router.plugins import get_plugin_manager

    pm = get_plugin_manager()
    return engine_mod.Engine(policy_mod.load_policy([str(FIXTURE)], pm=pm), pm=pm)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_lines, st.sampled_from(list(Mode)))
def test_any_line_renders_consistently(engine, line: str, mode: Mode) -> None:  # type: ignore[no-untyped-def]
    ev = engine.evaluate(shell_mod.parse(line), mode=mode, cwd="/w", workspace="/w")
    text = render_text(ev, trace=True)
    assert text == render_text_data(json.loads(render_json(ev, trace=True)))
    assert text.split("\n", 1)[0].split()[0] == ev.decision.value
    assert not any((ord(ch) < 32 and ch not in "\n\t") or ord(ch) == 127 for ch in text)
