"""Cheap pre-checks of the matchers: required literals of pattern sets, program-only verdicts.

Both are optimisations that must never change a result, so besides tables of cases the
tests check soundness as properties: whenever a pattern matches a text, the literal test
passes; whenever a verdict says True/False, the compiled match object agrees.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_router.matchers import (
    F_ARGS,
    F_ASSIGN,
    F_MARKERS,
    F_REDIRECTS,
    CompileContext,
    LineState,
    compile_match,
    literal_test,
    program_features,
    program_verdict,
    required_literals,
    trie_regex,
)
from policy_router.plugins import get_plugin_manager, matcher_registry
from policy_router.policy.model import freeze
from policy_router.shell.model import Command, ParsedLine, Word

REG = matcher_registry(get_plugin_manager(load_entrypoints=False))
DEFAULT = Path(__file__).resolve().parents[2] / "policies" / "default.yaml"


def _source(p: str) -> str:
    return p[3:] if p.startswith("re:") else r"\A" + fnmatch.translate(p)


@pytest.mark.parametrize(
    "sources, expected",
    [
        ([r"\.aws/(sso/|x)"], {".aws/"}),
        ([r"(^|[/=])id_(rsa|dsa)(\b|$)"], {"rsa", "dsa"}),  # the last distinctive part
        ([r"\.aws/", r"\.ssh/"], {".aws/", ".ssh/"}),
        ([r"x\.env", r"\.env"], {".env"}),  # a literal containing another is implied by it
        ([_source("*/.git/hooks/*")], {"/.git/hooks/"}),
        ([_source("/home/*/.ssh")], {"/.ssh"}),  # the distinctive end, not the /home/ prefix
        ([r"(\s|=)/[*?\[{]"], {"*", "?", "[", "{"}),  # a lone "/" is useless
        ([r"^(PATH|LD_\w+)="], {"PATH", "LD_"}),
        ([r"a(?i:bc)d"], {"a"}),
        ([r"."], None),  # no literal: no pre-check
        ([r"(?i)socket"], None),  # case-insensitive: no pre-check
        ([r"\.env", r"\w+"], None),  # one source without a literal spoils the set
        ([_source("*")], None),
    ],
)
def test_required_literals(sources: list[str], expected: set[str] | None) -> None:
    got = required_literals(sources)
    assert (set(got) if got is not None else None) == expected


def _default_pattern_sets() -> list[list[str]]:
    data = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    return [[_source(p) for p in items] for items in data["lists"].values()
            if all(isinstance(p, str) for p in items)]  # fmt: skip


PATTERN_SETS = [s for s in _default_pattern_sets() if required_literals(s) is not None]
TOKENS = ["/", ".", "~", "$HOME", "/home/u", "/etc/", ".ssh", "/id_rsa", ".aws", "credentials",
          ".env", ".local", "shadow", "{", "*", "?", "=", "PATH", "LD_PRELOAD", "a", "-", "\n",
          ".git", "/hooks", "config", "bashrc", "_history", "/dev/", "sda", "proc", "environ"]  # fmt: skip


def test_default_policy_lists_have_prefilters() -> None:
    # the big regex lists of the shipped policy are the ones worth a pre-check
    assert len(PATTERN_SETS) >= 8


@settings(max_examples=400, deadline=None)
@given(idx=st.integers(min_value=0, max_value=10_000), parts=st.lists(st.sampled_from(TOKENS), max_size=8))
def test_literal_prefilter_is_sound(idx: int, parts: list[str]) -> None:
    sources = PATTERN_SETS[idx % len(PATTERN_SETS)]
    text = "".join(parts)
    lits = required_literals(sources)
    assert lits is not None
    if any(re.search(s, text) for s in sources):
        assert literal_test(lits)(text), (sources, text, lits)


def _cmd(program: str, *args: str) -> Command:
    words = tuple(Word(t, t, (0, 0)) for t in (program, *args))
    return Command(argv=words, program=program, span=(0, 0))


@pytest.mark.parametrize(
    "match, program, expected",
    [
        ({"program": ["cat", "less"]}, "cat", True),
        ({"program": ["cat", "less"]}, "rm", False),
        ({"program": ["cat*"]}, "catx", True),
        ({"program": ["cat"], "flags": {"any": ["-o"]}}, "cat", None),
        ({"program": ["cat"], "flags": {"any": ["-o"]}}, "rm", False),
        ({"program": ["cat", "less"], "not": {"program": ["less"], "flags": {"any": ["-o"]}}}, "cat", True),
        ({"program": ["cat", "less"], "not": {"program": ["less"], "flags": {"any": ["-o"]}}}, "less", None),
        ({"any_of": [{"program": ["a"]}, {"args": {"any": ["x"]}}]}, "a", True),
        ({"any_of": [{"program": ["a"]}, {"args": {"any": ["x"]}}]}, "b", None),
        ({"any_of": [{"program": ["a"]}, {"program": ["b"]}]}, "c", False),
    ],
)
def test_program_verdict(match: dict, program: str, expected: bool | None) -> None:
    verdict = program_verdict(freeze(match), REG)
    assert verdict is not None
    assert verdict(program) is expected


def test_program_verdict_none_without_program_keys() -> None:
    assert program_verdict(freeze({"args": {"any": ["x"]}}), REG) is None


@pytest.mark.parametrize("program", ["cat", "less", "rm", "catx", "a", "b"])
@pytest.mark.parametrize("args", [(), ("-o", "x"), ("x",)])
def test_program_verdict_agrees_with_the_compiled_match(program: str, args: tuple[str, ...]) -> None:
    objects = [
        {"program": ["cat", "less"], "not": {"program": ["less"], "flags": {"any": ["-o"]}}},
        {"any_of": [{"program": ["a"]}, {"args": {"any": ["x"]}}]},
        {"program": ["cat*"], "args": {"none": ["x"]}},
    ]
    cmd = _cmd(program, *args)
    line = ParsedLine(source=program, commands=(cmd,))
    for obj in objects:
        frozen = freeze(obj)
        verdict = program_verdict(frozen, REG)
        assert verdict is not None
        v = verdict(program)
        if v is not None:
            ctx = LineState(line, cwd="/w", workspace="/w", home="/h").context(0)
            assert compile_match(frozen, CompileContext(REG))(cmd, ctx) is v, (obj, program, args)


@settings(max_examples=300, deadline=None)
@given(
    lits=st.lists(st.text(alphabet="/._ab-]^\\\n", min_size=1, max_size=5), min_size=1, max_size=8),
    text=st.text(alphabet="/._ab-]^\\\nx", max_size=16),
)
def test_trie_regex_is_containment(lits: list[str], text: str) -> None:
    assert (re.search(trie_regex(lits), text) is not None) == any(x in text for x in lits)
    assert literal_test(lits)(text) == any(x in text for x in lits)


@settings(max_examples=400, deadline=None)
@given(
    lits=st.lists(st.text(alphabet="abkKsS._-", min_size=1, max_size=5), min_size=1, max_size=8),
    text=st.text(alphabet="abkKsSxX._-\u212a\u017f\u0130\u0131", max_size=16),
)
def test_ignorecase_literal_test_is_an_ignorecase_search(lits: list[str], text: str) -> None:
    """The case-insensitive literal test (lower-cased plain search on ASCII text) answers what
    an IGNORECASE search of the literals answers, also on text with the Kelvin sign, long s
    and dotted/dotless i, which IGNORECASE folds and str.lower() does not."""
    want = re.search("|".join(map(re.escape, lits)), text, re.IGNORECASE) is not None
    assert literal_test(lits, ignorecase=True)(text) == want


@pytest.mark.parametrize(
    "match, program, expected",
    [
        ({"redirects": {"mode": "write"}}, "ls", F_REDIRECTS),
        ({"any_of": [{"program": ["export"], "args": {"any": ["x"]}}, {"assignments": ["PATH"]}]}, "ls", F_ASSIGN),
        ({"any_of": [{"program": ["export"], "args": {"any": ["x"]}}, {"assignments": ["PATH"]}]}, "export",
         F_ARGS | F_ASSIGN),
        ({"any_of": [{"program": ["py*"]}, {"markers": {"any": ["code_execution"]}}]}, "python3", 0),
        ({"any_of": [{"program": ["py*"]}, {"markers": {"any": ["code_execution"]}}]}, "ls", F_MARKERS),
        ({"any_of": [{"program": ["a"]}, {"program": ["b"]}]}, "c", None),
        ({"program": ["x"], "any_of": [{"program": ["a"]}, {"args": {"any": ["y"]}}]}, "x", F_ARGS),
    ],
)
def test_program_features(match: dict, program: str, expected: int | None) -> None:
    assert program_features(freeze(match))(program) == expected


@pytest.mark.parametrize(
    "sources, text, expected",
    [
        # group numbers count from the start of a combined pattern: a source with a
        # backreference is searched on its own (sed's `s,a,b,e` with a comma delimiter)
        (["^x$", r"s([^\\\n])(?:(?!\1).)*\1(?:(?!\1).)*\1e"], "s,a,b,e", True),
        (["^x$", r"s([^\\\n])(?:(?!\1).)*\1(?:(?!\1).)*\1e"], "s,a,b,g", False),
        ([r"(a)(b)\2", r"(?P<q>['\"]).*(?P=q)", "^z"], "abb", True),
        ([r"(a)(b)\2", r"(?P<q>['\"]).*(?P=q)", "^z"], "'x'", True),
        ([r"(a)(b)\2", r"(?P<q>['\"]).*(?P=q)", "^z"], "zz", True),
        ([r"(a)(b)\2", r"(?P<q>['\"]).*(?P=q)", "^z"], "ab'", False),
    ],
)
def test_regex_sets_with_backreferences(sources: list[str], text: str, expected: bool) -> None:
    from policy_router.matchers import _regex_any

    assert (_regex_any(sources)(text) is not None) is expected
    assert any(re.search(s, text) for s in sources) is expected

