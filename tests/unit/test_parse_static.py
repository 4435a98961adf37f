"""Static resolution in the shell layer: brace expansion, constant propagation of literal
variables within one line, HOME reassignment, trap/alias/coproc text, program path
normalisation and the extra_args marker. Each case compares whole rows (and, where the
words matter, whole Word objects)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_router.shell import Ctx, Marker, Word, parse
from policy_router.shell import constprop
from policy_router.shell.constprop import Loop, LoopValue, find_loops
from policy_router.shell.expand import MAX_BRACE_WORDS, brace_variants




C = Ctx
M = Marker


def rows(cmd: str) -> list[tuple]:
    """(program, [(text, dynamic) per word], context, markers, via) of every command."""
    return [
        (c.program, [(w.text, w.dynamic) for w in c.argv], [x.value for x in c.context], sorted(m.value for m in c.markers), list(c.via))
        for c in parse(cmd).commands
    ]


def R(program, words, ctx=(), markers=(), via=()):
    ws = [(w, False) if isinstance(w, str) else w for w in words]
    return (program, ws, [x.value for x in ctx], sorted(m.value for m in markers), list(via))


ASSIGN = R("", [])  # an assignment-only command
D = True  # marks a dynamic word: ("text", D)

# ---------------------------------------------------------------------------------------------
# 1. brace expansion of argument words

BRACES = [
    ("cat ~/.ssh/{id_rsa,x}", [R("cat", ["cat", ("~/.ssh/id_rsa", D), ("~/.ssh/x", D)])]),
    ("echo {a..c}", [R("echo", ["echo", "a", "b", "c"])]),
    ("echo {01..03} {5..1..2}", [R("echo", ["echo", "01", "02", "03", "5", "3", "1"])]),
    ("echo x{,y}z", [R("echo", ["echo", "xz", "xyz"])]),
    ("echo {a,b}{c,d}", [R("echo", ["echo", "ac", "ad", "bc", "bd"])]),
    ("echo {a,b{c,d}}", [R("echo", ["echo", "a", "bc", "bd"])]),
    ("echo {'a b',c}", [R("echo", ["echo", "a b", "c"])]),
    # not brace expansions: quoted, no comma, ${ }, escaped comma
    ('echo "{a,b}" {a} {}', [R("echo", ["echo", "{a,b}", "{a}", "{}"])]),
    # {x..} is no expansion either; it is conservatively flagged dynamic
    ("echo {x..}", [R("echo", ["echo", ("{x..}", D)])]),
    ("echo ${x}{a,b}", [R("echo", ["echo", ("${x}a", D), ("${x}b", D)])]),
    ("echo {a\\,b,c}", [R("echo", ["echo", "a,b", "c"])]),
    # over the cap: kept as written, dynamic
    ("echo {1..1000}", [R("echo", ["echo", ("{1..1000}", D)])]),
    # brace expansion happens before tilde expansion: ~ alone becomes $HOME (resolved by policies)
    ("echo {~,x}/a", [R("echo", ["echo", ("$HOME/a", D), "x/a"])]),
    # assignments are not brace-expanded; declaration builtin arguments are
    ("a={x,y}", [ASSIGN]),
    ("export a={x,y}", [R("export", ["export", "a=x", "a=y"])]),
    # the command name: expanded so rules see the program; glob_name keeps it fail-closed
    ("{rm,-rf,~}", [R("rm", ["rm", "-rf", ("$HOME", D)], markers=[M.GLOB_NAME])]),
    ("sudo {rm,-rf,/}", [
        R("sudo", ["sudo", "rm", "-rf", "/"], markers=[M.WRAPPER]),
        R("rm", ["rm", "-rf", "/"], [C.WRAPPED], [M.GLOB_NAME], via=["sudo"]),
    ]),
]


@pytest.mark.parametrize("cmd,expected", BRACES, ids=[c for c, _ in BRACES])
def test_brace_expansion(cmd: str, expected: list[tuple]) -> None:
    assert rows(cmd) == expected


def test_brace_words_keep_raw_and_span() -> None:
    c = parse("cat ~/.ssh/{id_rsa,x}").commands[0]
    raw = "~/.ssh/{id_rsa,x}"
    assert c.argv == (
        Word("cat", "cat", (0, 3), False),
        Word("~/.ssh/id_rsa", raw, (4, 21), True),
        Word("~/.ssh/x", raw, (4, 21), True),
    )


def test_brace_cap() -> None:
    assert brace_variants("{1..%d}" % MAX_BRACE_WORDS) == [str(i) for i in range(1, MAX_BRACE_WORDS + 1)]
    assert brace_variants("{1..%d}" % (MAX_BRACE_WORDS + 1)) is None
    assert brace_variants("{a,b}{1..40}") is None


# ---------------------------------------------------------------------------------------------
# 2. constant propagation within one line

PROPAGATION = [
    ("f=~/.ssh/id_rsa; cat $f", [ASSIGN, R("cat", ["cat", ("$HOME/.ssh/id_rsa", D)])]),
    # a dynamic value stays dynamic inside double quotes (policies resolve $HOME only there)
    ('f=~/.ssh/id_rsa; cat "$f" x"$f"', [ASSIGN, R("cat", ["cat", ("$HOME/.ssh/id_rsa", D), ("x$HOME/.ssh/id_rsa", D)])]),
    ("d=src; ls $d", [ASSIGN, R("ls", ["ls", "src"])]),
    ("d=src; ls \"$d\"/x ${d}y", [ASSIGN, R("ls", ["ls", "src/x", "srcy"])]),
    ("export X=/etc; cat $X/shadow", [R("export", ["export", "X=/etc"]), R("cat", ["cat", "/etc/shadow"])]),
    ("declare -x X=/etc; cat $X", [R("declare", ["declare", "-x", "X=/etc"]), R("cat", ["cat", "/etc"])]),
    # a command name: program resolved, dynamic_name kept (fail closed)
    ("a=rm; $a -rf ~", [ASSIGN, R("rm", ["rm", "-rf", ("~", D)], markers=[M.DYNAMIC_NAME])]),
    ("c='rm -rf'; $c /", [ASSIGN, R("rm", ["rm", "-rf", "/"], markers=[M.DYNAMIC_NAME])]),
    ("a=bash; $a -c 'rm x'", [
        ASSIGN,
        R("bash", ["bash", "-c", "rm x"], markers=[M.DYNAMIC_NAME, M.NESTED_SHELL]),
        R("rm", ["rm", "x"], [C.NESTED_SHELL], via=["bash -c"]),
    ]),
    # word splitting of unquoted values, none of quoted ones; empty unquoted words vanish
    ("c='a  b'; echo $c \"$c\"", [ASSIGN, R("echo", ["echo", "a", "b", "a  b"])]),
    ("e=; echo $e x \"$e\"", [ASSIGN, R("echo", ["echo", "x", ""])]),
    # glob characters in an unquoted value: dynamic (bash globs them); quoted: literal
    ("p='*.py'; ls $p \"$p\"", [ASSIGN, R("ls", ["ls", ("*.py", D), "*.py"])]),
    # a value's text is not expanded again
    ("a='$b'; echo $a", [ASSIGN, R("echo", ["echo", "$b"])]),
    # values built from known values, appends, several assignments in one command
    ("a=x; b=$a/y; cat $b", [ASSIGN, ASSIGN, R("cat", ["cat", "x/y"])]),
    ("a=x; a+=y; echo $a", [ASSIGN, ASSIGN, R("echo", ["echo", "xy"])]),
    ("a=1 b=$a; echo $b", [ASSIGN, R("echo", ["echo", "1"])]),
    ("a=1; a=2; echo $a", [ASSIGN, ASSIGN, R("echo", ["echo", "2"])]),
    # the assignment always runs first: && / || after it, a newline
    ("a=x && cmd $a", [ASSIGN, R("cmd", ["cmd", "x"])]),
    ("a=x || cmd $a", [ASSIGN, R("cmd", ["cmd", "x"])]),
    ("a=x\ncmd $a", [ASSIGN, R("cmd", ["cmd", "x"])]),
    # substitutions and subshells inherit the value
    ("a=x; echo $(cat $a)", [ASSIGN, R("echo", ["echo", ("$(cat $a)", D)]), R("cat", ["cat", "x"], [C.COMMAND_SUBSTITUTION])]),
    ("a=x; (cat $a)", [ASSIGN, R("cat", ["cat", "x"], [C.SUBSHELL])]),
    # prefix assignments do not affect the command's own words (bash expands them first)
    ("X=1 cmd $X", [R("cmd", ["cmd", ("$X", D)])]),
    ("X=1; X=2 cmd $X", [ASSIGN, R("cmd", ["cmd", "1"])]),
    # not certain: conditional, in a subshell / pipeline / group / if / loop / background
    ("false || a=x; cmd $a", [R("false", ["false"]), ASSIGN, R("cmd", ["cmd", ("$a", D)])]),
    ("true && a=x; cmd $a", [R("true", ["true"]), ASSIGN, R("cmd", ["cmd", ("$a", D)])]),
    ("true &&\na=x\ncmd $a", [R("true", ["true"]), ASSIGN, R("cmd", ["cmd", ("$a", D)])]),
    ("(a=x); cmd $a", [R("", [], [C.SUBSHELL]), R("cmd", ["cmd", ("$a", D)])]),
    ("a=x | cat; cmd $a", [ASSIGN, R("cat", ["cat"]), R("cmd", ["cmd", ("$a", D)])]),
    ("{ a=x; }; cmd $a", [R("", [], [C.GROUP]), R("cmd", ["cmd", ("$a", D)])]),
    # inside one construct the assignment holds for the commands after it in that construct
    ("{ a=rm; $a -rf ~; }", [R("", [], [C.GROUP]), R("rm", ["rm", "-rf", ("~", D)], [C.GROUP], [M.DYNAMIC_NAME])]),
    ("if true; then f=x; cat $f; fi", [R("true", ["true"], [C.IF]), R("", [], [C.IF]), R("cat", ["cat", "x"], [C.IF])]),
    ("if f=x; then cat $f; else cat $f; fi", [R("", [], [C.IF]), R("cat", ["cat", "x"], [C.IF]), R("cat", ["cat", ("$f", D)], [C.IF])]),
    ("case y in y) f=x; cat $f;; *) cat $f;; esac", [R("", [], [C.CASE]), R("cat", ["cat", "x"], [C.CASE]), R("cat", ["cat", ("$f", D)], [C.CASE])]),
    ("for i in a b; do f=x; cat $f; done; cat $f", [R("", [], [C.LOOP]), R("cat", ["cat", "x"], [C.LOOP]), R("cat", ["cat", ("$f", D)])]),
    ("g() { f=x; cat $f; }; g", [R("", [], [C.FUNCTION, C.GROUP]), R("cat", ["cat", "x"], [C.FUNCTION, C.GROUP]), R("g", ["g"], markers=[M.FUNCTION_CALL])]),
    ("! f=x; cat $f", [R("", [], [C.NEGATED]), R("cat", ["cat", "x"])]),
    ("{ { f=x; }; cat $f; }", [R("", [], [C.GROUP, C.GROUP]), R("cat", ["cat", ("$f", D)], [C.GROUP])]),
    # a loop body may run again: a later assignment in the loop reaches earlier uses
    ("f=a; while c; do cat $f; f=b; done", [ASSIGN, R("c", ["c"], [C.LOOP]), R("cat", ["cat", ("$f", D)], [C.LOOP]), R("", [], [C.LOOP])]),
    # a function body runs when called, not where it is written
    ("a=1; g() { echo $a; }; a=2; g", [ASSIGN, R("echo", ["echo", ("$a", D)], [C.FUNCTION, C.GROUP]), ASSIGN, R("g", ["g"], markers=[M.FUNCTION_CALL])]),
    ("if c; then a=x; fi; cmd $a", [R("c", ["c"], [C.IF]), R("", [], [C.IF]), R("cmd", ["cmd", ("$a", D)])]),
    ("a=x &\ncmd $a", [R("", [], [C.BACKGROUND]), R("cmd", ["cmd", ("$a", D)])]),
    # a subshell / substitution is a scope of its own: its assignments stay inside
    ("a=1; (a=2); cmd $a", [ASSIGN, R("", [], [C.SUBSHELL]), R("cmd", ["cmd", "1"])]),
    ("a=1; (echo $a; a=2; echo $a); echo $a", [
        ASSIGN, R("echo", ["echo", "1"], [C.SUBSHELL]), R("", [], [C.SUBSHELL]), R("echo", ["echo", "2"], [C.SUBSHELL]), R("echo", ["echo", "1"]),
    ]),
    ("ls -la $(a=rm; $a -rf ~)", [
        R("ls", ["ls", "-la", ("$(a=rm; $a -rf ~)", D)]),
        R("", [], [C.COMMAND_SUBSTITUTION]),
        R("rm", ["rm", "-rf", ("~", D)], [C.COMMAND_SUBSTITUTION], [M.DYNAMIC_NAME]),
    ]),
    ("echo `a=rm; $a x`", [R("echo", ["echo", ("`a=rm; $a x`", D)]), R("", [], [C.BACKTICK]), R("rm", ["rm", "x"], [C.BACKTICK], [M.DYNAMIC_NAME])]),
    ('x="$(a=rm; echo "$a")"', [ASSIGN, R("", [], [C.ASSIGNMENT, C.COMMAND_SUBSTITUTION]), R("echo", ["echo", "rm"], [C.ASSIGNMENT, C.COMMAND_SUBSTITUTION])]),
    # anything that may close a construct between assignment and use hides the assignment
    # (a case pattern's ")" too); with heredocs, assignments inside constructs are not used
    ("(a=rm; case x in y) ;; esac; $a -rf ~)", [R("", [], [C.SUBSHELL]), R("$a", [("$a", D), "-rf", ("~", D)], [C.SUBSHELL], [M.DYNAMIC_NAME])]),
    ("a=ls; (a=rm; cat <<EOF\n(\nEOF\n); $a -rf ~", [
        ASSIGN, R("", [], [C.SUBSHELL]), R("cat", ["cat"], [C.SUBSHELL]), R("$a", [("$a", D), "-rf", ("~", D)], markers=[M.DYNAMIC_NAME]),
    ]),
    # other ways to assign: read, for, unset, ${a:=}, arithmetic, local, declare -i, printf -v
    ("a=1; read a; echo $a", [ASSIGN, R("read", ["read", "a"]), R("echo", ["echo", ("$a", D)])]),
    ("a=1; for a in b; do :; done; echo $a", [ASSIGN, R(":", [":"], [C.LOOP]), R("echo", ["echo", ("$a", D)])]),
    ("a=1; unset a; echo $a", [ASSIGN, R("unset", ["unset", "a"]), R("echo", ["echo", ("$a", D)])]),
    ("a=x; : ${a:=y}; echo $a", [ASSIGN, R(":", [":", ("${a:=y}", D)]), R("echo", ["echo", ("$a", D)])]),
    ("a=x; echo $((a=2)) $a", [ASSIGN, R("echo", ["echo", ("$((a=2))", D), ("$a", D)])]),
    ("declare -i n=1+1; echo $n", [R("declare", ["declare", "-i", "n=1+1"]), R("echo", ["echo", ("$n", D)])]),
    ("a=1; printf -v a x; echo $a", [ASSIGN, R("printf", ["printf", "-v", "a", "x"]), R("echo", ["echo", ("$a", D)])]),
    # after eval / source / a function call / a dynamic command name nothing is known
    ("a=1; echo $a; source f; echo $a", [ASSIGN, R("echo", ["echo", "1"]), R("source", ["source", "f"], markers=[M.SOURCE_DYNAMIC]), R("echo", ["echo", ("$a", D)])]),
    ("a=1; eval b=2; echo $a", [ASSIGN, R("eval", ["eval", "b=2"]), R("", [], [C.EVAL], via=["eval"]), R("echo", ["echo", ("$a", D)])]),
    ("a=1; f() { :; }; f; echo $a", [ASSIGN, R(":", [":"], [C.FUNCTION, C.GROUP]), R("f", ["f"], markers=[M.FUNCTION_CALL]), R("echo", ["echo", ("$a", D)])]),
    ("a=1; $b; echo $a", [ASSIGN, R("$b", [("$b", D)], markers=[M.DYNAMIC_NAME]), R("echo", ["echo", ("$a", D)])]),
    # IFS assignments change word splitting: no propagation in the line
    ("IFS=:; a=x; echo $a", [ASSIGN, ASSIGN, R("echo", ["echo", ("$a", D)])]),
    # special variables are never propagated; other expansions of a known name stay
    ("RANDOM=1; echo $RANDOM", [ASSIGN, R("echo", ["echo", ("$RANDOM", D)])]),
    ("a=x; echo ${a:-y} ${#a}", [ASSIGN, R("echo", ["echo", ("${a:-y}", D), ("${#a}", D)])]),
    # a nested shell is another process: unexported values do not reach it
    ("a=x; bash -c 'echo $a'", [ASSIGN, R("bash", ["bash", "-c", "echo $a"], markers=[M.NESTED_SHELL]), R("echo", ["echo", ("$a", D)], [C.NESTED_SHELL], via=["bash -c"])]),
    # ... but its own text is propagated within itself
    ("bash -c 'a=rm; $a -rf /'", [
        R("bash", ["bash", "-c", "a=rm; $a -rf /"], markers=[M.NESTED_SHELL]),
        R("", [], [C.NESTED_SHELL], via=["bash -c"]),
        R("rm", ["rm", "-rf", "/"], [C.NESTED_SHELL], [M.DYNAMIC_NAME], via=["bash -c"]),
    ]),
    # eval of a known value re-parses the value (tilde expands there)
    ("c='rm -rf ~'; eval $c", [ASSIGN, R("eval", ["eval", "rm", "-rf", "~"]), R("rm", ["rm", "-rf", ("~", D)], [C.EVAL], via=["eval"])]),
    # not yet assigned
    ("echo $a; a=x", [R("echo", ["echo", ("$a", D)]), ASSIGN]),
]


MAYBE_VIA = "maybe-assigned"


def MAY(program, words, ctx=(), markers=()):
    """A copy of a command with the values assignments may have given (via maybe-assigned)."""
    return R(program, words, ctx, markers, via=[MAYBE_VIA])


#: the copies made for values that may hold (the command itself stays unresolved);
#: every PROPAGATION case not listed here has none
MAYBE = {
    "false || a=x; cmd $a": [MAY("cmd", ["cmd", "x"])],
    "true && a=x; cmd $a": [MAY("cmd", ["cmd", "x"])],
    "true &&\na=x\ncmd $a": [MAY("cmd", ["cmd", "x"])],
    "(a=x); cmd $a": [MAY("cmd", ["cmd", "x"])],
    "a=x | cat; cmd $a": [MAY("cmd", ["cmd", "x"])],
    "{ a=x; }; cmd $a": [MAY("cmd", ["cmd", "x"])],
    "if f=x; then cat $f; else cat $f; fi": [MAY("cat", ["cat", "x"], [C.IF])],
    "case y in y) f=x; cat $f;; *) cat $f;; esac": [MAY("cat", ["cat", "x"], [C.CASE])],
    "for i in a b; do f=x; cat $f; done; cat $f": [MAY("cat", ["cat", "x"])],
    "{ { f=x; }; cat $f; }": [MAY("cat", ["cat", "x"], [C.GROUP])],
    "f=a; while c; do cat $f; f=b; done": [MAY("cat", ["cat", "a"], [C.LOOP])],
    "a=1; g() { echo $a; }; a=2; g": [MAY("echo", ["echo", "1"], [C.FUNCTION, C.GROUP])],
    "if c; then a=x; fi; cmd $a": [MAY("cmd", ["cmd", "x"])],
    "a=x &\ncmd $a": [MAY("cmd", ["cmd", "x"])],
    "(a=rm; case x in y) ;; esac; $a -rf ~)": [MAY("rm", ["rm", "-rf", ("~", D)], [C.SUBSHELL], [M.DYNAMIC_NAME])],
    "a=ls; (a=rm; cat <<EOF\n(\nEOF\n); $a -rf ~": [
        MAY("rm", ["rm", "-rf", ("~", D)], markers=[M.DYNAMIC_NAME]),
        MAY("ls", ["ls", "-rf", ("~", D)], markers=[M.DYNAMIC_NAME]),
    ],
    "a=1; read a; echo $a": [MAY("echo", ["echo", "1"])],
    "a=1; for a in b; do :; done; echo $a": [MAY("echo", ["echo", "b"]), MAY("echo", ["echo", "1"])],
    "a=1; unset a; echo $a": [MAY("echo", ["echo", "1"])],
    "a=x; : ${a:=y}; echo $a": [MAY("echo", ["echo", "x"])],
    "a=x; echo $((a=2)) $a": [MAY("echo", ["echo", ("$((a=2))", D), "x"])],
    "a=1; printf -v a x; echo $a": [MAY("echo", ["echo", "1"])],
    "a=1; echo $a; source f; echo $a": [MAY("echo", ["echo", "1"])],
    "a=1; eval b=2; echo $a": [MAY("echo", ["echo", "1"])],
    "a=1; f() { :; }; f; echo $a": [MAY("echo", ["echo", "1"])],
    "a=1; $b; echo $a": [MAY("echo", ["echo", "1"])],
}


@pytest.mark.parametrize("cmd,expected", PROPAGATION, ids=[c for c, _ in PROPAGATION])
def test_constant_propagation(cmd: str, expected: list[tuple]) -> None:
    got = rows(cmd)
    assert [r for r in got if MAYBE_VIA not in r[4]] == expected
    assert [r for r in got if MAYBE_VIA in r[4]] == MAYBE.get(cmd, [])


def test_maybe_copies_follow_their_command() -> None:
    line = parse("a=ls; if c; then a=rm; fi; $a -rf ~")
    assert [(c.program, c.via, c.parent) for c in line.commands] == [
        ("", (), None),
        ("c", (), None),
        ("", (), None),
        ("$a", (), None),
        ("rm", (MAYBE_VIA,), 3),
        ("ls", (MAYBE_VIA,), 3),
    ]


def test_propagated_redirect_target_and_prefix_value() -> None:
    line = parse("d=/tmp/x; Y=$d/y cat < $d/in")
    c = line.commands[1]
    assert (c.assignments[0].value.text, c.assignments[0].value.dynamic) == ("/tmp/x/y", False)
    assert [(r.target.text, r.target.dynamic, r.target.raw) for r in c.redirects] == [("/tmp/x/in", False, "$d/in")]


def test_quoted_home_value_in_redirect_target_stays_dynamic() -> None:
    # a static "$HOME/.bashrc" would be read as a relative path by the matchers
    c = parse('f=~/.bashrc; echo x >> "$f"').commands[1]
    assert [(r.target.text, r.target.dynamic, r.target.raw) for r in c.redirects] == [("$HOME/.bashrc", True, '"$f"')]


# ---------------------------------------------------------------------------------------------
# for-loop variables: one command per value of a static word list

L = [C.LOOP]

LOOPS = [
    # a glob word: a quoted reference is the pattern, dynamic (as if written there)
    ('for f in src/*.py; do wc -l "$f"; done', [R("wc", ["wc", "-l", ("src/*.py", D)], L)]),
    ("for f in a.txt b.txt; do cat $f; done", [R("cat", ["cat", "a.txt"], L), R("cat", ["cat", "b.txt"], L)]),
    # ~ as for a literal ~/.ssh/id_rsa assigned to a variable: $HOME/..., dynamic (quoted too)
    ('for f in ~/.ssh/id_rsa x; do cat "$f"; done', [R("cat", ["cat", ("$HOME/.ssh/id_rsa", D)], L), R("cat", ["cat", "x"], L)]),
    ('for k in ~/.ssh/*; do cat "$k"; done', [R("cat", ["cat", ("$HOME/.ssh/*", D)], L)]),
    ('for v in ~; do rm -rf "$v"; done', [R("rm", ["rm", "-rf", ("$HOME", D)], L)]),
    # a command name keeps dynamic_name
    ("for c in rm; do $c -rf ~; done", [R("rm", ["rm", "-rf", ("~", D)], L, [M.DYNAMIC_NAME])]),
    # brace expansion of the list, quoted words, splitting of unquoted references
    ("for f in {a,b}.txt; do cat $f; done", [R("cat", ["cat", "a.txt"], L), R("cat", ["cat", "b.txt"], L)]),
    ("for f in 'a b' c; do cat $f \"$f\" x${f}y; done", [R("cat", ["cat", "a", "b", "a b", "xa", "by"], L), R("cat", ["cat", "c", "c", "xcy"], L)]),
    ("for f in '' x; do cat \"$f\" $f; done", [R("cat", ["cat", ""], L), R("cat", ["cat", "x", "x"], L)]),
    # a quoted glob word is a plain value (an unquoted use globs it); an unquoted use of a
    # value from a glob stays as written (bash splits the file name and globs it again)
    ('for f in "*.py"; do cat $f "$f"; done', [R("cat", ["cat", ("*.py", D), "*.py"], L)]),
    ('for f in *.py; do cat "$f" $f; done', [R("cat", ["cat", ("*.py", D), ("$f", D)], L)]),
    # every command of the body that uses it, in substitutions and subshells too; other
    # expansions of the name stay
    ("for f in a b; do true && cat $f || ls ${f}.x ${f:-y}; done", [
        R("true", ["true"], L), R("cat", ["cat", "a"], L), R("cat", ["cat", "b"], L),
        R("ls", ["ls", "a.x", ("${f:-y}", D)], L), R("ls", ["ls", "b.x", ("${f:-y}", D)], L),
    ]),
    ('for f in a b; do (cat $f); echo "$(cat $f)"; done', [
        R("cat", ["cat", "a"], L + [C.SUBSHELL]), R("cat", ["cat", "b"], L + [C.SUBSHELL]),
        R("echo", ["echo", ("$(cat $f)", D)], L),
        R("cat", ["cat", "a"], L + [C.COMMAND_SUBSTITUTION]), R("cat", ["cat", "b"], L + [C.COMMAND_SUBSTITUTION]),
    ]),
    # redirect targets and prefix-assignment values
    ('for f in a b; do X=$f cmd > "$f.log"; done', [R("cmd", ["cmd"], L), R("cmd", ["cmd"], L)]),
    # loops nested, inside $( ) and ( ), on several lines, with other known values
    ("for d in x y; do for f in a b; do cat $d/$f; done; done", [
        R("cat", ["cat", "x/a"], L + L), R("cat", ["cat", "x/b"], L + L), R("cat", ["cat", "y/a"], L + L), R("cat", ["cat", "y/b"], L + L),
    ]),
    ("echo $(for f in a b; do cat $f; done)", [
        R("echo", ["echo", ("$(for f in a b; do cat $f; done)", D)]),
        R("cat", ["cat", "a"], [C.COMMAND_SUBSTITUTION, C.LOOP]), R("cat", ["cat", "b"], [C.COMMAND_SUBSTITUTION, C.LOOP]),
    ]),
    ("(for f in a b; do cat $f; done)", [R("cat", ["cat", "a"], [C.SUBSHELL, C.LOOP]), R("cat", ["cat", "b"], [C.SUBSHELL, C.LOOP])]),
    ("for f in a b\ndo\n  cat $f\ndone", [R("cat", ["cat", "a"], L), R("cat", ["cat", "b"], L)]),
    ("x=1; for f in a b; do cat $f $x; done", [ASSIGN, R("cat", ["cat", "a", "1"], L), R("cat", ["cat", "b", "1"], L)]),
    ("while c; do for f in a; do cat $f; done; done", [R("c", ["c"], L), R("cat", ["cat", "a"], L + L)]),
    ("g() { for x in a; do cat $x; done; }; g", [R("cat", ["cat", "a"], [C.FUNCTION, C.GROUP, C.LOOP]), R("g", ["g"], markers=[M.FUNCTION_CALL])]),
    # wrappers and nested shells are unwrapped in every copy
    ("for x in rm; do sudo $x -rf /; done", [
        R("sudo", ["sudo", "rm", "-rf", "/"], L, [M.WRAPPER]), R("rm", ["rm", "-rf", "/"], L + [C.WRAPPED], [M.DYNAMIC_NAME], via=["sudo"]),
    ]),
    ('for f in a b; do bash -c "cat $f"; done', [
        R("bash", ["bash", "-c", "cat a"], L, [M.NESTED_SHELL]), R("cat", ["cat", "a"], L + [C.NESTED_SHELL], via=["bash -c"]),
        R("bash", ["bash", "-c", "cat b"], L, [M.NESTED_SHELL]), R("cat", ["cat", "b"], L + [C.NESTED_SHELL], via=["bash -c"]),
    ]),
    # a shell after a stage with several copies gets no known input
    ("for c in 'echo x' ls; do echo $c | sh; done", [
        R("echo", ["echo", "echo", "x"], L), R("echo", ["echo", "ls"], L), R("sh", ["sh"], L, [M.SHELL_STDIN, M.CODE_EXECUTION]),
    ]),
    # a barrier in the body before the use: unknown; after it: the next iteration assigns again
    ("for f in a b; do eval x; cat $f; done", [R("eval", ["eval", "x"], L), R("x", ["x"], L + [C.EVAL], via=["eval"]), R("cat", ["cat", ("$f", D)], L)]),
    ("for f in a b; do cat $f; source x; done", [R("cat", ["cat", "a"], L), R("cat", ["cat", "b"], L), R("source", ["source", "x"], L, [M.SOURCE_DYNAMIC])]),
    # unchanged: a non-static list, no list, ~user, ~ elsewhere, after done
    ("for f in $(ls); do cat $f; done", [R("ls", ["ls"], L + [C.COMMAND_SUBSTITUTION]), R("cat", ["cat", ("$f", D)], L)]),
    ("for f; do cat $f; done", [R("cat", ["cat", ("$f", D)], L)]),
    ("for f in ~user/x; do cat $f; done", [R("cat", ["cat", ("$f", D)], L)]),
    ("for f in a=~/x; do cat $f; done", [R("cat", ["cat", ("$f", D)], L)]),
    # after done: as written, with maybe-assigned copies (bash leaves the last value, any with break)
    ("for f in a b; do cat $f; done; cat $f", [R("cat", ["cat", "a"], L), R("cat", ["cat", "b"], L), R("cat", ["cat", ("$f", D)])]),
    ("for f in ~/.ssh/id_rsa; do :; done; cat $f", [R(":", [":"], L), R("cat", ["cat", ("$f", D)])]),
    # unchanged: the name is assigned elsewhere (in the body, by read, by another loop)
    ("for f in a; do f=~/.ssh/id_rsa; cat $f; done", [R("", [], L), R("cat", ["cat", ("$f", D)], L)]),
    ("for f in a b; do cat $f; f=c; done", [R("cat", ["cat", ("$f", D)], L), R("", [], L)]),
    ("for f in a b; do read f; cat $f; done", [R("read", ["read", "f"], L), R("cat", ["cat", ("$f", D)], L)]),
    ("for f in a b; do cat $f; done; for f in c; do cat $f; done", [R("cat", ["cat", ("$f", D)], L), R("cat", ["cat", ("$f", D)], L)]),
    ("for f in a; do for f in b; do cat $f; done; done", [R("cat", ["cat", ("$f", D)], L + L)]),
    # unchanged: a function body defined in the loop runs when called
    ("for f in a b; do g() { cat $f; }; done", [R("cat", ["cat", ("$f", D)], L + [C.FUNCTION, C.GROUP])]),
    # unchanged: texts the loop scanner does not model, IFS assigned, too many copies
    ("for f in a b; do case $f in a) cat $f;; esac; done", [R("cat", ["cat", ("$f", D)], L + [C.CASE])]),
    ("for f in a b; do cat $f; done <<< x", [R("cat", ["cat", ("$f", D)], L)]),
    ("for f in a b; do { cat $f; } done", [R("cat", ["cat", ("$f", D)], L + [C.GROUP])]),
    ("IFS=:; for f in a b; do cat $f; done", [ASSIGN, R("cat", ["cat", ("$f", D)], L)]),
    ("for f in 1 2 3 4 5 6 7 8 9; do for g in 1 2 3 4 5 6 7 8; do cat $f$g; done; done", [R("cat", ["cat", ("$f$g", D)], L + L)]),
    # HOME assigned in the text: a value from ~ is marked
    ("HOME=/x; for f in ~/a b; do cat $f; done", [ASSIGN, R("cat", ["cat", ("$HOME/a", D)], L, [M.HOME_CHANGED]), R("cat", ["cat", "b"], L)]),
]

#: maybe-assigned copies in LOOPS (every other case has none): where a loop's values are not
#: certain, each may hold (the most recent first, up to 4), after ``done`` too
LOOP_MAYBE = {
    "for f in ~/.ssh/id_rsa; do :; done; cat $f": [MAY("cat", ["cat", ("$HOME/.ssh/id_rsa", D)])],
    'for f in *.py; do cat "$f" $f; done': [MAY("cat", ["cat", ("*.py", D), ("*.py", D)], L)],
    "for f in a b; do eval x; cat $f; done": [MAY("cat", ["cat", "b"], L), MAY("cat", ["cat", "a"], L)],
    "for f in a b; do cat $f; done; cat $f": [MAY("cat", ["cat", "b"]), MAY("cat", ["cat", "a"])],
    "for f in a; do f=~/.ssh/id_rsa; cat $f; done": [MAY("cat", ["cat", ("$HOME/.ssh/id_rsa", D)], L), MAY("cat", ["cat", "a"], L)],
    "for f in a b; do cat $f; f=c; done": [MAY("cat", ["cat", "b"], L), MAY("cat", ["cat", "a"], L)],
    "for f in a b; do read f; cat $f; done": [MAY("cat", ["cat", "b"], L), MAY("cat", ["cat", "a"], L)],
    "for f in a b; do cat $f; done; for f in c; do cat $f; done": [
        MAY("cat", ["cat", "b"], L), MAY("cat", ["cat", "a"], L), MAY("cat", ["cat", "c"], L), MAY("cat", ["cat", "b"], L), MAY("cat", ["cat", "a"], L),
    ],
    "for f in a; do for f in b; do cat $f; done; done": [MAY("cat", ["cat", "b"], L + L), MAY("cat", ["cat", "a"], L + L)],
    "for f in a b; do g() { cat $f; }; done": [MAY("cat", ["cat", "b"], L + [C.FUNCTION, C.GROUP]), MAY("cat", ["cat", "a"], L + [C.FUNCTION, C.GROUP])],
    "for f in 1 2 3 4 5 6 7 8 9; do for g in 1 2 3 4 5 6 7 8; do cat $f$g; done; done": [
        MAY("cat", ["cat", "98"], L + L), MAY("cat", ["cat", "87"], L + L), MAY("cat", ["cat", "76"], L + L), MAY("cat", ["cat", "65"], L + L),
    ],
}


@pytest.mark.parametrize("cmd,expected", LOOPS, ids=[c for c, _ in LOOPS])
def test_loop_variables(cmd: str, expected: list[tuple]) -> None:
    got = rows(cmd)
    assert [r for r in got if MAYBE_VIA not in r[4]] == expected
    assert [r for r in got if MAYBE_VIA in r[4]] == LOOP_MAYBE.get(cmd, [])


def test_loop_copies_keep_raw_and_span_and_follow_the_first() -> None:
    line = parse('for f in a ~/b; do X=$f cat "$f" > $f.log; done')
    assert [(c.span, c.parent, c.via) for c in line.commands] == [((19, 41), None, ()), ((19, 41), None, ())]
    a, b = line.commands
    assert a.argv == (Word("cat", "cat", (24, 27)), Word("a", '"$f"', (28, 32)))
    assert b.argv == (Word("cat", "cat", (24, 27)), Word("$HOME/b", '"$f"', (28, 32), True))
    assert [(x.assignments[0].value, x.redirects[0].target) for x in (a, b)] == [
        (Word("a", "$f", (21, 23)), Word("a.log", "$f.log", (35, 41))),
        (Word("$HOME/b", "$f", (21, 23), True), Word("$HOME/b.log", "$f.log", (35, 41), True)),
    ]


def test_loop_copies_have_their_own_maybe_copies() -> None:
    line = parse("true && a=rm; for f in x y; do $a $f; done")
    assert [(c.program, c.argv_text, c.via, c.parent) for c in line.commands] == [
        ("true", ("true",), (), None),
        ("", (), (), None),
        ("$a", ("$a", "x"), (), None),
        ("rm", ("rm", "x"), (MAYBE_VIA,), 2),
        ("$a", ("$a", "y"), (), None),
        ("rm", ("rm", "y"), (MAYBE_VIA,), 4),
    ]


#: (name, name_pos, header: ``for`` .. ``do``, body: after ``do`` .. ``done``, depth, values)
FIND_LOOPS = [
    ("for f in a 'b c'; do x; done", [Loop("f", 4, (0, 20), (20, 24), 1, (LoopValue("a", False), LoopValue("b c", False)))]),
    ("for f in ~ *.c; do x; done", [Loop("f", 4, (0, 18), (18, 22), 1, (LoopValue("$HOME", True), LoopValue("*.c", True, True)))]),
    # keywords as arguments, in quotes, in comments; loops in substitutions and subshells
    ("for f in done; do echo done 'done' # done\ndone", [Loop("f", 4, (0, 17), (17, 42), 1, (LoopValue("done", False),))]),
    ("while c; do (for f in a; do x; done); done", [Loop("f", 17, (13, 27), (27, 31), 2, (LoopValue("a", False),))]),
    ("echo $(for f in a; do x; done)", [Loop("f", 11, (7, 21), (21, 25), 1, (LoopValue("a", False),))]),
    # loops that are no static for loops are paired but not returned
    ("for f; do x; done; select s in a; do x; done; for ((i=0; i<2; i++)); do x; done", []),
    ('for f in $(ls) "$x" `y`; do x; done', []),
    # the scanner gives up
    ("case x in a) ;; esac; for f in a; do x; done", None),
    ("for f in a; do x; done <<< y", None),
    ("for f in a; do x \\\n; done", None),
    ("alias x=y; for f in a; do x; done", None),
    ("for f in a; do { x; } done", None),
    ("for f in a; do x; done done", None),
    ("a=1 for f in a; do x; done", None),
    ("for f in a; { x; }", None),
    ("for f in a; do [[ x ; ]]; done", None),
]


LOOP_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("src,expected", FIND_LOOPS, ids=[c for c, _ in FIND_LOOPS])
def test_find_loops(src: str, expected: list[Loop] | None) -> None:
    assert find_loops(src) == expected


LOOP_CHARS = st.sampled_from(["for ", "f", " in ", "do", "done", ";", "\n", "(", ")", "$(", "`", "'", '"', "{ ", "}", "[[ ", "]]", "&", "|", "<", ">", "#", "$f", "=", "*", "~", " ", "\\"])


@LOOP_SETTINGS
@given(st.lists(LOOP_CHARS, max_size=30).map("".join))
def test_find_loops_returns_on_any_text(src: str) -> None:
    found = find_loops(src)
    assert found is None or all(lp.header[1] <= lp.body[0] <= lp.body[1] <= len(src) for lp in found)


loop_words = st.one_of(
    st.from_regex(r"[A-Za-z0-9_./-]{1,8}", fullmatch=True),
    st.from_regex(r"[a-z ]{0,6}", fullmatch=True).map(lambda s: f"'{s}'"),
)
loop_names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda s: s not in {"if", "fi", "for", "do", "done", "in", "time", "case", "esac", "then", "else", "elif", "while", "until", "select", "function", "coproc"}
)


@LOOP_SETTINGS
@given(loop_names, st.lists(loop_words, min_size=1, max_size=4))
def test_loop_copies_are_the_assignments_of_each_word(name: str, words: list[str]) -> None:
    """``for n in W1 W2; do BODY; done`` gives, for each distinct value, the words that
    ``n=W; BODY`` gives (assignment propagation is checked against bash in
    tests/properties/test_parse_props.py)."""
    body = f'printf x ${name} "${name}" x${{{name}}}y > "${name}".out'
    line = parse(f"for {name} in {' '.join(words)}; do {body}; done")
    got = [(c.argv, c.redirects[0].target.text) for c in line.commands]
    want: list[tuple] = []
    for w in words:
        c = parse(f"{name}={w}; {body}").commands[-1]
        item = (tuple(x.text for x in c.argv), c.redirects[0].target.text)
        if item not in want:
            want.append(item)
    assert [(tuple(x.text for x in a), t) for a, t in got] == want
    assert not any(w.dynamic for c in line.commands for w in c.argv)


loop_bodies = st.sampled_from(["cat $f", 'rm -rf "$f"', "$f x", "echo $f | sh", "wc -l \"$f\" > $f.n", 'x=$f cmd "$(cat $f)"', "ls"])
loop_values = st.sampled_from(["a", "~/.ssh/id_rsa", "*.py", "'a b'", "/", "~", "{x,y}", "rm", "'$(id)'"])


@LOOP_SETTINGS
@given(st.lists(loop_values, min_size=1, max_size=3), st.lists(loop_bodies, min_size=1, max_size=3), st.sampled_from(["{} ", "x; ({}) ", "echo $({}) "]))
def test_loop_propagation_never_removes_a_command(values: list[str], bodies: list[str], frame: str) -> None:
    """Every command found without loop propagation is still found at its span, in its
    context and with its via (with the loop variable resolved or not), and the words of the
    commands that do not use the variable are unchanged (their markers may change: ``sh``
    after ``echo $f |`` now reads a known text)."""
    src = frame.format(f"for f in {' '.join(values)}; do {'; '.join(bodies)}; done").strip()
    with_loops = parse(src).commands
    orig = constprop.find_loops
    constprop.find_loops = lambda s: None  # type: ignore[assignment]
    try:
        without = parse(src).commands
    finally:
        constprop.find_loops = orig  # type: ignore[assignment]
    by_place: dict[tuple, list] = {}
    for c in with_loops:
        by_place.setdefault((c.span, c.context, c.via), []).append(c)
    for c in without:
        same = by_place.get((c.span, c.context, c.via))
        assert same, (src, c)
        if not any("$f" in w.raw for w in constprop._all_words(c)):
            assert (c.argv, c.assignments, c.redirects) in [(x.argv, x.assignments, x.redirects) for x in same], (src, c)


# ---------------------------------------------------------------------------------------------
# HOME reassigned: ~ and $HOME are no longer the user's home

HOME = [
    ("HOME=/; rm -rf ~", [ASSIGN, R("rm", ["rm", "-rf", ("~", D)], markers=[M.HOME_CHANGED])]),
    ("export HOME=/etc; cat $HOME/shadow", [R("export", ["export", "HOME=/etc"]), R("cat", ["cat", ("$HOME/shadow", D)], markers=[M.HOME_CHANGED])]),
    ("HOME=/x bash -c 'rm -rf ~'", [
        R("bash", ["bash", "-c", "rm -rf ~"], markers=[M.NESTED_SHELL]),
        R("rm", ["rm", "-rf", ("~", D)], [C.NESTED_SHELL], [M.HOME_CHANGED], via=["bash -c"]),
    ]),
    ("echo ${HOME:-x} ~", [R("echo", ["echo", ("${HOME:-x}", D), ("~", D)])]),
]


@pytest.mark.parametrize("cmd,expected", HOME, ids=[c for c, _ in HOME])
def test_home_assignment_makes_home_dynamic(cmd: str, expected: list[tuple]) -> None:
    assert rows(cmd) == expected
    # fail closed: a command using a reassigned home is dynamic
    assert all(c.dynamic for c in parse(cmd).commands if Marker.HOME_CHANGED in c.markers)


# ---------------------------------------------------------------------------------------------
# 3. trap / alias / coproc

DEFERRED = [
    ("trap 'rm -rf ~' EXIT", [R("trap", ["trap", "rm -rf ~", "EXIT"]), R("rm", ["rm", "-rf", ("~", D)], [C.EVAL], via=["trap"])]),
    ("trap -- 'curl x | sh' INT TERM", [
        R("trap", ["trap", "--", "curl x | sh", "INT", "TERM"]),
        R("curl", ["curl", "x"], [C.EVAL], via=["trap"]),
        R("sh", ["sh"], [C.EVAL], [M.SHELL_STDIN, M.CODE_EXECUTION], via=["trap"]),
    ]),
    ("trap - INT", [R("trap", ["trap", "-", "INT"])]),
    ("trap '' INT", [R("trap", ["trap", "", "INT"])]),
    ("trap INT", [R("trap", ["trap", "INT"])]),
    ("trap -p", [R("trap", ["trap", "-p"])]),
    ('trap "$c" EXIT', [R("trap", ["trap", ("$c", D), "EXIT"], markers=[M.EVAL_DYNAMIC]), R("$c", [("$c", D)], [C.EVAL], [M.DYNAMIC_NAME], via=["trap"])]),
    ("alias ll='ls -l' x='rm -rf /'", [
        R("alias", ["alias", "ll=ls -l", "x=rm -rf /"]),
        R("ls", ["ls", "-l"], [C.EVAL], via=["alias"]),
        R("rm", ["rm", "-rf", "/"], [C.EVAL], via=["alias"]),
    ]),
    ("alias x", [R("alias", ["alias", "x"])]),
    ('alias x="$y"', [R("alias", ["alias", ("x=$y", D)], markers=[M.EVAL_DYNAMIC]), R("$y", [("$y", D)], [C.EVAL], [M.DYNAMIC_NAME], via=["alias"])]),
    ("coproc rm x", [R("coproc", ["coproc", "rm", "x"], markers=[M.WRAPPER]), R("rm", ["rm", "x"], [C.WRAPPED], via=["coproc"])]),
    ("coproc worker { rm -rf x; }", [R("rm", ["rm", "-rf", "x"], [C.GROUP])]),
    ("coproc { rm x; }; echo coproc", [R("rm", ["rm", "x"], [C.GROUP]), R("echo", ["echo", "coproc"])]),
    ("coproc w while true; do rm x; done", [R("true", ["true"], [C.LOOP]), R("rm", ["rm", "x"], [C.LOOP])]),
]


@pytest.mark.parametrize("cmd,expected", DEFERRED, ids=[c for c, _ in DEFERRED])
def test_trap_alias_coproc(cmd: str, expected: list[tuple]) -> None:
    line = parse(cmd)
    assert line.parsed is True
    assert rows(cmd) == expected


# ---------------------------------------------------------------------------------------------
# 4. program path normalisation

PATHS = [
    ("//usr//bin//rm x", "rm", []),
    ("/usr/bin/../bin/rm x", "rm", []),
    ("/./bin/rm x", "rm", []),
    ("/usr/./sbin//rm x", "rm", []),
    ('"/usr/bin/rm" x', "rm", []),
    ("'/bin'/rm x", "rm", []),
    ("\\rm x", "rm", []),
    ("/usr/bin/../../tmp/rm x", "/usr/bin/../../tmp/rm", [M.PATH_PROGRAM]),
    ("//tmp//rm x", "//tmp//rm", [M.PATH_PROGRAM]),
    ("/usr/bin/.. x", "/usr/bin/..", [M.PATH_PROGRAM]),
]


@pytest.mark.parametrize("cmd,program,markers", PATHS, ids=[c for c, _, _ in PATHS])
def test_program_path_normalisation(cmd: str, program: str, markers: list[Marker]) -> None:
    c = parse(cmd).commands[0]
    assert (c.program, sorted(m.value for m in c.markers)) == (program, sorted(m.value for m in markers))


# ---------------------------------------------------------------------------------------------
# 5. inner commands that receive more arguments at run time

EXTRA = [
    ("ls | xargs rm -f", [
        R("ls", ["ls"]),
        R("xargs", ["xargs", "rm", "-f"], markers=[M.WRAPPER]),
        R("rm", ["rm", "-f"], [C.WRAPPED], [M.EXTRA_ARGS], via=["xargs"]),
    ]),
    ("find . -exec rm {} + -execdir cat {} \\;", [
        R("find", ["find", ".", "-exec", "rm", "{}", "+", "-execdir", "cat", "{}", ";"], markers=[M.WRAPPER]),
        R("rm", ["rm", "{}"], [C.WRAPPED], [M.EXTRA_ARGS], via=["find -exec"]),
        R("cat", ["cat", "{}"], [C.WRAPPED], [M.EXTRA_ARGS], via=["find -execdir"]),
    ]),
    ("sudo rm x", [R("sudo", ["sudo", "rm", "x"], markers=[M.WRAPPER]), R("rm", ["rm", "x"], [C.WRAPPED], via=["sudo"])]),
]


@pytest.mark.parametrize("cmd,expected", EXTRA, ids=[c for c, _ in EXTRA])
def test_extra_args_marker(cmd: str, expected: list[tuple]) -> None:
    assert rows(cmd) == expected
    assert Marker.EXTRA_ARGS not in parse(cmd).commands[0].markers
