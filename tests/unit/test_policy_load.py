"""Loading good policies: the model built, layering, lists, profiles, paths, schema."""

from __future__ import annotations

import json
from pathlib import Path
from types import MappingProxyType

import pytest

from policy_router.decision import Decision
from policy_router.errors import Location, PolicyLoadError
from policy_router.plugins import get_plugin_manager
from policy_router.policy import (
    Defaults,
    Example,
    Policy,
    Profile,
    Rule,
    default_policy_path,
    load_policy,
    load_policy_text,
    load_policy_texts,
    policy_paths_from_env,
    schema,
)
from policy_router.policy.load import builtin_schema_file

BASE = """\
version: 1
defaults:
  decision: sandbox
  profile: basic
lists:
  tools: [ls, cat]
profiles:
  basic:
    image: img:basic
    memory: 512m
    cpus: 0.5
    pids: 64
    mounts:
      - {source: /opt/tools, target: /opt/tools}
rules:
  - id: tools
    description: read-only tools
    decision: local
    tags: [readonly]
    match: {program: ["@tools", "@@literal", "yes", no]}
    unless:
      - {args: {any: ["re:^/etc"]}}
    examples:
      match: ["ls -la"]
      not_match: ["ls /etc/passwd"]
"""


def test_model_is_built_exactly() -> None:
    p = load_policy_text(BASE, "base.yaml")
    assert p == Policy(
        sources=("base.yaml",),
        defaults=Defaults(
            decision=Decision.SANDBOX,
            on_parse_error=Decision.SANDBOX,
            on_dynamic=Decision.SANDBOX,
            on_sandbox_unavailable=Decision.DENY,
            profile="basic",
            locations=MappingProxyType(
                {"decision": Location("base.yaml", 3, 13), "profile": Location("base.yaml", 4, 12)}
            ),
        ),
        lists=MappingProxyType({"tools": ("ls", "cat")}),
        profiles=MappingProxyType(
            {
                "basic": Profile(
                    name="basic",
                    image="img:basic",
                    network=False,
                    memory="512m",
                    cpus=0.5,
                    pids=64,
                    user="65534:65534",
                    mounts=(("/opt/tools", "/opt/tools"),),
                    location=Location("base.yaml", 8, 3),
                )
            }
        ),
        rules=(
            Rule(
                id="tools",
                description="read-only tools",
                decision=Decision.LOCAL,
                reason="read-only tools",
                # "@tools" expands, "@@literal" is the literal "@literal", yes/no stay strings
                match=MappingProxyType({"program": ("ls", "cat", "@literal", "yes", "no")}),
                unless=(MappingProxyType({"args": MappingProxyType({"any": ("re:^/etc",)})}),),
                profile=None,
                tags=("readonly",),
                examples=(
                    Example("ls -la", True, Location("base.yaml", 24, 15)),
                    Example("ls /etc/passwd", False, Location("base.yaml", 25, 19)),
                ),
                location=Location("base.yaml", 16, 5),
                source_file="base.yaml",
                locked=False,
            ),
        ),
    )


def test_to_dict_is_json() -> None:
    p = load_policy_text(BASE, "base.yaml")
    d = json.loads(json.dumps(p.to_dict()))
    assert d["rules"][0]["match"] == {"program": ["ls", "cat", "@literal", "yes", "no"]}
    assert d["defaults"] == {
        "decision": "sandbox",
        "on_parse_error": "sandbox",
        "on_dynamic": "sandbox",
        "on_sandbox_unavailable": "deny",
        "profile": "basic",
    }


TEAM = """\
version: 1
defaults:
  on_dynamic: deny
lists:
  tools: [head]
profiles:
  basic: {image: img:team}
rules:
  - id: tools
    description: replaced by the team
    decision: sandbox
    match: {program: "@tools"}
  - id: curl
    description: no downloads
    decision: deny
    match: {program: curl}
"""


def test_layering_replaces_extends_and_adds() -> None:
    p = load_policy_texts([("base.yaml", BASE), ("team.yaml", TEAM)], check_examples=False)
    assert p.sources == ("base.yaml", "team.yaml")
    assert p.defaults.decision is Decision.SANDBOX
    assert p.defaults.on_dynamic is Decision.DENY
    assert p.defaults.location_of("on_dynamic") == Location("team.yaml", 3, 15)
    assert dict(p.lists) == {"tools": ("ls", "cat", "head")}
    assert p.profiles["basic"].image == "img:team"
    assert [(r.id, r.decision, r.source_file) for r in p.rules] == [
        ("tools", Decision.SANDBOX, "team.yaml"),
        ("curl", Decision.DENY, "team.yaml"),
    ]
    # the replacing rule sees the extended list
    assert p.rules[0].match["program"] == ("ls", "cat", "head")


def test_locked_layer_may_be_tightened() -> None:
    admin = BASE.replace("version: 1\n", "version: 1\nlocked: true\n")
    stricter = """\
version: 1
defaults: {decision: deny, on_dynamic: deny, profile: basic}
lists:
  more: [x]
rules:
  - id: other-tools
    description: a new rule in a later layer is allowed
    decision: deny
    match: {program: "@more"}
"""
    p = load_policy_texts([("admin.yaml", admin), ("team.yaml", stricter)], check_examples=False)
    assert (p.defaults.decision, p.defaults.on_dynamic) == (Decision.DENY, Decision.DENY)
    assert [(r.id, r.locked) for r in p.rules] == [("tools", True), ("other-tools", False)]


def test_locked_layer_cannot_be_loosened_later() -> None:
    admin = BASE.replace("version: 1\n", "version: 1\nlocked: true\n")
    with pytest.raises(PolicyLoadError) as info:
        load_policy_texts([("admin.yaml", admin), ("team.yaml", TEAM)], check_examples=False)
    assert [(str(i.location), i.code) for i in info.value.issues] == [
        ("team.yaml:5:3", "locked"),  # extend list 'tools'
        ("team.yaml:7:3", "locked"),  # replace profile 'basic'
        ("team.yaml:9:9", "locked"),  # replace rule 'tools'
    ]


def test_directory_loads_yaml_files_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "20-team.yml").write_text(TEAM)
    (tmp_path / "10-base.yaml").write_text(BASE)
    (tmp_path / "README.md").write_text("not a policy")
    p = load_policy([tmp_path], check_examples=False)
    assert p.sources == (str(tmp_path / "10-base.yaml"), str(tmp_path / "20-team.yml"))


def test_invalid_policy_is_never_returned_partly() -> None:
    bad = BASE + "  - id: broken\n    description: x\n    decision: allow\n    match: {program: rm}\n"
    with pytest.raises(PolicyLoadError) as info:
        load_policy_text(bad, "b.yaml")
    assert str(info.value) == (
        "1 error occurred:\n"
        "b.yaml:28:15: schema: 'decision' must be one of local, sandbox, deny (got 'allow')"
    )


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({}, None),
        ({"POLICY_ROUTER_POLICY": ""}, None),
        ({"POLICY_ROUTER_POLICY": "a.yaml"}, ["a.yaml"]),
        ({"POLICY_ROUTER_POLICY": "a.yaml::/etc/pr/"}, ["a.yaml", "/etc/pr/"]),
    ],
)
def test_policy_paths_from_env(environ: dict[str, str], expected: list[str] | None) -> None:
    assert policy_paths_from_env(environ) == expected


def test_default_policy_path_is_the_shipped_symlink() -> None:
    p = default_policy_path()
    assert p.parts[-3:] == ("policy_router", "data", "default.yaml")
    repo_default = Path(__file__).resolve().parents[2] / "policies" / "default.yaml"
    assert p.resolve() == repo_default.resolve()


def test_shipped_schema_json_matches_builtin_matchers() -> None:
    shipped = json.loads(builtin_schema_file().read_text())
    assert shipped == schema(get_plugin_manager(load_entrypoints=False)), (
        "regenerate src/policy_router/policy/schema.json from policy_router.policy.schema()"
    )


def test_example_checking_can_be_disabled() -> None:
    wrong = BASE.replace('match: ["ls -la"]', 'match: ["rm -rf /"]')
    with pytest.raises(PolicyLoadError) as info:
        load_policy_text(wrong, "w.yaml")
    assert [(str(i.location), i.code) for i in info.value.issues] == [("w.yaml:24:15", "example")]
    assert load_policy_text(wrong, "w.yaml", check_examples=False).rules[0].id == "tools"
