"""Built-in matchers: flag normalisation, global-option skipping, path resolution, patterns."""

from __future__ import annotations

import pytest

from policy_router.matchers import (
    CompileContext,
    LineState,
    compile_match,
    normalize_flags,
    positional_words,
)
from policy_router.plugins import get_plugin_manager, matcher_registry
from policy_router.policy.model import freeze
from policy_router.shell.model import Command, ParsedLine, Word

REG = matcher_registry(get_plugin_manager(load_entrypoints=False))


@pytest.mark.parametrize(
    "args, expected",
    [
        (["-rf", "x"], {"-rf", "-r", "-f"}),
        (["-r", "-f"], {"-r", "-f"}),
        (["--recursive", "--force=yes"], {"--recursive", "--force"}),
        (["-x", "--", "-y", "--z"], {"-x"}),
        (["-", "file"], set()),
        (["-exec", "rm", ";"], {"-exec", "-e", "-x", "-c"}),
        (["-n5"], {"-n5", "-n", "-5"}),
    ],
)
def test_normalize_flags(args: list[str], expected: set[str]) -> None:
    assert normalize_flags(args) == frozenset(expected)


@pytest.mark.parametrize(
    "program, args, expected",
    [
        ("git", ["-C", "/p", "commit", "-m", "x"], ("commit", "x")),
        ("git", ["-c", "k=v", "--git-dir=.git", "--no-pager", "push", "origin"], ("push", "origin")),
        ("git", ["--work-tree", "/w", "remote", "add", "o", "u"], ("remote", "add", "o", "u")),
        ("docker", ["--context", "prod", "-H", "tcp://x", "run", "img"], ("run", "img")),
        ("docker", ["compose", "-f", "x.yml", "down"], ("compose", "down")),
        ("kubectl", ["-n", "kube-system", "delete", "pod", "p"], ("delete", "pod", "p")),
        ("cargo", ["+nightly", "build"], ("build",)),
        ("make", ["-j", "4", "install"], ("install",)),
        ("make", ["-j", "install"], ("install",)),
        ("npm", ["--prefix", "web", "run", "build"], ("run", "build")),
        ("terraform", ["-chdir=infra", "apply"], ("apply",)),
        ("systemctl", ["--user", "-H", "host", "stop", "x"], ("stop", "x")),
        ("helm", ["--kube-context", "c", "uninstall", "r"], ("uninstall", "r")),
        ("unknown", ["--opt", "value", "sub"], ("value", "sub")),
        ("git", ["--", "commit"], ("commit",)),
    ],
)
def test_positional_words(program: str, args: list[str], expected: tuple[str, ...]) -> None:
    assert positional_words(program, args) == expected


def W(text: str, raw: str | None = None, dynamic: bool = False) -> Word:
    return Word(text, text if raw is None else raw, (0, 0), dynamic)


def C(*argv: str | Word) -> Command:
    words = tuple(a if isinstance(a, Word) else W(a) for a in argv)
    return Command(words, words[0].text, (0, 0))


def ctx_for(*cmds: Command, cwd: str = "/ws", ws: str = "/ws", home: str = "/home/u"):
    line = LineState(ParsedLine("<t>", tuple(cmds)), cwd=cwd, workspace=ws, home=home)
    return line


@pytest.mark.parametrize(
    "cmds, index, expected",
    [
        ([C("cat", "a", "../b", "/etc/x", "--file=/f", "-", "--", "-z")], 0,
         [("/ws/a",), ("/b",), ("/etc/x",), ("/f",), ("/ws/-z",)]),
        ([C("cat", W("~", "~"), W("~/x", "~/x"), W("~bob/x", "~bob/x", True))], 0,
         [("/home/u",), ("/home/u/x",), ()]),
        ([C("cat", W("$HOME/x", "$HOME/x", True), W("${HOME}", "${HOME}", True), W("$X/y", "$X/y", True))], 0,
         [("/home/u/x",), ("/home/u",), ()]),
        ([C("cat", W("$HOME", "'$HOME'"), W("~", "'~'"))], 0, [("/ws/$HOME",), ("/ws/~",)]),
        ([C("rm", W("*.py", "*.py", True), W(".*", ".*", True))], 0, [("/ws/*.py",), ()]),
        ([C("cd", "/"), C("rm", ".")], 1, [("/ws", "/")]),
        ([C("cd", "sub"), C("cd", ".."), C("cat", "f")], 2, [("/ws/f", "/ws/sub/f", "/f")]),
        ([C("cd", W("$D", "$D", True)), C("cat", "f", "/abs")], 1, [(), ("/abs",)]),
        ([C("cd"), C("cat", "f")], 1, [("/ws/f", "/home/u/f")]),
        ([C("cd", "-"), C("cat", "f")], 1, [()]),
        # a leading // is / on Linux; /proc/<pid>/root/x is also /x
        ([C("cat", "//etc/shadow", "/proc/self/root/etc/shadow", "x/../../../proc/1/root")], 0,
         [("/etc/shadow",), ("/proc/self/root/etc/shadow", "/etc/shadow"), ("/proc/1/root", "/")]),
        # values of flags: --opt=v, -opt=v (Go style), type:path parts, -o/path, and --opt=v after --
        ([C("go", "-coverprofile=/etc/p", "--cov-report=xml:../x", "-o/etc/q", "-o./r", "--", "--log=../l")], 0,
         [("/etc/p",), ("/ws/xml:../x",), ("/x",), ("/etc/q",), ("/ws/r",), ("/l",), ("/ws/--log=../l",)]),
        ([C("gcc", "-Wl,-rpath,/opt/lib", "-O2", "--std=c11")], 0, [("/opt/lib",), ("/ws/c11",)]),
        # TYPE:PATH arguments give the path too; URLs do not
        ([C("pytest", "--cov-report", "html:/etc/x", "https://x.invalid/a")], 0,
         [("/etc/x",), ("/ws/html:/etc/x",), ("/ws/https:/x.invalid/a",)]),
    ],
)
def test_paths_resolution(cmds: list[Command], index: int, expected: list[tuple[str, ...]]) -> None:
    line = ctx_for(*cmds)
    assert [p.candidates for p in line.context(index).paths] == expected


def test_function_and_loop_bodies_may_run_after_any_cd() -> None:
    """A function body runs where the function is called; a loop body runs again after a
    `cd` later in the loop: with a `cd` in the line, their commands get every directory
    the line reaches (source order would give only the one at their definition)."""
    from policy_router.shell import parse

    for text, index, want in [
        ("f(){ cat .x; }; cd ~ && f", 0, {"/ws", "/home/u"}),
        ("for i in 1 2; do cat .x; cd ~; done", 0, {"/ws", "/home/u"}),
        ("for i in 1 2; do cat .x; done; cd ~", 0, {"/ws", "/home/u"}),
        ("cat .x; cd ~", 0, {"/ws"}),
        ("for i in 1 2; do cat .x; done", 0, {"/ws"}),
    ]:
        parsed = parse(text)
        line = LineState(parsed, cwd="/ws", workspace="/ws", home="/home/u")
        assert parsed.commands[index].program == "cat", text
        assert set(line.cwd_candidates(index)) == want, text


def test_long_options_of_patterns() -> None:
    from policy_router.matchers import long_options

    obj = {"flags": {"none": ["--output", "-o", "--pre*"]},
           "any_of": [{"args": {"any": ["re:^--(exec-path|git-dir)=", "re:(?i)^--open-files-in-pager\\b"]}}],
           "not": {"flags": {"any": ["--list"]}}, "program": ["--not-an-option-key"]}
    assert long_options(obj) == {"--output", "--pre", "--exec-path", "--git-dir", "--open-files-in-pager", "--list"}


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--out=/x", "a"], ["--out=/x", "--outdated=/x", "--output=/x", "a"]),
        (["--output", "x"], ["--output", "x"]),  # an option that abbreviates none
        (["--o", "x"], ["--o", "--outdated", "--output", "x"]),  # an option and a prefix of others
        (["-o", "--recu", "--", "--out"], ["-o", "--recu", "--recursive", "--", "--out"]),  # not after --
        (["--zzz", "plain"], ["--zzz", "plain"]),
    ],
)
def test_abbreviated_long_options_are_matched_as_what_they_may_stand_for(args: list[str], expected: list[str]) -> None:
    from policy_router.matchers import abbreviations

    table = abbreviations(["--output", "--outdated", "--recursive", "--o"])
    line = LineState(ParsedLine("<t>", (C("sort", *args),)), cwd="/ws", workspace="/ws", home="/h", abbrev=table)
    ctx = line.context(0)
    assert list(ctx.args) == expected
    # positional words come from the real arguments only
    assert ctx.subcommand_words == positional_words("sort", args)


PATH_CASES = [
    ({"any": ["$WORKSPACE"]}, C("cat", "src/a"), True),
    ({"any": ["$WORKSPACE"]}, C("cat", "/etc/a"), False),
    ({"any": ["!$WORKSPACE"]}, C("cat", "/etc/a"), True),
    ({"any": ["!$WORKSPACE"]}, C("cat", W("$X", "$X", True)), True),
    ({"none": ["!$WORKSPACE"]}, C("cat", "a", "b/c"), True),
    ({"none": ["!$WORKSPACE"]}, C("cat", "a", "../wsx"), False),
    ({"any": ["$WORKSPACE/"]}, C("rm", "."), True),
    ({"any": ["$WORKSPACE/"]}, C("rm", "./build"), False),
    ({"any": ["$WORKSPACE/.git/**"]}, C("rm", ".git"), True),
    ({"any": ["$WORKSPACE/.git/**"]}, C("rm", ".git/config"), True),
    ({"any": ["~/.ssh/*"]}, C("cat", "/home/u/.ssh/id_rsa"), True),
    ({"any": ["~"]}, C("rm", "/home/u/"), True),
    ({"any": ["~"]}, C("rm", "/home/u/x"), False),
    ({"any": ["/etc/**"]}, C("vi", "/etc"), True),
    ({"any": ["/etc/*"]}, C("vi", "/etc/a/b"), True),
    ({"any": ["/etc/*"]}, C("vi", "/etcx"), False),
    ({"any": [".env"]}, C("cat", "sub/.env"), True),
    ({"any": [".env"]}, C("cat", "sub/x.env"), False),
    ({"any": ["*.pem"]}, C("cat", "/a/b/k.pem"), True),
    ({"any": ["re:/\\.aws/"]}, C("cat", "/home/u/.aws/credentials"), True),
    ({"all": ["/a", "/b"]}, C("cp", "/a", "/b"), True),
    ({"all": ["/a", "/b"]}, C("cp", "/a", "/c"), False),
]


@pytest.mark.parametrize("value, cmd, expected", PATH_CASES)
def test_path_patterns(value: dict, cmd: Command, expected: bool) -> None:
    cctx = CompileContext(REG)
    pred = compile_match(freeze({"paths": value}), cctx)
    assert cctx.issues == []
    line = ctx_for(cmd)
    assert pred(cmd, line.context(0)) is expected


ARGS_CASES = [
    ({"args": {"any": ["*.py"]}}, C("python", "a/b.py"), True),
    ({"args": {"any": ["re:^--?e(xec)?$"]}}, C("x", "-e"), True),
    ({"args": {"none": ["--help"]}}, C("x", "--help"), False),
    ({"flags": {"all": ["-r", "-f"]}}, C("rm", "-fr", "x"), True),
    ({"flags": {"all": ["-r", "-f"]}}, C("rm", "-r", "x"), False),
    ({"flags": {"any": ["--force"]}}, C("git", "push", "--force=true"), True),
    ({"flags": {"any": ["-f"]}}, C("rm", "--", "-f"), False),
    ({"program": "python*"}, C("python3.12"), True),
    ({"program": ["rm"]}, C("./rm"), False),
    ({"subcommand": "remote add"}, C("git", "remote", "add", "x"), True),
    ({"subcommand": "remote add"}, C("git", "remote", "remove", "x"), False),
    ({"not": {"program": "ls"}}, C("rm"), True),
    ({"any_of": [{"program": "ls"}, {"args": {"any": ["x"]}}]}, C("rm", "x"), True),
]


@pytest.mark.parametrize("value, cmd, expected", ARGS_CASES)
def test_other_keys(value: dict, cmd: Command, expected: bool) -> None:
    cctx = CompileContext(REG)
    pred = compile_match(freeze(value), cctx)
    assert cctx.issues == []
    assert pred(cmd, ctx_for(cmd).context(0)) is expected


def test_compile_reports_every_problem_with_its_path() -> None:
    cctx = CompileContext(REG, ("match",))
    compile_match(
        freeze({"args": {"any": ["re:(", "ok", "re:["]}, "not": {"program": "re:*"}, "bogus": 1}),
        cctx,
    )
    assert [(p, m.split(":")[0]) for p, m in cctx.issues] == [
        (("match", "args", "any", 0), "invalid regular expression '('"),
        (("match", "args", "any", 2), "invalid regular expression '['"),
        (("match", "not", "program"), "invalid regular expression '*'"),
        (("match", "bogus"), "unknown match key 'bogus'"),
    ]
