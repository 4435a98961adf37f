"""Grammar fuzzing with hypothesis (see docs/testing.md).

Properties, all against the shipped default policy:

(a) parse() and decide() raise nothing but policy_router errors (and do not crash the
    process), on generated lines, on text dense in shell metacharacters, and on arbitrary
    unicode (NUL included);
(b) the decision is monotone under composition: ``A; B``, ``A && B``, ``A | B``,
    ``B $(A)``, ``( A )``, ``{ A; }``, ``if A; then B; fi`` ... is never below either part;
(c) adding redundant quotes to words never lowers the decision;
(d) a payload that is not local on its own stays not local in any composition or wrapping.

Budget: ``FUZZ_EXAMPLES`` examples per property (default 400, about 30 s; CI keeps the whole file
well under 3 minutes on 2 cores). Counter-examples are kept in regressions.yaml and
replayed by test_fuzz_regressions.py.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from oracle.fuzzkit import (  # noqa: E402
    COMPOSITIONS,
    WRAPPINGS,
    any_text,
    bash_accepts,
    check_monotone,
    check_no_exception,
    check_no_exception_isolated,
    check_payload,
    check_quoting,
    fill,
    lines,
    parts,
    payloads,
    quoted_variant,
    shellish_text,
    simple_commands,
)
from oracle.grammar import BENIGN_PROGRAMS, PAYLOADS  # noqa: E402

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "400"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=False,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


# ---- (a) no foreign exception


@FUZZ
@given(lines())
def test_generated_lines_raise_only_our_errors(cmd: str) -> None:
    assert check_no_exception(cmd) is None


@FUZZ
@given(st.one_of(shellish_text, any_text))
def test_arbitrary_text_raises_only_our_errors(cmd: str) -> None:
    # in a forked child: tree-sitter-bash has segfaulted on such text (regressions.yaml)
    assert check_no_exception_isolated(cmd) is None


# ---- (b) monotone under composition


@FUZZ
@given(st.sampled_from(COMPOSITIONS), parts(), parts())
def test_composition_is_monotone(comp, a: str, b: str) -> None:
    _, template, idx = comp
    whole = fill(template, a, b)
    assume(bash_accepts(whole))
    assert check_monotone(whole, [(a, b)[i] for i in idx]) is None


@FUZZ
@given(parts(), simple_commands())
def test_substitution_argument_is_monotone(a: str, b: str) -> None:
    whole = f"{b} $({' ' + a if a.startswith('(') else a})"
    assume(bash_accepts(whole))
    assert check_monotone(whole, [a, b]) is None


# ---- (c) quoting invariance

_QUOTABLE: tuple[tuple[str, ...], ...] = tuple(BENIGN_PROGRAMS) + tuple(
    tuple(p.split()) for p, _ in PAYLOADS if not any(ch in p for ch in "|;&<>(){}$")
)
_CONTEXTS: tuple[str, ...] = (
    "{}", "ls && {}", "{} | cat", "( {} )", "if true; then {}; fi", "echo $({})", "sudo {}",
    "timeout 5 {}", "env FOO=1 {}", "{} > out.txt", "xargs {}",
)


@FUZZ
@given(st.sampled_from(_QUOTABLE), st.sampled_from(_CONTEXTS), st.data())
def test_redundant_quoting_never_lowers(words, context: str, data) -> None:
    # `~`, globs and `$` change meaning when quoted; only plain words are requoted
    original, requoted = quoted_variant(list(words), data.draw)
    assume(original != requoted)
    assert check_quoting(context.replace("{}", original), context.replace("{}", requoted)) is None


# ---- (d) dangerous payloads stay dangerous


@FUZZ
@given(payloads, st.lists(st.tuples(st.sampled_from(WRAPPINGS), parts()), min_size=1, max_size=3))
def test_dangerous_payload_stays_not_local(payload: str, layers) -> None:
    whole = payload
    for template, other in layers:
        whole = fill(template, whole, other)
    assume(bash_accepts(whole))
    assert check_payload(whole, payload) is None
