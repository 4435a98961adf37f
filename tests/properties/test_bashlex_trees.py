"""``bashlex_front.parse_trees(s)`` must be ``bashlex.parse(s)``: the same trees (compared by
their dumps, positions included) or the same exception (type and message).

parse_trees calls bashlex's own parser class and heredoc end finder directly, to skip two
per-call costs of ``bashlex.parse`` (see its docstring); this file is what makes that safe.
Cases: both benchmark/test corpora, a table of edge cases (empty and comment-only input,
heredocs, several lines, unterminated quotes), and hypothesis text (generated lines, text
dense in shell metacharacters, arbitrary unicode).
"""

from __future__ import annotations

import sys
from pathlib import Path

import bashlex
import pytest
from hypothesis import HealthCheck, given, settings

from policy_router.shell.bashlex_front import parse_trees

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from oracle.fuzzkit import any_text, lines, shellish_text  # noqa: E402


def _outcome(f, s: str):
    try:
        return "ok", [t.dump() for t in f(s)]
    except RecursionError:
        return "error", "RecursionError"
    except Exception as e:  # noqa: BLE001 - the exception is the result being compared
        return "error", f"{type(e).__name__}: {e}"


def _same(s: str) -> None:
    want = _outcome(bashlex.parse, s)
    got = _outcome(parse_trees, s)
    assert got == want, s


def _corpus(path: Path) -> list[str]:
    return [
        raw.replace("\u2424", "\n")
        for raw in path.read_text(encoding="utf-8").splitlines()
        if raw.strip() and not raw.startswith("#:")
    ]


EDGE = [
    "",
    "   ",
    "# only a comment",
    "\n",
    "\n\n",
    "ls",
    "ls -la && git status",
    "a\n\nb",
    "a; #x\n b",
    "cat <<E\nx\nE\necho 2",
    "cat <<E > f\nbody $(id)\nE\nls\n",
    "cat <<-E\n\tx\n\tE\n",
    "cat <<A <<B\n1\nA\n2\nB\nrm x",
    "sh <<< 'echo hi'; echo <<not-a-heredoc",
    "echo 'unterminated\n",
    "echo $(ls\n",
    "for i in 1 2; do echo $i; done\nwhile true; do :; done &",
    "f() { echo x; }\nf",
    "echo a \\\n  b\nc",
    "x=1\n\n\n# c\ny=2 z",
]


@pytest.mark.parametrize("s", EDGE)
def test_edge_cases(s: str) -> None:
    _same(s)


@pytest.mark.parametrize("name", ["benchmarks/corpus.txt", "tests/unit/data/parse_corpus.txt"])
def test_corpora(name: str) -> None:
    cmds = _corpus(ROOT / name)
    assert len(cmds) > 100
    for s in cmds:
        _same(s)


PROPS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(lines())
def test_generated_lines(s: str) -> None:
    _same(s)


@PROPS
@given(shellish_text)
def test_metacharacter_text(s: str) -> None:
    _same(s)


@PROPS
@given(any_text)
def test_any_text(s: str) -> None:
    _same(s)
