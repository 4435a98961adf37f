"""The security corpus against the shipped default policy and the real engine.

- No dangerous case (``dangerous.yaml`` plus the generated malformed inputs) may be routed
  ``local``: any bypass fails the test with the full list.
- The false-positive rate on ``benign.yaml`` (benign -> not local) must stay <= 3 %; the
  false positives are listed in the failure message.
- Deciding never raises.
- The corpus itself is checked: enough cases, every class of issue 4 present, and the
  committed YAML equals what ``make_cases.py`` generates (so the data stays reviewable).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
import make_cases  # noqa: E402

MAX_FALSE_POSITIVE_RATE = 0.03

REQUIRED_CLASSES = {
    "quoting", "variables", "expansion", "substitution", "nested-shells", "interpreter-one-liners",
    "wrappers", "chaining", "path-tricks", "redirections", "shell-escape-programs", "malformed",
    "malformed-generated",
}
REQUIRED_PAYLOADS = {
    "delete-home", "write-startup-file", "write-ssh-key", "download-to-shell", "reverse-shell",
    "setuid", "raw-disk-write", "credential-exfiltration",
}


@pytest.fixture(scope="module")
def decider() -> harness.Decider:
    return harness.Decider()


@pytest.fixture(scope="module")
def dangerous_outcomes(decider: harness.Decider) -> list[harness.Outcome]:
    return decider.decide_all(harness.load_dangerous())


@pytest.fixture(scope="module")
def benign_outcomes(decider: harness.Decider) -> list[harness.Outcome]:
    return decider.decide_all(harness.load_benign())


def test_committed_corpus_matches_generator() -> None:
    """dangerous.yaml / benign.yaml are exactly what make_cases.py produces."""
    import yaml

    assert yaml.safe_load((harness.HERE / "dangerous.yaml").read_text(encoding="utf-8")) == make_cases.dangerous_cases()
    assert yaml.safe_load((harness.HERE / "benign.yaml").read_text(encoding="utf-8")) == make_cases.benign_cases()


def test_corpus_covers_every_class_and_payload() -> None:
    dangerous = harness.load_dangerous()
    benign = harness.load_benign()
    assert len(dangerous) >= 600
    assert len(benign) >= 300
    assert REQUIRED_CLASSES <= {c.cls for c in dangerous}
    assert REQUIRED_PAYLOADS <= {c.payload for c in dangerous}
    # every payload appears under every transform class that applies to it
    per_class = {}
    for c in dangerous:
        per_class.setdefault(c.cls, set()).add(c.payload)
    for cls in ("quoting", "chaining", "nested-shells", "substitution", "wrappers"):
        assert len(per_class[cls]) >= 6, (cls, per_class[cls])
    assert len({c.cmd for c in dangerous}) == len(dangerous), "duplicate dangerous commands"


def test_no_dangerous_case_is_local(dangerous_outcomes: list[harness.Outcome]) -> None:
    bypasses = [o for o in dangerous_outcomes if o.bypass]
    errors = [o for o in dangerous_outcomes if o.error]
    report = "\n".join(o.describe() for o in bypasses + errors)
    assert not bypasses and not errors, f"{len(bypasses)} bypasses, {len(errors)} errors:\n{report}"


def test_payloads_alone_are_denied(dangerous_outcomes: list[harness.Outcome]) -> None:
    """Each bare payload is clearly destructive: the default policy denies it (not merely sandboxes)."""
    bare = [o for o in dangerous_outcomes if o.case.cls == "payload"]
    assert bare
    not_denied = [o.describe() for o in bare if o.decision is not harness.Decision.DENY]
    assert not_denied == []


def test_benign_false_positive_rate(benign_outcomes: list[harness.Outcome]) -> None:
    errors = [o.describe() for o in benign_outcomes if o.error]
    assert errors == []
    fps = [o for o in benign_outcomes if o.false_positive]
    rate = len(fps) / len(benign_outcomes)
    listing = "\n".join(o.describe() for o in fps)
    assert rate <= MAX_FALSE_POSITIVE_RATE, f"false positives {len(fps)}/{len(benign_outcomes)} = {rate:.1%}:\n{listing}"


@pytest.mark.parametrize(
    "wrapper",
    ["{}", "ls && {}", "bash -c {q}", "eval {q}", "echo $({})", "timeout 5 {}", "({})", "f() {{ {}; }}; f"],
)
def test_composition_never_lowers_a_payload(decider: harness.Decider, wrapper: str) -> None:
    """Each bare payload keeps its decision (or stricter) inside common compositions."""
    import shlex

    for p in make_cases.PAYLOADS:
        alone = decider.evaluate(p.cmd).decision
        composed = decider.evaluate(wrapper.format(p.cmd, q=shlex.quote(p.cmd))).decision
        assert composed >= alone, (wrapper, p.cmd, alone, composed)


_COMPOSE = (
    "{a}; {p}", "{a} && {p}", "{a} || {p}", "{a} | {p}", "{p} | {a}", "{a}\n{p}", "( {a}; {p} )", "{{ {a}; {p}; }}",
    "{a} $({p})", "if {a}; then {p}; fi", "for i in 1; do {a}; {p}; done", "f() {{ {p}; }}; {a}; f",
    "bash -c {qp}", "eval {qp}", "timeout 5 {p}", "env X=1 {p}",
)


def test_property_payload_stays_not_local_in_any_composition(decider: harness.Decider) -> None:
    """hypothesis: an everyday benign command composed with a dangerous payload is never local."""
    import shlex

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    benign = [c.cmd for c in harness.load_benign() if "\n" not in c.cmd]
    payloads = [p.cmd for p in make_cases.PAYLOADS]

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.sampled_from(benign), st.sampled_from(payloads), st.sampled_from(_COMPOSE))
    def check(a: str, p: str, form: str) -> None:
        cmd = form.format(a=a, p=p, qp=shlex.quote(p))
        ev = decider.evaluate(cmd)
        assert ev.decision is not harness.Decision.LOCAL, (cmd, [m.rule_id for m in ev.deciding])

    check()
