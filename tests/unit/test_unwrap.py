"""Table-driven tests of wrappers, nested shells and code-execution markers (shell/unwrap.py,
through parse()). Each case compares the whole list of commands as rows."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policy_router.shell.unwrap as U
from policy_router.shell import Assignment, Ctx, Marker, PipelinePos, Word, parse
from policy_router.shell.model import Command
from policy_router.shell.unwrap import WRAPPERS, unwrap



def rows(line) -> list[tuple]:
    """(program, argv, context, markers, via, parent) for every command, in order."""
    return [
        (c.program, list(c.argv_text), [x.value for x in c.context], sorted(m.value for m in c.markers), list(c.via), c.parent)
        for c in line.commands
    ]


def R(program, argv, ctx=(), markers=(), via=(), parent=None):
    return (program, list(argv), [x.value for x in ctx], sorted(m.value for m in markers), list(via), parent)

C = Ctx
M = Marker
W = [C.WRAPPED]


def wrapped(outer: str, argv: list[str], inner: list[str], via: str, *, marks=(), ctx=()) -> list[tuple]:
    """Rows of a wrapper command and its single inner command."""
    return [
        R(outer, argv, ctx, [M.WRAPPER]),
        R(inner[0], inner, list(ctx) + W, marks, [via], 0),
    ]


WRAPPER_CASES = [
    ("sudo rm -rf /", wrapped("sudo", ["sudo", "rm", "-rf", "/"], ["rm", "-rf", "/"], "sudo")),
    ("sudo -u root -g wheel -C 3 -D /tmp -h host -p pw -r r -t t -U u -T 5 -E -H -n rm a",
     wrapped("sudo", ["sudo", "-u", "root", "-g", "wheel", "-C", "3", "-D", "/tmp", "-h", "host", "-p", "pw", "-r", "r", "-t", "t", "-U", "u", "-T", "5", "-E", "-H", "-n", "rm", "a"], ["rm", "a"], "sudo")),
    ("sudo -uroot rm a", wrapped("sudo", ["sudo", "-uroot", "rm", "a"], ["rm", "a"], "sudo")),
    ("sudo --user=root --chdir /x rm a", wrapped("sudo", ["sudo", "--user=root", "--chdir", "/x", "rm", "a"], ["rm", "a"], "sudo")),
    ("sudo -- rm a", wrapped("sudo", ["sudo", "--", "rm", "a"], ["rm", "a"], "sudo")),
    ("doas -u root rm a", wrapped("doas", ["doas", "-u", "root", "rm", "a"], ["rm", "a"], "doas")),
    ("command rm a", wrapped("command", ["command", "rm", "a"], ["rm", "a"], "command")),
    ("command -p rm a", wrapped("command", ["command", "-p", "rm", "a"], ["rm", "a"], "command")),
    ("builtin cd /x", wrapped("builtin", ["builtin", "cd", "/x"], ["cd", "/x"], "builtin")),
    ("exec -a name -c -l rm a", wrapped("exec", ["exec", "-a", "name", "-c", "-l", "rm", "a"], ["rm", "a"], "exec")),
    ("nohup rm a", wrapped("nohup", ["nohup", "rm", "a"], ["rm", "a"], "nohup")),
    ("time -p rm a", wrapped("time", ["time", "-p", "rm", "a"], ["rm", "a"], "time")),
    ("/usr/bin/time -f %e -o out rm a", wrapped("time", ["/usr/bin/time", "-f", "%e", "-o", "out", "rm", "a"], ["rm", "a"], "time")),
    ("timeout 30 rm a", wrapped("timeout", ["timeout", "30", "rm", "a"], ["rm", "a"], "timeout")),
    ("timeout -s KILL -k 5 --preserve-status 30s rm a", wrapped("timeout", ["timeout", "-s", "KILL", "-k", "5", "--preserve-status", "30s", "rm", "a"], ["rm", "a"], "timeout")),
    ("nice -n 10 rm a", wrapped("nice", ["nice", "-n", "10", "rm", "a"], ["rm", "a"], "nice")),
    ("nice -10 rm a", wrapped("nice", ["nice", "-10", "rm", "a"], ["rm", "a"], "nice")),
    ("ionice -c 2 -n 7 -t rm a", wrapped("ionice", ["ionice", "-c", "2", "-n", "7", "-t", "rm", "a"], ["rm", "a"], "ionice")),
    ("stdbuf -i0 -o L -e 0 rm a", wrapped("stdbuf", ["stdbuf", "-i0", "-o", "L", "-e", "0", "rm", "a"], ["rm", "a"], "stdbuf")),
    ("setsid -c -f -w rm a", wrapped("setsid", ["setsid", "-c", "-f", "-w", "rm", "a"], ["rm", "a"], "setsid")),
    ("flock -x -w 5 /tmp/l rm a", wrapped("flock", ["flock", "-x", "-w", "5", "/tmp/l", "rm", "a"], ["rm", "a"], "flock")),
    ("watch -x -n 2 rm a", wrapped("watch", ["watch", "-x", "-n", "2", "rm", "a"], ["rm", "a"], "watch")),
    ("xargs rm -f", wrapped("xargs", ["xargs", "rm", "-f"], ["rm", "-f"], "xargs", marks=[M.EXTRA_ARGS])),
    ("xargs -0 -I {} -n 1 -P 4 -L 2 -d , -a list -E END -s 100 rm {}",
     wrapped("xargs", ["xargs", "-0", "-I", "{}", "-n", "1", "-P", "4", "-L", "2", "-d", ",", "-a", "list", "-E", "END", "-s", "100", "rm", "{}"], ["rm", "{}"], "xargs", marks=[M.EXTRA_ARGS])),
    ("xargs -i -r rm", wrapped("xargs", ["xargs", "-i", "-r", "rm"], ["rm"], "xargs", marks=[M.EXTRA_ARGS])),
    ("xargs -n1", wrapped("xargs", ["xargs", "-n1"], ["echo"], "xargs", marks=[M.EXTRA_ARGS])),
    ("chroot /mnt rm a", wrapped("chroot", ["chroot", "/mnt", "rm", "a"], ["rm", "a"], "chroot")),
    ("chroot --userspec=u:g /mnt rm a", wrapped("chroot", ["chroot", "--userspec=u:g", "/mnt", "rm", "a"], ["rm", "a"], "chroot")),
    ("unshare -r -n --mount rm a", wrapped("unshare", ["unshare", "-r", "-n", "--mount", "rm", "a"], ["rm", "a"], "unshare")),
    ("nsenter -t 1 -m -u rm a", wrapped("nsenter", ["nsenter", "-t", "1", "-m", "-u", "rm", "a"], ["rm", "a"], "nsenter")),
    ("strace -f -o /tmp/t -e trace=open rm a", wrapped("strace", ["strace", "-f", "-o", "/tmp/t", "-e", "trace=open", "rm", "a"], ["rm", "a"], "strace")),
    ("ltrace -o x rm a", wrapped("ltrace", ["ltrace", "-o", "x", "rm", "a"], ["rm", "a"], "ltrace")),
    ("busybox rm a", wrapped("busybox", ["busybox", "rm", "a"], ["rm", "a"], "busybox")),
    ("coproc rm a", wrapped("coproc", ["coproc", "rm", "a"], ["rm", "a"], "coproc")),
    ("taskset -c 0 rm a", wrapped("taskset", ["taskset", "-c", "0", "rm", "a"], ["rm", "a"], "taskset")),
    ("./sudo rm a", [R("./sudo", ["./sudo", "rm", "a"], (), [M.PATH_PROGRAM, M.WRAPPER]), R("rm", ["rm", "a"], W, (), ["sudo"], 0)]),
]


@pytest.mark.parametrize("cmd,expected", WRAPPER_CASES, ids=[c for c, _ in WRAPPER_CASES])
def test_wrappers(cmd: str, expected: list[tuple]) -> None:
    assert rows(parse(cmd)) == expected


NO_INNER = [
    ("sudo -l", []),
    ("sudo -v", []),
    ("sudo -e /etc/hosts", []),
    ("command -v rm", []),
    ("command -V rm", []),
    ("env", []),
    ("env -i", []),
    ("ionice -p 123", []),
    ("taskset -p 1 123", []),
    ("nohup", []),
    ("strace -p 1", []),
    ("sudo -s", [M.SHELL_STDIN]),
    ("sudo -i -u bob", [M.SHELL_STDIN]),
    ("doas -s", [M.SHELL_STDIN]),
    ("su", [M.SHELL_STDIN]),
    ("su - bob", [M.SHELL_STDIN]),
    ("chroot /mnt", [M.SHELL_STDIN]),
    ("unshare -r", [M.SHELL_STDIN]),
]


@pytest.mark.parametrize("cmd,markers", NO_INNER, ids=[c for c, _ in NO_INNER])
def test_wrappers_without_inner_command(cmd: str, markers: list[Marker]) -> None:
    line = parse(cmd)
    assert [(c.argv_text, sorted(c.markers)) for c in line.commands] == [(tuple(cmd.split()), sorted(markers))]


def test_exec_with_only_redirects_is_not_a_wrapper() -> None:
    assert rows(parse("exec 3>file")) == [R("exec", ["exec"])]


def test_nested_wrappers_chain_via_and_parents() -> None:
    line = parse("sudo -u root env A=1 nice -n5 timeout 10 rm -rf /x")
    assert rows(line) == [
        R("sudo", ["sudo", "-u", "root", "env", "A=1", "nice", "-n5", "timeout", "10", "rm", "-rf", "/x"], (), [M.WRAPPER]),
        R("env", ["env", "A=1", "nice", "-n5", "timeout", "10", "rm", "-rf", "/x"], W, [M.WRAPPER], ["sudo"], 0),
        R("nice", ["nice", "-n5", "timeout", "10", "rm", "-rf", "/x"], W * 2, [M.WRAPPER], ["sudo", "env"], 1),
        R("timeout", ["timeout", "10", "rm", "-rf", "/x"], W * 3, [M.WRAPPER], ["sudo", "env", "nice"], 2),
        R("rm", ["rm", "-rf", "/x"], W * 4, (), ["sudo", "env", "nice", "timeout"], 3),
    ]
    # the env assignment moves onto env's inner command
    assert line.commands[2].assignments == (Assignment("A", Word("1", "1", (19, 20)), (17, 20)),)


def test_env_assignments_and_options() -> None:
    line = parse("env -i -u HOME -C /tmp PATH=/evil:$PATH LD_PRELOAD=x.so ls")
    assert rows(line) == [
        R("env", ["env", "-i", "-u", "HOME", "-C", "/tmp", "PATH=/evil:$PATH", "LD_PRELOAD=x.so", "ls"], (), [M.WRAPPER]),
        R("ls", ["ls"], W, (), ["env"], 0),
    ]
    assert [(a.name, a.value.text, a.value.dynamic) for a in line.commands[1].assignments] == [
        ("PATH", "/evil:$PATH", True),
        ("LD_PRELOAD", "x.so", False),
    ]


@pytest.mark.parametrize("cmd", ["env -S 'rm -rf /'", "env -S'rm -rf /'", "env --split-string='rm -rf /'", "env -iS 'rm -rf /'"])
def test_env_split_string_is_parsed_as_a_command_line(cmd: str) -> None:
    line = parse(cmd)
    assert [(c.program, c.argv_text, c.via, c.parent, Ctx.WRAPPED in c.context) for c in line.commands] == [
        ("env", line.commands[0].argv_text, (), None, False),
        ("rm", ("rm", "-rf", "/"), ("env -S",), 0, True),
    ]


def test_env_split_string_dynamic() -> None:
    assert rows(parse('env -S "rm $X"')) == [
        R("env", ["env", "-S", "rm $X"], (), [M.EVAL_DYNAMIC, M.WRAPPER]),
        R("rm", ["rm", "$X"], W, (), ["env -S"], 0),
    ]


def test_find_exec_clauses() -> None:
    line = parse("find . -name '*.tmp' -exec rm -f {} \\; -o -execdir mv {} /t + -ok cat {} \\; -okdir ls \\; -delete")
    assert rows(line) == [
        R("find", list(line.commands[0].argv_text), (), [M.WRAPPER]),
        R("rm", ["rm", "-f", "{}"], W, [M.EXTRA_ARGS], ["find -exec"], 0),
        R("mv", ["mv", "{}", "/t"], W, [M.EXTRA_ARGS], ["find -execdir"], 0),
        R("cat", ["cat", "{}"], W, [M.EXTRA_ARGS], ["find -ok"], 0),
        R("ls", ["ls"], W, [M.EXTRA_ARGS], ["find -okdir"], 0),
    ]


def test_find_without_exec_is_not_a_wrapper() -> None:
    assert rows(parse("find . -name x -delete")) == [R("find", ["find", ".", "-name", "x", "-delete"])]


def test_inner_command_inherits_pipeline_and_redirects() -> None:
    line = parse("ls | xargs -0 rm > log")
    assert [(c.program, c.pipeline, [r.target.text for r in c.redirects]) for c in line.commands] == [
        ("ls", PipelinePos(0, 0, 2), []),
        ("xargs", PipelinePos(0, 1, 2), ["log"]),
        ("rm", PipelinePos(0, 1, 2), ["log"]),
    ]


# ---------------------------------------------------------------------------------------------
# nested shells and eval

N = [C.NESTED_SHELL]

NESTED = [
    ("bash -c 'rm -rf /'", [R("bash", ["bash", "-c", "rm -rf /"], (), [M.NESTED_SHELL]), R("rm", ["rm", "-rf", "/"], N, (), ["bash -c"], 0)]),
    ("sh -c 'a && b' arg0 x", [
        R("sh", ["sh", "-c", "a && b", "arg0", "x"], (), [M.NESTED_SHELL]),
        R("a", ["a"], N, (), ["sh -c"], 0),
        R("b", ["b"], N, (), ["sh -c"], 0),
    ]),
    ("bash -lc 'id'", [R("bash", ["bash", "-lc", "id"], (), [M.NESTED_SHELL]), R("id", ["id"], N, (), ["bash -c"], 0)]),
    ("bash -ec id", [R("bash", ["bash", "-ec", "id"], (), [M.NESTED_SHELL]), R("id", ["id"], N, (), ["bash -c"], 0)]),
    ("bash -xc id", [R("bash", ["bash", "-xc", "id"], (), [M.NESTED_SHELL]), R("id", ["id"], N, (), ["bash -c"], 0)]),
    ("bash --norc --noprofile -c id", [R("bash", ["bash", "--norc", "--noprofile", "-c", "id"], (), [M.NESTED_SHELL]), R("id", ["id"], N, (), ["bash -c"], 0)]),
    ("bash -o pipefail -c id", [R("bash", ["bash", "-o", "pipefail", "-c", "id"], (), [M.NESTED_SHELL]), R("id", ["id"], N, (), ["bash -c"], 0)]),
    ("/bin/zsh -c id", [R("zsh", ["/bin/zsh", "-c", "id"], (), [M.NESTED_SHELL]), R("id", ["id"], N, (), ["zsh -c"], 0)]),
    ("dash -c id; ksh -c id; mksh -c id; ash -c id", [
        R("dash", ["dash", "-c", "id"], (), [M.NESTED_SHELL]), R("id", ["id"], N, (), ["dash -c"], 0),
        R("ksh", ["ksh", "-c", "id"], (), [M.NESTED_SHELL]), R("id", ["id"], N, (), ["ksh -c"], 2),
        R("mksh", ["mksh", "-c", "id"], (), [M.NESTED_SHELL]), R("id", ["id"], N, (), ["mksh -c"], 4),
        R("ash", ["ash", "-c", "id"], (), [M.NESTED_SHELL]), R("id", ["id"], N, (), ["ash -c"], 6),
    ]),
    ("busybox sh -c id", [
        R("busybox", ["busybox", "sh", "-c", "id"], (), [M.WRAPPER]),
        R("sh", ["sh", "-c", "id"], W, [M.NESTED_SHELL], ["busybox"], 0),
        R("id", ["id"], W + N, (), ["busybox", "sh -c"], 1),
    ]),
    ("bash -c \"bash -c 'rm x'\"", [
        R("bash", ["bash", "-c", "bash -c 'rm x'"], (), [M.NESTED_SHELL]),
        R("bash", ["bash", "-c", "rm x"], N, [M.NESTED_SHELL], ["bash -c"], 0),
        R("rm", ["rm", "x"], N * 2, (), ["bash -c", "bash -c"], 1),
    ]),
    # non-literal text: EVAL_DYNAMIC, and the text as written is still parsed for what it shows
    ('bash -c "$CMD"', [
        R("bash", ["bash", "-c", "$CMD"], (), [M.EVAL_DYNAMIC, M.NESTED_SHELL]),
        R("$CMD", ["$CMD"], N, [M.DYNAMIC_NAME], ["bash -c"], 0),
    ]),
    ('bash -c "rm -rf $D"', [
        R("bash", ["bash", "-c", "rm -rf $D"], (), [M.EVAL_DYNAMIC, M.NESTED_SHELL]),
        R("rm", ["rm", "-rf", "$D"], N, (), ["bash -c"], 0),
    ]),
    ("bash -c", [R("bash", ["bash", "-c"], (), [M.EVAL_DYNAMIC])]),
    ("bash script.sh arg", [R("bash", ["bash", "script.sh", "arg"])]),
    ("sh <<< 'rm -rf ~' $(ls)", [
        R("sh", ["sh", "$(ls)"], (), [M.EVAL_DYNAMIC, M.NESTED_SHELL]),
        R("rm", ["rm", "-rf", "~"], N, (), ["sh"], 0),
        R("ls", ["ls"], [C.COMMAND_SUBSTITUTION]),
    ]),
    ("sudo bash -c 'rm -rf /'", [
        R("sudo", ["sudo", "bash", "-c", "rm -rf /"], (), [M.WRAPPER]),
        R("bash", ["bash", "-c", "rm -rf /"], W, [M.NESTED_SHELL], ["sudo"], 0),
        R("rm", ["rm", "-rf", "/"], W + N, (), ["sudo", "bash -c"], 1),
    ]),
    ("find . | xargs sh -c 'rm \"$@\"' _", [
        R("find", ["find", "."]),
        R("xargs", ["xargs", "sh", "-c", 'rm "$@"', "_"], (), [M.WRAPPER]),
        R("sh", ["sh", "-c", 'rm "$@"', "_"], W, [M.NESTED_SHELL, M.EXTRA_ARGS], ["xargs"], 1),
        R("rm", ["rm", "$@"], W + N, (), ["xargs", "sh -c"], 2),
    ]),
    ("bash -c 'if'", [R("bash", ["bash", "-c", "if"], (), [M.NESTED_SHELL, M.PARSE_ERROR])]),
    ("eval 'rm -rf /tmp/x'", [R("eval", ["eval", "rm -rf /tmp/x"]), R("rm", ["rm", "-rf", "/tmp/x"], [C.EVAL], (), ["eval"], 0)]),
    ("eval echo a '&&' rm b", [
        R("eval", ["eval", "echo", "a", "&&", "rm", "b"]),
        R("echo", ["echo", "a"], [C.EVAL], (), ["eval"], 0),
        R("rm", ["rm", "b"], [C.EVAL], (), ["eval"], 0),
    ]),
    ('eval "$X"', [R("eval", ["eval", "$X"], (), [M.EVAL_DYNAMIC]), R("$X", ["$X"], [C.EVAL], [M.DYNAMIC_NAME], ["eval"], 0)]),
    ("eval 'rm -rf ~' $(ls)", [
        R("eval", ["eval", "rm -rf ~", "$(ls)"], (), [M.EVAL_DYNAMIC]),
        R("rm", ["rm", "-rf", "~", "$(ls)"], [C.EVAL], (), ["eval"], 0),
        R("ls", ["ls"], [C.EVAL, C.COMMAND_SUBSTITUTION], (), ["eval"], 0),
        R("ls", ["ls"], [C.COMMAND_SUBSTITUTION]),
    ]),
    ("source ./env.sh", [R("source", ["source", "./env.sh"], (), [M.SOURCE_DYNAMIC])]),
    (". venv/bin/activate", [R(".", [".", "venv/bin/activate"], (), [M.SOURCE_DYNAMIC])]),
    ("su -c 'rm x' root", [R("su", ["su", "-c", "rm x", "root"], (), [M.NESTED_SHELL]), R("rm", ["rm", "x"], N, (), ["su -c"], 0)]),
    ("su root --command='rm x'", [R("su", ["su", "root", "--command=rm x"], (), [M.NESTED_SHELL]), R("rm", ["rm", "x"], N, (), ["su -c"], 0)]),
    ("script -q -c 'rm x' /dev/null", [R("script", ["script", "-q", "-c", "rm x", "/dev/null"], (), [M.NESTED_SHELL]), R("rm", ["rm", "x"], N, (), ["script -c"], 0)]),
    ("flock /tmp/l -c 'rm x'", [R("flock", ["flock", "/tmp/l", "-c", "rm x"], (), [M.NESTED_SHELL]), R("rm", ["rm", "x"], N, (), ["flock -c"], 0)]),
    ("watch -n 2 'rm a; ls'", [
        R("watch", ["watch", "-n", "2", "rm a; ls"], (), [M.NESTED_SHELL]),
        R("rm", ["rm", "a"], N, (), ["watch"], 0),
        R("ls", ["ls"], N, (), ["watch"], 0),
    ]),
    ("watch df -h", [R("watch", ["watch", "df", "-h"], (), [M.NESTED_SHELL]), R("df", ["df", "-h"], N, (), ["watch"], 0)]),
]


@pytest.mark.parametrize("cmd,expected", NESTED, ids=[c for c, _ in NESTED])
def test_nested_shells_and_eval(cmd: str, expected: list[tuple]) -> None:
    assert rows(parse(cmd)) == expected


def test_nested_text_budget_caps_eval_chains() -> None:
    """``eval eval ... x`` re-parses almost the whole line at every level; the total nested
    text per parse() is capped at max_chars, the command past the cap gets TOO_LARGE."""
    line = parse("eval " * 40 + "x", max_chars=600)
    progs = [c.program for c in line.commands]
    assert progs.count("eval") < 40 and "x" not in progs
    assert [Marker.TOO_LARGE in c.markers for c in line.commands] == [False] * (len(progs) - 1) + [True]
    assert any(e.message.endswith("text run by eval not parsed: over the nested-text budget") for e in line.errors)


def test_nested_commands_point_at_the_carrier_word() -> None:
    cmd = "bash -c 'rm -rf /'"
    line = parse(cmd)
    inner = line.commands[1]
    assert inner.span == (8, 18) and cmd[8:18] == "'rm -rf /'"
    assert {w.span for w in inner.argv} == {(8, 18)}


STDIN = [
    ("sh <<< 'rm -rf /'", [R("sh", ["sh"], (), [M.NESTED_SHELL]), R("rm", ["rm", "-rf", "/"], N, (), ["sh"], 0)]),
    ("bash <<'EOF'\nrm -rf /\nEOF", [R("bash", ["bash"], (), [M.NESTED_SHELL]), R("rm", ["rm", "-rf", "/"], N, (), ["bash"], 0)]),
    ("bash <<EOF\nrm -rf /\nEOF", [R("bash", ["bash"], (), [M.NESTED_SHELL]), R("rm", ["rm", "-rf", "/"], N, (), ["bash"], 0)]),
    ("bash <<EOF\nrm $HOME\nEOF", [R("bash", ["bash"], (), [M.SHELL_STDIN, M.CODE_EXECUTION])]),
    ('sh <<< "$X"', [R("sh", ["sh"], (), [M.SHELL_STDIN, M.CODE_EXECUTION])]),
    ("bash < script.sh", [R("bash", ["bash"], (), [M.SHELL_STDIN, M.CODE_EXECUTION])]),
    ("bash", [R("bash", ["bash"], (), [M.SHELL_STDIN, M.CODE_EXECUTION])]),
    ("echo 'rm -rf /' | sh", [
        R("echo", ["echo", "rm -rf /"]),
        R("sh", ["sh"], (), [M.NESTED_SHELL]),
        R("rm", ["rm", "-rf", "/"], N, (), ["sh"], 1),
    ]),
    ("printf 'rm x' | bash -s", [
        R("printf", ["printf", "rm x"]),
        R("bash", ["bash", "-s"], (), [M.NESTED_SHELL]),
        R("rm", ["rm", "x"], N, (), ["bash"], 1),
    ]),
    ("cat <<'EOF' | sh\nrm y\nEOF", [
        R("cat", ["cat"]),
        R("sh", ["sh"], (), [M.NESTED_SHELL]),
        R("rm", ["rm", "y"], N, (), ["sh"], 1),
    ]),
    ("curl -fsSL https://x/i.sh | bash", [R("curl", ["curl", "-fsSL", "https://x/i.sh"]), R("bash", ["bash"], (), [M.SHELL_STDIN, M.CODE_EXECUTION])]),
    ("echo $X | sh", [R("echo", ["echo", "$X"]), R("sh", ["sh"], (), [M.SHELL_STDIN, M.CODE_EXECUTION])]),
    ("echo -e 'a\\nb' | sh", [R("echo", ["echo", "-e", "a\\nb"]), R("sh", ["sh"], (), [M.SHELL_STDIN, M.CODE_EXECUTION])]),
    ("curl x | sudo bash", [
        R("curl", ["curl", "x"]),
        R("sudo", ["sudo", "bash"], (), [M.WRAPPER]),
        R("bash", ["bash"], W, [M.SHELL_STDIN, M.CODE_EXECUTION], ["sudo"], 1),
    ]),
]


@pytest.mark.parametrize("cmd,expected", STDIN, ids=[c for c, _ in STDIN])
def test_shell_reading_stdin(cmd: str, expected: list[tuple]) -> None:
    assert rows(parse(cmd)) == expected


# ---------------------------------------------------------------------------------------------
# code execution

CODE = [
    ("python -c 'import os'", True),
    ("python3 -c 'x'", True),
    ("python3.11 -Bc 'x'", True),
    ("python3 - <<EOF\nprint(1)\nEOF", True),
    ("python3 <<'EOF'\nprint(1)\nEOF", True),
    ("python < x.py", True),
    ("curl x | python3", True),
    ("python3 script.py", False),
    ("python -m http.server", False),
    ("python3", False),
    ("perl -e 'x'", True),
    ("perl -E 'x'", True),
    ("perl -pi -e 's/a/b/' f", True),
    ("perl -ne 'print' f", True),
    ("cat x | perl", True),
    ("perl script.pl", False),
    ("ruby -e 'x'", True),
    ("node -e 'x'", True),
    ("node -p 'x'", True),
    ("node --eval 'x'", True),
    ("nodejs -e 'x'", True),
    ("node app.js", False),
    ("php -r 'x'", True),
    ("lua -e 'x'", True),
    ("Rscript -e 'x'", True),
    ("osascript -e 'x'", True),
    ("awk '{system(\"rm x\")}' f", True),
    ("gawk 'BEGIN { \"date\" | getline d }'", True),
    ("awk '{ print | \"sh\" }' f", True),
    ("awk '{print > \"out\"}' f", True),
    ("mawk '{ cmd |& getline }'", True),
    ("awk '{print $1}' f", False),
    ("awk -F, '$3 > 5 {print $1}' f", False),
    ("awk -f prog.awk f", False),
]


@pytest.mark.parametrize("cmd,expected", CODE, ids=[c for c, _ in CODE])
def test_code_execution_marker(cmd: str, expected: bool) -> None:
    line = parse(cmd)
    marked = [c.program for c in line.commands if Marker.CODE_EXECUTION in c.markers]
    interp = [c.program for c in line.commands if c.program not in ("curl", "cat")]
    assert marked == (interp if expected else [])


# ---------------------------------------------------------------------------------------------
# unwrap() itself, on a hand-built Command


def _cmd(*words: str) -> Command:
    argv, pos = [], 0
    for w in words:
        argv.append(Word(w, w, (pos, pos + len(w))))
        pos += len(w) + 1
    return Command(argv=tuple(argv), program=words[0], span=(0, pos - 1))


def test_unwrap_direct_result_is_whole() -> None:
    assert unwrap(_cmd("ls", "-la")) is None
    u = unwrap(_cmd("sudo", "-u", "root", "rm", "x"))
    assert u is not None
    assert (u.markers, u.nested) == ({Marker.WRAPPER}, [])
    assert u.inner == [
        Command(
            argv=(Word("rm", "rm", (13, 15)), Word("x", "x", (16, 17))),
            program="rm",
            span=(13, 17),
            context=(Ctx.WRAPPED,),
            via=("sudo",),
        )
    ]


def test_every_wrapper_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "parsing.md").read_text(encoding="utf-8")
    missing = sorted(w for w in WRAPPERS if f"`{w}`" not in doc)
    assert missing == []


# ---------------------------------------------------------------------------------------------
# option grammars: each wrapper's options are read as its getopt_long call reads them
# (optional values only attached, any unambiguous abbreviation of a long option); a word that
# is no option of the wrapper marks it eval_dynamic (where its command starts is unsure)

X = [M.EXTRA_ARGS]
ED = [M.EVAL_DYNAMIC, M.WRAPPER]

OPTION_GRAMMAR = [
    # xargs -l / -i / -e / --max-lines / --replace / --eof take an attached value only
    ("echo -rf ~ | xargs -l rm", [
        R("echo", ["echo", "-rf", "~"]),
        R("xargs", ["xargs", "-l", "rm"], (), [M.WRAPPER]),
        R("rm", ["rm"], W, X, ["xargs"], 1),
    ]),
    ("echo rm -rf / | xargs -l sudo", [
        R("echo", ["echo", "rm", "-rf", "/"]),
        R("xargs", ["xargs", "-l", "sudo"], (), [M.WRAPPER]),
        R("sudo", ["sudo"], W, X, ["xargs"], 1),
    ]),
    ("xargs -0l rm", wrapped("xargs", ["xargs", "-0l", "rm"], ["rm"], "xargs", marks=X)),
    ("xargs -l1 wc -l", wrapped("xargs", ["xargs", "-l1", "wc", "-l"], ["wc", "-l"], "xargs", marks=X)),
    ("xargs -L 1 rm", wrapped("xargs", ["xargs", "-L", "1", "rm"], ["rm"], "xargs", marks=X)),
    ("xargs --max-lines rm", wrapped("xargs", ["xargs", "--max-lines", "rm"], ["rm"], "xargs", marks=X)),
    ("xargs --max-lines=2 rm", wrapped("xargs", ["xargs", "--max-lines=2", "rm"], ["rm"], "xargs", marks=X)),
    ("xargs -e rm", wrapped("xargs", ["xargs", "-e", "rm"], ["rm"], "xargs", marks=X)),
    ("xargs -E END rm", wrapped("xargs", ["xargs", "-E", "END", "rm"], ["rm"], "xargs", marks=X)),
    ("xargs -i rm {}", wrapped("xargs", ["xargs", "-i", "rm", "{}"], ["rm", "{}"], "xargs", marks=X)),
    ("xargs -n 1 echo", wrapped("xargs", ["xargs", "-n", "1", "echo"], ["echo"], "xargs", marks=X)),
    ("xargs --max-a=1 echo", wrapped("xargs", ["xargs", "--max-a=1", "echo"], ["echo"], "xargs", marks=X)),
    ("xargs -l", wrapped("xargs", ["xargs", "-l"], ["echo"], "xargs", marks=X)),
    # the replace string is substituted in the command name too: the name is data
    ("echo rm | xargs -I echo echo -rf ~", [
        R("echo", ["echo", "rm"]),
        R("xargs", ["xargs", "-I", "echo", "echo", "-rf", "~"], (), [M.WRAPPER]),
        R("echo", ["echo", "-rf", "~"], W, [M.DYNAMIC_NAME, M.EXTRA_ARGS], ["xargs"], 1),
    ]),
    ("xargs -iecho echo x", wrapped("xargs", ["xargs", "-iecho", "echo", "x"], ["echo", "x"], "xargs", marks=[M.DYNAMIC_NAME, M.EXTRA_ARGS])),
    ("xargs --replace=echo echo x", wrapped("xargs", ["xargs", "--replace=echo", "echo", "x"], ["echo", "x"], "xargs", marks=[M.DYNAMIC_NAME, M.EXTRA_ARGS])),
    ("xargs -I{} {} x", wrapped("xargs", ["xargs", "-I{}", "{}", "x"], ["{}", "x"], "xargs", marks=[M.DYNAMIC_NAME, M.EXTRA_ARGS])),
    ("xargs --repl echo x", wrapped("xargs", ["xargs", "--repl", "echo", "x"], ["echo", "x"], "xargs", marks=X)),  # {}
    ("xargs -I{} cp {} dst/", wrapped("xargs", ["xargs", "-I{}", "cp", "{}", "dst/"], ["cp", "{}", "dst/"], "xargs", marks=X)),
    # unknown or ambiguous options: read as flags, the wrapper is eval_dynamic
    ("xargs -Z rm", [R("xargs", ["xargs", "-Z", "rm"], (), ED), R("rm", ["rm"], W, X, ["xargs"], 0)]),
    ("xargs --max 1 echo", [R("xargs", ["xargs", "--max", "1", "echo"], (), ED), R("1", ["1", "echo"], W, X, ["xargs"], 0)]),
    # env: abbreviations, -a/--argv0 takes a value
    ("env --u echo rm -rf ~", wrapped("env", ["env", "--u", "echo", "rm", "-rf", "~"], ["rm", "-rf", "~"], "env")),
    ("env --un FOO ls", wrapped("env", ["env", "--un", "FOO", "ls"], ["ls"], "env")),
    ("env -u FOO ls", wrapped("env", ["env", "-u", "FOO", "ls"], ["ls"], "env")),
    ("env --unset=FOO ls", wrapped("env", ["env", "--unset=FOO", "ls"], ["ls"], "env")),
    ("env --sp='rm -rf ${HOME}' true", [
        R("env", ["env", "--sp=rm -rf ${HOME}", "true"], (), [M.WRAPPER]),
        R("rm", ["rm", "-rf", "${HOME}", "true"], W, (), ["env -S"], 0),
    ]),
    ("env -a echo rm -rf ~", wrapped("env", ["env", "-a", "echo", "rm", "-rf", "~"], ["rm", "-rf", "~"], "env")),
    # env -S text that starts with an option is read by env again: env -S'-u echo' rm ...
    ("env -S'-u echo' rm -rf ~", [
        R("env", ["env", "-S-u echo", "rm", "-rf", "~"], (), ED),  # ~ among the remaining words: not static
        R("env", ["env", "-u", "echo", "rm", "-rf", "~"], W, [M.WRAPPER], ["env -S"], 0),
        R("rm", ["rm", "-rf", "~"], W * 2, (), ["env -S", "env"], 1),
    ]),
    ("env -S'-i ls -l'", [
        R("env", ["env", "-S-i ls -l"], (), [M.WRAPPER]),
        R("env", ["env", "-i", "ls", "-l"], W, [M.WRAPPER], ["env -S"], 0),
        R("ls", ["ls", "-l"], W * 2, (), ["env -S", "env"], 1),
    ]),
    ("env --ch=/tmp ls", wrapped("env", ["env", "--ch=/tmp", "ls"], ["ls"], "env")),
    ("env --i ls", [R("env", ["env", "--i", "ls"], (), ED), R("ls", ["ls"], W, (), ["env"], 0)]),  # ignore-environment / ignore-signal
    ("env --frob ls", [R("env", ["env", "--frob", "ls"], (), ED), R("ls", ["ls"], W, (), ["env"], 0)]),
    # sudo: options again after VAR=value, none after --
    ("sudo --us root rm x", wrapped("sudo", ["sudo", "--us", "root", "rm", "x"], ["rm", "x"], "sudo")),
    ("sudo A=1 -u root B=2 rm x", wrapped("sudo", ["sudo", "A=1", "-u", "root", "B=2", "rm", "x"], ["rm", "x"], "sudo")),
    ("sudo -- A=1 rm", wrapped("sudo", ["sudo", "--", "A=1", "rm"], ["A=1", "rm"], "sudo")),
    ("sudo --frob rm x", [R("sudo", ["sudo", "--frob", "rm", "x"], (), ED), R("rm", ["rm", "x"], W, (), ["sudo"], 0)]),
    ("sudo --ed /etc/hosts", [R("sudo", ["sudo", "--ed", "/etc/hosts"])]),
    ("sudo -h", [R("sudo", ["sudo", "-h"])]),
    # the other wrappers
    ("timeout --k 5 --sig KILL 10 rm x", wrapped("timeout", ["timeout", "--k", "5", "--sig", "KILL", "10", "rm", "x"], ["rm", "x"], "timeout")),
    ("timeout -f -p 5 rm x", wrapped("timeout", ["timeout", "-f", "-p", "5", "rm", "x"], ["rm", "x"], "timeout")),
    ("nice --adj 5 rm x", wrapped("nice", ["nice", "--adj", "5", "rm", "x"], ["rm", "x"], "nice")),
    ("nice --10 rm x", wrapped("nice", ["nice", "--10", "rm", "x"], ["rm", "x"], "nice")),
    ("stdbuf --out=L rm x", wrapped("stdbuf", ["stdbuf", "--out=L", "rm", "x"], ["rm", "x"], "stdbuf")),
    ("setsid --fo rm x", wrapped("setsid", ["setsid", "--fo", "rm", "x"], ["rm", "x"], "setsid")),
    ("nohup --frob rm x", [R("nohup", ["nohup", "--frob", "rm", "x"], (), ED), R("rm", ["rm", "x"], W, (), ["nohup"], 0)]),
    ("ionice --classd 7 rm x", wrapped("ionice", ["ionice", "--classd", "7", "rm", "x"], ["rm", "x"], "ionice")),
    ("ionice --cl 2 rm x", [R("ionice", ["ionice", "--cl", "2", "rm", "x"], (), ED), R("2", ["2", "rm", "x"], W, (), ["ionice"], 0)]),
    ("flock --tim 5 /tmp/l rm x", wrapped("flock", ["flock", "--tim", "5", "/tmp/l", "rm", "x"], ["rm", "x"], "flock")),
    # after the file flock compares with "-c" / "--command" exactly
    ("flock /tmp/l --comm 'rm x'", wrapped("flock", ["flock", "/tmp/l", "--comm", "rm x"], ["--comm", "rm x"], "flock")),
    ("watch --int 2 --ex rm x", wrapped("watch", ["watch", "--int", "2", "--ex", "rm", "x"], ["rm", "x"], "watch")),
    ("watch -d rm -rf ~", [  # -d[=permanent]: rm is the command text
        R("watch", ["watch", "-d", "rm", "-rf", "~"], (), [M.EVAL_DYNAMIC, M.NESTED_SHELL]),
        R("rm", ["rm", "-rf", "~"], N, (), ["watch"], 0),
    ]),
    ("nsenter -t 1 -U rm x", wrapped("nsenter", ["nsenter", "-t", "1", "-U", "rm", "x"], ["rm", "x"], "nsenter")),
    ("unshare --user rm x", wrapped("unshare", ["unshare", "--user", "rm", "x"], ["rm", "x"], "unshare")),
    ("taskset --cpu 0 rm x", wrapped("taskset", ["taskset", "--cpu", "0", "rm", "x"], ["rm", "x"], "taskset")),
    ("chrt -f 10 rm x", wrapped("chrt", ["chrt", "-f", "10", "rm", "x"], ["rm", "x"], "chrt")),
    ("chrt -o rm x", wrapped("chrt", ["chrt", "-o", "rm", "x"], ["rm", "x"], "chrt")),  # no priority (newer chrt)
    ("time --format=%e rm x", wrapped("time", ["time", "--format=%e", "rm", "x"], ["rm", "x"], "time")),
    ("command -pv rm", [R("command", ["command", "-pv", "rm"])]),
    ("doas -C /etc/doas.conf rm", [R("doas", ["doas", "-C", "/etc/doas.conf", "rm"])]),
    ("su root --c 'rm -rf ~'", [R("su", ["su", "root", "--c", "rm -rf ~"], (), [M.NESTED_SHELL]), R("rm", ["rm", "-rf", "~"], N, (), ["su -c"], 0)]),
    ("su --sess='rm x' bob", [R("su", ["su", "--sess=rm x", "bob"], (), [M.NESTED_SHELL]), R("rm", ["rm", "x"], N, (), ["su -c"], 0)]),
    ("su root -- -c 'rm x'", [R("su", ["su", "root", "--", "-c", "rm x"], (), [M.NESTED_SHELL]), R("rm", ["rm", "x"], N, (), ["su -c"], 0)]),
    ("script --comm 'rm x' /dev/null", [R("script", ["script", "--comm", "rm x", "/dev/null"], (), [M.NESTED_SHELL]), R("rm", ["rm", "x"], N, (), ["script -c"], 0)]),
    ("strace -o '|rm -rf ~' true", [
        R("strace", ["strace", "-o", "|rm -rf ~", "true"], (), [M.NESTED_SHELL, M.WRAPPER]),
        R("true", ["true"], W, (), ["strace"], 0),
        R("rm", ["rm", "-rf", "~"], N, (), ["strace -o"], 0),
    ]),
]


@pytest.mark.parametrize("cmd,expected", OPTION_GRAMMAR, ids=[c for c, _ in OPTION_GRAMMAR])
def test_wrapper_option_grammars(cmd: str, expected: list[tuple]) -> None:
    assert rows(parse(cmd)) == expected


def test_sudo_assignments_between_options_go_to_the_command() -> None:
    line = parse("sudo A=1 -u root B=2 rm x")
    assert [(a.name, a.value.text) for a in line.commands[1].assignments] == [("A", "1"), ("B", "2")]


def test_long_option_abbreviations_follow_getopt_long() -> None:
    """A prefix of exactly one long option is that option; a prefix of several (or of none)
    is no option. Checked for every prefix of every long option of every grammar."""
    for spec in GRAMMARS.values():
        names = list(spec.long)
        for name in names:
            for k in range(1, len(name) + 1):
                prefix = name[:k]
                owners = [o for o in names if o.startswith(prefix)]
                expect = prefix if prefix in names else (owners[0] if len(owners) == 1 else None)
                assert U._long_name(spec.long, prefix) == expect, (name, prefix)
        assert U._long_name(spec.long, "zz-no-such-option") is None


# ---- properties over the grammar tables

#: wrapper -> (grammar, operand words before the command, options left out: those that
#: change what runs rather than how: no command, a shell string, a host)
GRAMMARS = {name: p.opts for name, p in U._PLAIN.items() if p.opts is not None}
GRAMMARS.update({"sudo": U._SUDO, "doas": U._DOAS, "env": U._ENV, "flock": U._FLOCK, "watch": U._WATCH, "xargs": U._XARGS})
OPERANDS = {"timeout": ["5"], "taskset": ["0"], "chrt": ["10"], "chroot": ["/mnt"], "flock": ["/tmp/l"]}
STRUCTURAL = {
    "sudo": {"e", "l", "v", "V", "K", "h", "edit", "list", "validate", "version", "remove-timestamp", "help", "host"},
    "doas": {"C", "L"},
    "env": {"S", "split-string"} | set(" \t\n\v\f\r"),
    "flock": {"c", "command"},
    "command": {"v", "V"},
    "ionice": {"p", "P", "u", "pid", "pgid", "uid"},
    "taskset": {"p", "pid"},
    "chrt": {"p", "pid"},
    "xargs": {"I", "i", "J", "replace"},  # checked on their own below
}


@st.composite
def option_words(draw, name: str) -> list[str]:
    """A list of option words the wrapper accepts: short ones (clustered or not) and long ones
    (abbreviated to some unambiguous prefix), with values as their grammar takes them."""
    spec = GRAMMARS[name]
    skip = STRUCTURAL.get(name, set())
    shorts = sorted(ch for ch in spec.short if ch not in skip)
    longs = sorted(n for n in spec.long if n not in skip)
    words: list[str] = []
    for _ in range(draw(st.integers(0, 4))):
        if longs and (not shorts or draw(st.booleans())):
            full = draw(st.sampled_from(longs))
            shortest = next(k for k in range(1, len(full) + 1) if U._long_name(spec.long, full[:k]) == full)
            opt = "--" + full[: draw(st.integers(shortest, len(full)))]
            how = spec.long[full]
            if how == U._REQ:
                words += [opt + "=v1"] if draw(st.booleans()) else [opt, "v1"]
            elif how == U._OPT and draw(st.booleans()):
                words.append(opt + "=v1")
            else:
                words.append(opt)
        elif shorts:
            cluster = "-"
            for ch in draw(st.lists(st.sampled_from(shorts), min_size=1, max_size=3)):
                cluster += ch
                how = spec.short[ch]
                if how == U._FLAG:
                    continue
                if how == U._REQ:
                    if draw(st.booleans()):
                        cluster += "1"
                    else:
                        words += [cluster, "v1"]
                        cluster = ""
                elif draw(st.booleans()):
                    cluster += "1"
                break
            if cluster:
                words.append(cluster)
    return words


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_options_of_the_grammar_never_hide_the_command(data) -> None:
    name = data.draw(st.sampled_from(sorted(GRAMMARS)))
    words = data.draw(option_words(name))
    args = [name, *words, *OPERANDS.get(name, []), "rm", "x"]
    if name == "watch":
        args.insert(1, "-x")
    line = parse(" ".join(args))
    assert Marker.EVAL_DYNAMIC not in line.commands[0].markers, args
    assert [c.argv_text for c in line.commands if c.parent == 0] == [("rm", "x")], args


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_an_unknown_option_makes_the_wrapper_eval_dynamic(data) -> None:
    name = data.draw(st.sampled_from(sorted(GRAMMARS)))
    words = data.draw(option_words(name))
    k = data.draw(st.integers(0, len(words)))
    if k < len(words) and words[k] == "v1":  # keep an option and its separate value together
        k += 1
    bad = data.draw(st.sampled_from(["--qq-no-such", "--qq-no-such=1"] + [f"-{c}" for c in "jkqyzKQWY" if c not in GRAMMARS[name].short][:1]))
    args = [name, *words[:k], bad, *words[k:], *OPERANDS.get(name, []), "rm", "x"]
    line = parse(" ".join(args))
    assert Marker.EVAL_DYNAMIC in line.commands[0].markers, args


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["-I{}", "-I", "-i", "-i{}", "--replace", "--replace={}", "--rep={}", "-J"]), st.sampled_from(["rm", "{}", "r{}m", "x"]))
def test_xargs_replace_string_in_the_command_name_makes_it_dynamic(opt: str, name: str) -> None:
    args = ["xargs", opt] + (["{}"] if opt in ("-I", "-J") else []) + [name, "a"]
    (_, inner) = parse(" ".join(args)).commands
    assert (Marker.DYNAMIC_NAME in inner.markers) == ("{}" in name), args
