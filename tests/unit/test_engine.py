"""Engine semantics: tables of (policy, line) -> (decision, deciding (command, rule) pairs).

The first tables build the IR directly (so they test the engine, not the parser); the
regression table at the end goes through the real ``policy_router.shell.parse``.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from policy_router.decision import Decision, Mode, RuleMatch
from policy_router.engine import Engine
from policy_router.errors import Location
from policy_router.policy import load_policy_text
from policy_router.shell.model import (
    Assignment,
    Command,
    Ctx,
    Marker,
    ParsedLine,
    ParseIssue,
    PipelinePos,
    Redirect,
    RedirectMode,
    Word,
)

WS = "/home/u/ws"
HOME = "/home/u"

POLICY = """\
version: 1
defaults:
  decision: sandbox
  on_parse_error: deny
  on_dynamic: sandbox
  profile: basic
lists:
  readonly: [ls, cat, head, echo, pwd]
profiles:
  basic: {image: img:basic}
  net: {image: img:net, network: true}
rules:
  - id: readonly-in-workspace
    description: read-only tools on workspace files
    decision: local
    match:
      program: "@readonly"
      paths: {none: ["!$WORKSPACE"]}
  - id: rm-recursive-home
    description: recursive rm of home or root
    decision: deny
    match:
      program: rm
      flags: {any: [-r, -R, --recursive]}
      paths: {any: ["~", "/", "$WORKSPACE/"]}
  - id: git-read
    description: read-only git
    decision: local
    match: {program: git, subcommand: [status, log, diff, "remote -v"]}
  - id: git-push
    description: pushing needs the network
    decision: sandbox
    profile: net
    match: {program: git, subcommand: push}
  - id: git-commit-deny
    description: no commits
    decision: deny
    match: {program: git, subcommand: commit}
  - id: curl-to-shell
    description: shell fed by a downloader
    decision: deny
    match:
      program: [sh, bash]
      pipe_from: {program: [curl, wget]}
  - id: write-outside
    description: redirect writing outside the workspace
    decision: deny
    match:
      redirects: {mode: write, outside_workspace: true}
  - id: ld-preload
    description: LD_PRELOAD changes what runs
    decision: deny
    match: {assignments: ["LD_*"]}
  - id: python-explicit
    description: python with a dynamic name is allowed in the sandbox explicitly
    decision: sandbox
    match: {program: "python*", markers: {any: [glob_name]}}
  - id: echo-not-substitution
    description: echo outside substitutions
    decision: local
    match: {program: echo, context: {none: [command_substitution]}}
  - id: find-exec
    description: find -exec runs commands
    decision: sandbox
    match: {program: find, flags: {any: [-exec, -execdir]}}
    unless:
      - {args: {any: ["re:^-exec(dir)?$"]}, line: {program: rm, args: {any: [--help]}}}
"""


def W(text: str, raw: str | None = None, dynamic: bool = False) -> Word:
    return Word(text, text if raw is None else raw, (0, len(text)), dynamic)


def C(*argv: str | Word, program: str | None = None, **kw) -> Command:
    words = tuple(a if isinstance(a, Word) else W(a) for a in argv)
    return Command(words, program if program is not None else (words[0].text if words else ""), (0, 0), **kw)


def L(*cmds: Command, **kw) -> ParsedLine:
    return ParsedLine("<test>", tuple(cmds), **kw)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_policy_text(POLICY, "p.yaml"))


def summary(ev) -> tuple[Decision, tuple[tuple[int | None, str], ...]]:
    return ev.policy_decision, tuple((m.command, m.rule_id) for m in ev.deciding)


def pipe(pid: int, n: int, *cmds: Command) -> tuple[Command, ...]:
    return tuple(replace(c, pipeline=PipelinePos(pid, i, n)) for i, c in enumerate(cmds))


D, S, L_ = Decision.DENY, Decision.SANDBOX, Decision.LOCAL

CASES = [
    ("ls in workspace", L(C("ls", "-la", "src")), (L_, ((0, "readonly-in-workspace"),))),
    ("ls outside workspace", L(C("ls", "/etc")), (S, ((0, "defaults.decision"),))),
    ("ls relative escape", L(C("cat", "../../etc/passwd")), (S, ((0, "defaults.decision"),))),
    ("cat home file is outside ws", L(C("cat", W("~/x", "~/x"))), (S, ((0, "defaults.decision"),))),
    ("rm -rf ~", L(C("rm", "-rf", W("~", "~"))), (D, ((0, "rm-recursive-home"),))),
    ("rm -r -f $HOME", L(C("rm", "-r", "-f", W("$HOME", "$HOME", True))), (D, ((0, "rm-recursive-home"),))),
    ("rm --recursive /", L(C("rm", "--recursive", "/")), (D, ((0, "rm-recursive-home"),))),
    ("rm -rf ./build is fine", L(C("rm", "-rf", "./build")), (S, ((0, "defaults.decision"),))),
    ("rm -rf . is the workspace", L(C("rm", "-rf", ".")), (D, ((0, "rm-recursive-home"),))),
    ("quoted '$HOME' is a literal dir", L(C("rm", "-rf", W("$HOME", "'$HOME'"))), (S, ((0, "defaults.decision"),))),
    ("/usr/bin/rm program is rm", L(C("/usr/bin/rm", "-rf", "/", program="rm")), (D, ((0, "rm-recursive-home"),))),
    ("./rm is another program", L(C("./rm", "-rf", "/")), (S, ((0, "defaults.decision"),))),
    ("cd / then rm -rf .", L(C("cd", "/"), C("rm", "-rf", ".")), (D, ((1, "rm-recursive-home"),))),
    ("cd to dynamic dir makes paths unknown",
     L(C("cd", W("$X", "$X", True)), C("cat", "f")), (S, ((0, "defaults.decision"), (1, "defaults.decision")))),
    ("cd into subdir stays local",
     L(C("cd", "src"), C("ls", "x")), (S, ((0, "defaults.decision"),))),
    ("chain: allowed then denied",
     L(C("echo", "x"), C("rm", "-rf", "/")), (D, ((1, "rm-recursive-home"),))),
    ("git -C dir commit", L(C("git", "-C", "/x", "commit", "-m", "m")), (D, ((0, "git-commit-deny"),))),
    ("git -c k=v commit", L(C("git", "-c", "a=b", "commit")), (D, ((0, "git-commit-deny"),))),
    ("git --git-dir=x status", L(C("git", "--git-dir=.git", "status")), (L_, ((0, "git-read"),))),
    ("git remote -v (two words)", L(C("git", "remote", "-v")), (S, ((0, "defaults.decision"),))),
    ("git push gets profile", L(C("git", "push")), (S, ((0, "git-push"),))),
    ("curl | sh", L(*pipe(1, 2, C("curl", "-s", "x"), C("sh"))), (D, ((1, "curl-to-shell"),))),
    ("sh | curl is not pipe_from", L(*pipe(1, 2, C("sh"), C("curl", "x"))),
     (S, ((0, "defaults.decision"), (1, "defaults.decision")))),
    ("echo > /etc/x", L(C("echo", "x", redirects=(Redirect(">", RedirectMode.WRITE, W("/etc/x"), (0, 0)),))),
     (D, ((0, "write-outside"),))),
    ("echo > ws file", L(C("echo", "x", redirects=(Redirect(">", RedirectMode.WRITE, W("out.txt"), (0, 0)),))),
     (L_, ((0, "readonly-in-workspace"), (0, "echo-not-substitution")))),
    ("2>/dev/null is harmless", L(C("echo", "x", redirects=(Redirect(">", RedirectMode.WRITE, W("/dev/null"), (0, 0), fd=2),))),
     (L_, ((0, "readonly-in-workspace"), (0, "echo-not-substitution")))),
    ("read from /etc is not write", L(C("echo", redirects=(Redirect("<", RedirectMode.READ, W("/etc/x"), (0, 0)),))),
     (L_, ((0, "readonly-in-workspace"), (0, "echo-not-substitution")))),
    ("LD_PRELOAD=x ls", L(C("ls", assignments=(Assignment("LD_PRELOAD", W("x"), (0, 0)),))), (D, ((0, "ld-preload"),))),
    ("dynamic name -> on_dynamic", L(C(W("$X", "$X", True), markers=frozenset({Marker.DYNAMIC_NAME}))),
     (S, ((0, "defaults.decision"), (0, "defaults.on_dynamic")))),
    ("dynamic marker on allowed program is never local",
     L(C("ls", markers=frozenset({Marker.HIDDEN_SUBSTITUTION}))), (S, ((0, "defaults.on_dynamic"),))),
    ("rule that names the marker allows it",
     L(C("python3", markers=frozenset({Marker.GLOB_NAME}))), (S, ((0, "python-explicit"),))),
    ("context none", L(C("echo", "x", context=(Ctx.COMMAND_SUBSTITUTION,))), (L_, ((0, "readonly-in-workspace"),))),
    ("find -exec sandbox", L(C("find", ".", "-exec", "rm", "{}", ";")), (S, ((0, "find-exec"),))),
    ("unless removes the rule", L(C("find", ".", "-exec", "x", ";"), C("rm", "--help")),
     (S, ((0, "defaults.decision"), (1, "defaults.decision")))),
    ("empty line", L(), (S, ((None, "defaults.decision"),))),
    ("unparsable line", L(parsed=False, errors=(ParseIssue("bad", 3, "bashlex"),)),
     (D, ((None, "defaults.on_parse_error"),))),
    ("too large line marker", L(C("ls"), markers=frozenset({Marker.TOO_LARGE})), (S, ((None, "defaults.on_dynamic"),))),
]


@pytest.mark.parametrize("line, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_engine_table(engine: Engine, line: ParsedLine, expected) -> None:
    ev = engine.evaluate(line, cwd=WS, workspace=WS, home=HOME)
    assert summary(ev) == expected


def test_whole_evaluation(engine: Engine) -> None:
    line = L(C("git", "push"), C("rm", "-rf", "/tmp/x"))
    ev = engine.evaluate(line, cwd=WS, workspace=WS, home=HOME, trace=False)
    push = engine.policy.rule("git-push")
    assert push is not None
    m0 = RuleMatch("git-push", S, "pushing needs the network", push.location, 0, "net", ())
    m1 = RuleMatch("defaults.decision", S, "no rule matched this command", Location("p.yaml", 3, 13), 1)
    assert ev.to_dict() == {
        "cmd": "<test>",
        "decision": "sandbox",
        "policy_decision": "sandbox",
        "mode": "auto",
        "profile": "net",
        "deciding": [m0.to_dict(), m1.to_dict()],
        "commands": [
            {**line.commands[0].to_dict(), "decision": "sandbox", "matches": [m0.to_dict()]},
            {**line.commands[1].to_dict(), "decision": "sandbox", "matches": [m1.to_dict()]},
        ],
        "line_matches": [],
        "parse_error": None,
        "parse_warnings": [],
    }
    assert ev.trace == ()


MODES = [
    (Mode.AUTO, L(C("ls")), (L_, L_, None)),
    (Mode.SANDBOX, L(C("ls")), (S, L_, "basic")),
    (Mode.LOCAL, L(C("git", "push")), (L_, S, None)),
    (Mode.AUTO, L(C("git", "push")), (S, S, "net")),
    (Mode.LOCAL, L(C("rm", "-rf", "/")), (D, D, None)),
    (Mode.SANDBOX, L(C("rm", "-rf", "/")), (D, D, None)),
]


@pytest.mark.parametrize("mode, line, expected", MODES)
def test_modes(engine: Engine, mode: Mode, line: ParsedLine, expected) -> None:
    ev = engine.evaluate(line, mode=mode, cwd=WS, workspace=WS, home=HOME)
    assert (ev.decision, ev.policy_decision, ev.profile) == expected


def test_trace_events(engine: Engine) -> None:
    ev = engine.evaluate(L(C("git", "commit")), cwd=WS, workspace=WS, home=HOME)
    ops = [(t.op, t.command, t.rule_id) for t in ev.trace]
    assert ops == [
        ("enter", 0, None),
        ("no_match", 0, "git-read"),
        ("no_match", 0, "git-push"),
        ("match", 0, "git-commit-deny"),
        ("decision", None, None),
    ]


def test_program_index_only_tries_relevant_rules(engine: Engine) -> None:
    assert [c.rule.id for c in engine.candidates("git")] == [
        "git-read", "git-push", "git-commit-deny", "write-outside", "ld-preload"
    ]
    assert [c.rule.id for c in engine.candidates("no-such-program")] == ["write-outside", "ld-preload"]
    assert [c.rule.id for c in engine.candidates("python3.12")] == [
        "write-outside", "ld-preload", "python-explicit"
    ]


def test_engine_is_thread_safe(engine: Engine) -> None:
    lines = [line for _, line, _ in CASES]
    expected = [summary(engine.evaluate(x, cwd=WS, workspace=WS, home=HOME)) for x in lines]
    errors: list[str] = []

    def work() -> None:
        for _ in range(50):
            for x, want in zip(lines, expected):
                got = summary(engine.evaluate(x, cwd=WS, workspace=WS, home=HOME))
                if got != want:
                    errors.append(f"{x}: {got} != {want}")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
