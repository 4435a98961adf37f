"""Static resolution in the shell layer: brace expansion, constant propagation of literal
variables within one line, HOME reassignment, trap/alias/coproc text, program path
normalisation and the extra_args marker. Each case compares whole rows (and, where the
words matter, whole Word objects)."""

from __future__ import annotations

import pytest

from policy_router.shell import Ctx, Marker, Word, parse
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
    "a=1; for a in b; do :; done; echo $a": [MAY("echo", ["echo", "1"])],
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
