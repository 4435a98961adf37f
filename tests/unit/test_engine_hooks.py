"""Plugins: matcher keys from plugins, adjust_decision can only tighten, plugin manager rules."""

from __future__ import annotations

import sys
import types

import pytest

from policy_router import hookimpl
from policy_router.decision import Decision, RuleMatch
from policy_router.engine import Engine
from policy_router.errors import PluginError, PolicyLoadError
from policy_router.hookspecs import ExecutorRegistry, MatcherRegistry
from policy_router.plugins import executor_registry, get_plugin_manager, matcher_registry
from policy_router.policy import load_policy_text, schema
from policy_router.shell.model import Command, ParsedLine, Word

POLICY = """\
version: 1
defaults: {decision: sandbox}
rules:
  - id: ls-local
    description: ls is local
    decision: local
    match: {program: ls}
  - id: rm-deny
    description: rm is denied
    decision: deny
    match: {program: rm}
"""


def line(*progs: str) -> ParsedLine:
    cmds = tuple(Command((Word(p, p, (0, 0)),), p, (0, 0)) for p in progs)
    return ParsedLine(" ; ".join(progs), cmds)


class ArgcPlugin:
    """A plugin adding the match key ``argc_over``."""

    @hookimpl
    def policy_router_register_matchers(self, registry: MatcherRegistry) -> None:
        def compile_(value, ctx):
            if value < 0:
                ctx.error(f"argc_over must be >= 0 (got {value})")
            return lambda command, mctx: len(command.argv) - 1 > value

        registry.add("argc_over", schema={"type": "integer"}, compile=compile_, doc="many args")


def test_plugin_matcher_key_in_schema_yaml_and_engine() -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(ArgcPlugin(), name="argc")
    assert schema(pm)["$defs"]["match"]["properties"]["argc_over"] == {
        "type": "integer",
        "description": "many args",
    }
    pol = load_policy_text(
        POLICY + "  - id: long\n    description: long lines\n    decision: deny\n"
        "    match: {program: ls, argc_over: 2}\n",
        "p.yaml",
        pm=pm,
    )
    eng = Engine(pol, pm=pm)
    short = ParsedLine("ls a", (Command((Word("ls", "ls", (0, 2)), Word("a", "a", (3, 4))), "ls", (0, 4)),))
    many = ParsedLine("ls a b c", (Command(tuple(Word(t, t, (0, 0)) for t in "ls a b c".split()), "ls", (0, 8)),))
    assert eng.evaluate(short).decision is Decision.LOCAL
    assert [m.rule_id for m in eng.evaluate(many).deciding] == ["long"]


def test_plugin_key_is_validated_and_compiled_at_load() -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(ArgcPlugin(), name="argc")
    text = POLICY + "  - id: long\n    description: x\n    decision: deny\n    match: {argc_over: %s}\n"
    with pytest.raises(PolicyLoadError) as info:
        load_policy_text(text % "many", "p.yaml", pm=pm)
    assert str(info.value).splitlines()[1] == "p.yaml:15:24: schema: 'argc_over' must be an integer (got 'many')"
    with pytest.raises(PolicyLoadError) as info:
        load_policy_text(text % "-1", "p.yaml", pm=pm)
    assert str(info.value).splitlines()[1] == "p.yaml:15:24: bad-pattern: rule 'long': argc_over must be >= 0 (got -1)"
    # without the plugin the key is unknown
    with pytest.raises(PolicyLoadError):
        load_policy_text(text % "1", "p.yaml", pm=get_plugin_manager(load_entrypoints=False))


class Adjust:
    def __init__(self, value):
        self.value = value

    @hookimpl
    def policy_router_adjust_decision(self, evaluation, policy):
        return self.value


@pytest.mark.parametrize(
    "returned, progs, expected",
    [
        (None, ("ls",), (Decision.LOCAL, ["ls-local"])),
        (Decision.LOCAL, ("rm",), (Decision.DENY, ["rm-deny"])),  # loosening is ignored
        ("sandbox", ("rm",), (Decision.DENY, ["rm-deny"])),
        (Decision.SANDBOX, ("ls",), (Decision.SANDBOX, ["plugin:adjuster"])),
        ("deny", ("ls", "ls"), (Decision.DENY, ["plugin:adjuster"])),
        ("deny", ("ls", "rm"), (Decision.DENY, ["rm-deny"])),  # equal: not stricter
    ],
)
def test_adjust_decision_only_tightens(returned, progs, expected) -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(Adjust(returned), name="adjuster")
    eng = Engine(load_policy_text(POLICY, "p.yaml", pm=pm), pm=pm)
    ev = eng.evaluate(line(*progs))
    assert (ev.decision, [m.rule_id for m in ev.deciding]) == expected
    if returned is not None and Decision(returned) > Decision.LOCAL and expected[1][-1] == "plugin:adjuster":
        assert ev.line_matches[-1] == RuleMatch(
            "plugin:adjuster", Decision(returned), f"raised to {Decision(returned).value} by plugin adjuster", None
        )


def test_adjust_decision_weaker_result_is_traced_as_ignored() -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(Adjust("local"), name="loosener")
    eng = Engine(load_policy_text(POLICY, "p.yaml", pm=pm), pm=pm)
    ev = eng.evaluate(line("rm"))
    assert [t.to_dict() for t in ev.trace if t.op == "plugin"] == [
        {"op": "plugin", "command": None, "rule": "plugin:loosener", "detail": "local (ignored: not stricter)"}
    ]


@pytest.mark.parametrize("bad", ["allow", 3, object()])
def test_adjust_decision_bad_value_raises(bad) -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(Adjust(bad), name="broken")
    eng = Engine(load_policy_text(POLICY, "p.yaml", pm=pm), pm=pm)
    with pytest.raises(PluginError, match="must return local, sandbox, deny or None"):
        eng.evaluate(line("ls"))


def test_duplicate_matcher_key_is_a_plugin_error() -> None:
    class Dup:
        @hookimpl
        def policy_router_register_matchers(self, registry):
            registry.add("program", schema={}, compile=lambda v, c: (lambda cmd, m: True))

    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(Dup(), name="dup")
    with pytest.raises(PluginError, match="matcher key 'program' registered twice \\(first by policy_router.matchers\\)"):
        matcher_registry(pm)


def test_disable_plugins_env_blocks_by_name() -> None:
    pm = get_plugin_manager(load_entrypoints=False, environ={"POLICY_ROUTER_DISABLE_PLUGINS": " x, policy_router.matchers"})
    assert pm.is_blocked("policy_router.matchers") and pm.is_blocked("x")
    assert matcher_registry(pm).keys() == []


def test_unknown_hook_fails_check_pending(monkeypatch: pytest.MonkeyPatch) -> None:
    mod = types.ModuleType("pr_test_bad_plugin")
    mod.policy_router_no_such_hook = hookimpl(lambda: None)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pr_test_bad_plugin", mod)
    monkeypatch.setattr("policy_router.plugins.BUILTIN_PLUGINS", ("policy_router.matchers", "pr_test_bad_plugin"))
    with pytest.raises(PluginError, match="policy_router_no_such_hook"):
        get_plugin_manager(load_entrypoints=False)


def test_trace_hooks_env_writes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    pm = get_plugin_manager(load_entrypoints=False, environ={"POLICY_ROUTER_TRACE_HOOKS": "1"})
    pm.hook.policy_router_register_executors(registry=ExecutorRegistry())
    assert "policy_router_register_executors" in capsys.readouterr().err


def test_executor_registry() -> None:
    class Ex:
        @hookimpl
        def policy_router_register_executors(self, registry):
            registry.add("fake", lambda settings: ("fake", settings))

    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(Ex(), name="ex")
    reg = executor_registry(pm)
    assert "fake" in reg.names()
    assert reg.get("fake")("s") == ("fake", "s")
    with pytest.raises(PluginError, match="executor 'fake' registered twice"):
        reg.add("fake", lambda s: None)
