"""Hypothesis properties of policy_router.shell.parse."""

from __future__ import annotations


from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from policy_router.shell import Ctx, Marker, ParsedLine, parse
from policy_router.shell.words import backtick_body



SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SHELL_CHARS = st.sampled_from(list("abcrm -;&|()<>{}$`'\"\\\n\t#*?[]=~!%^0123456789\x00é☃"))
shellish = st.lists(SHELL_CHARS, max_size=80).map("".join)
names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda s: s not in {"if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac",
                        "function", "select", "in", "time", "coproc"}
)
args = st.from_regex(r"[A-Za-z0-9_./-]{1,10}", fullmatch=True)


def _check_invariants(line: ParsedLine, src: str) -> None:
    assert isinstance(line, ParsedLine)
    assert line.source == src or not isinstance(src, str)
    for i, c in enumerate(line.commands):
        assert c.parent is None or 0 <= c.parent < i
        if c.via or Ctx.NESTED_SHELL in c.context or Ctx.EVAL in c.context:
            continue
        for w in c.argv:
            text = src[w.span[0] : w.span[1]]
            if text != w.raw and Ctx.BACKTICK in c.context:
                # a command of a `...` body bash unescapes (\$ \` \\) keeps the unescaped
                # text as raw; its span covers the source (docs/parsing.md)
                body = backtick_body(text)
                assert body is not None and body[0] == w.raw, (text, w.raw)
                continue
            assert text == w.raw
    if not line.parsed:
        assert Marker.PARSE_ERROR in line.markers


@SETTINGS
@given(st.text(max_size=200))
def test_parse_never_raises_on_arbitrary_text(s: str) -> None:
    _check_invariants(parse(s), s)


@SETTINGS
@given(shellish)
@example("`\\$a")  # an unterminated backtick body that bash unescapes (found by hypothesis)
def test_parse_never_raises_on_shell_like_text(s: str) -> None:
    _check_invariants(parse(s), s)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=400), st.sampled_from(["$(", "(", "`", "<(", "${x:-$(", "bash -c '", "{ "]))
def test_parse_never_raises_on_deep_nesting(n: int, opener: str) -> None:
    closer = {"$(": ")", "(": ")", "`": "`", "<(": ")", "${x:-$(": ")}", "bash -c '": "'", "{ ": "; }"}[opener]
    s = opener * n + "id" + closer * n
    line = parse(s)
    _check_invariants(line, s)


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=70_000, max_value=120_000))
def test_long_input_is_too_large_and_never_local(n: int) -> None:
    line = parse("echo " + "a" * n)
    assert not line.parsed and Marker.TOO_LARGE in line.markers


def _quote_variants(word: str) -> st.SearchStrategy[str]:
    """Random re-quotings of a plain word that bash turns back into the same word."""

    def build(cuts: list[int], styles: list[int]) -> str:
        pieces, prev = [], 0
        for c in sorted(set(cuts)) + [len(word)]:
            if c > prev:
                pieces.append(word[prev:c])
                prev = c
        out = []
        for p, style in zip(pieces, styles + [0] * len(pieces)):
            if style == 1:
                out.append("'" + p + "'")
            elif style == 2:
                out.append('"' + p + '"')
            elif style == 3:
                out.append("".join("\\" + ch for ch in p))
            elif style == 4:
                out.append("''" + p)
            else:
                out.append(p)
        return "".join(out)

    return st.builds(
        build,
        st.lists(st.integers(min_value=0, max_value=len(word)), max_size=4),
        st.lists(st.integers(min_value=0, max_value=4), max_size=6),
    )


@SETTINGS
@given(st.data(), names, st.lists(args, max_size=3))
def test_redundant_quoting_does_not_change_argv(data, name: str, argv: list[str]) -> None:
    plain = parse(" ".join([name] + argv))
    quoted_words = [data.draw(_quote_variants(w)) for w in [name] + argv]
    quoted = parse(" ".join(quoted_words))
    assert [(c.program, c.argv_text) for c in quoted.commands] == [(c.program, c.argv_text) for c in plain.commands]
    assert [(c.program, c.argv_text) for c in plain.commands] == [(name, tuple([name] + argv))]


@SETTINGS
@given(
    st.lists(st.tuples(names, st.lists(args, max_size=2)), min_size=1, max_size=5),
    st.lists(st.sampled_from([";", "&&", "||", "|", "\n", "&", " ; "]), min_size=4, max_size=4),
    st.sampled_from(["{}", "$({})", "`{}`", "({})", "{{ {}; }}", "echo $({})", "x=$({})", "diff <({}) f", "bash -c '{}'", "sudo {}", "if {}; then :; fi"]),
)
def test_every_command_of_a_compound_line_is_found(cmds, ops, wrapper) -> None:
    """Joining simple commands with any operator, inside any construct, never hides one."""
    inner = ""
    for i, (name, a) in enumerate(cmds):
        if i:
            inner += f" {ops[(i - 1) % len(ops)]} "
        inner += " ".join([name] + a)
    line = parse(wrapper.format(inner))
    found = [c.argv_text for c in line.commands]
    for name, a in cmds:
        assert tuple([name] + a) in found


@SETTINGS
@given(shellish)
def test_parse_is_deterministic(s: str) -> None:
    assert parse(s) == parse(s)


# ---------------------------------------------------------------------------------------------
# static expansion checked against GNU bash itself. The generated text can only form words:
# brace words use letters, digits and "{},." ; variable values letters, digits, blanks and
# "_./-" inside single quotes; nothing else is ever given to bash.

import shutil  # noqa: E402
import subprocess  # noqa: E402

import pytest  # noqa: E402

from policy_router.shell.expand import brace_variants  # noqa: E402

BASH = shutil.which("bash")
needs_bash = pytest.mark.skipif(BASH is None, reason="GNU bash not installed")
brace_words = st.lists(st.sampled_from(list("ab1{},.")), min_size=1, max_size=12).map("".join)
var_values = st.lists(st.sampled_from(list("ab1_./- \t")), max_size=10).map("".join)


def _bash_fields(script: str) -> list[str]:
    """NUL-separated output of a printf-only bash script run with an empty environment."""
    out = subprocess.run(
        [BASH, "--norc", "--noprofile", "-c", script], capture_output=True, env={}, cwd="/", timeout=10, check=True
    ).stdout
    return out.decode().split("\0")[:-1]


@needs_bash
@SETTINGS
@given(brace_words)
def test_brace_expansion_matches_bash(word: str) -> None:
    variants = brace_variants(word)
    if variants is None:  # over the cap: the word is kept (dynamic)
        return
    bash = _bash_fields("printf '%s\\0' _ " + word)[1:]
    assert [v for v in variants if v] == bash
    assert [w.text for w in parse("printf x " + word).commands[0].argv[2:]] == bash


@needs_bash
@SETTINGS
@given(names, var_values)
def test_propagated_variables_match_bash(name: str, value: str) -> None:
    """``n='v'; printf .. $n "$n" x${n}y`` gives the words bash gives (splitting included)."""
    script = f"{name}='{value}'; printf '%s\\0' ${name} \"${name}\" x${{{name}}}y"
    cmd = parse(script).commands[-1]
    assert cmd.program == "printf"
    assert list(cmd.argv_text[2:]) == _bash_fields(script)
    assert not any(w.dynamic for w in cmd.argv)


@SETTINGS
@given(names, args)
def test_prefix_assignment_does_not_resolve_own_words(name: str, value: str) -> None:
    """bash expands ``cmd``'s words before ``X=v`` takes effect for ``cmd``."""
    cmd = parse(f"{name.upper()}_V={value} cmd ${name.upper()}_V").commands[-1]
    assert [(w.text, w.dynamic) for w in cmd.argv] == [("cmd", False), (f"${name.upper()}_V", True)]
