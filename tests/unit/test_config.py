"""Settings: sources, precedence (CLI > env > file > defaults), aliases, bad values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policy_router.config import ALIASES, SETTINGS_DOC, Settings
from policy_router.decision import Mode
from policy_router.errors import ConfigError


def load(env: dict[str, str] | None = None, cli: dict[str, Any] | None = None, cwd: Path | None = None) -> Settings:
    return Settings.load(cli, env=env or {}, cwd=cwd, use_file=cwd is not None)


def test_defaults() -> None:
    s = load()
    assert {n: (v, src) for n, v, src in s.items()} == {
        "mode": (Mode.AUTO, "default"), "policy": ((), "default"), "audit_log": (None, "default"),
        "executor": ("local", "default"), "sandbox_executor": ("docker", "default"),
        "shell": ("/bin/bash", "default"), "timeout": (None, "default"),
        "output_cap": (10 * 1024 * 1024, "default"), "workspace": (None, "default"),
        "cache_size": (4096, "default"), "sandbox_image": ("policy-router-sandbox:basic", "default"),
        "sandbox_auto_pull": (False, "default"), "sandbox_cleanup": (True, "default"),
        "sandbox_ttl": (3600.0, "default"), "sandbox_pool_size": (8, "default"),
        "sandbox_network": (None, "default"), "sandbox_user": ("65534:65534", "default"),
        "sandbox_memory": ("1g", "default"), "sandbox_cpus": (1.0, "default"), "sandbox_pids": (256, "default"),
        "sandbox_shell": ("/bin/bash", "default"), "docker_host": (None, "default"),
        "sandbox_protect_git": (True, "default"), "local_git_hardening": (True, "default"),
    }
    assert set(SETTINGS_DOC) == {n for n, _, _ in s.items()}


ENV_CASES = [
    ({"POLICY_ROUTER_MODE": "sandbox"}, "mode", Mode.SANDBOX, "env:POLICY_ROUTER_MODE"),
    ({"STIGMER_EXECUTION_MODE": "local"}, "mode", Mode.LOCAL, "env:STIGMER_EXECUTION_MODE"),
    ({"STIGMER_EXECUTION_MODE": "local", "POLICY_ROUTER_MODE": "sandbox"}, "mode", Mode.SANDBOX, "env:POLICY_ROUTER_MODE"),
    ({"STIGMER_SANDBOX_IMAGE": "a:1"}, "sandbox_image", "a:1", "env:STIGMER_SANDBOX_IMAGE"),
    ({"STIGMER_SANDBOX_IMAGE": "a:1", "POLICY_ROUTER_SANDBOX_IMAGE": "b:2"}, "sandbox_image", "b:2", "env:POLICY_ROUTER_SANDBOX_IMAGE"),
    ({"STIGMER_SANDBOX_AUTO_PULL": "true"}, "sandbox_auto_pull", True, "env:STIGMER_SANDBOX_AUTO_PULL"),
    ({"POLICY_ROUTER_SANDBOX_AUTO_PULL": "no", "STIGMER_SANDBOX_AUTO_PULL": "yes"}, "sandbox_auto_pull", False, "env:POLICY_ROUTER_SANDBOX_AUTO_PULL"),
    ({"STIGMER_SANDBOX_CLEANUP": "0"}, "sandbox_cleanup", False, "env:STIGMER_SANDBOX_CLEANUP"),
    ({"STIGMER_SANDBOX_TTL": "60"}, "sandbox_ttl", 60.0, "env:STIGMER_SANDBOX_TTL"),
    ({"POLICY_ROUTER_SANDBOX_TTL": "5.5", "STIGMER_SANDBOX_TTL": "60"}, "sandbox_ttl", 5.5, "env:POLICY_ROUTER_SANDBOX_TTL"),
    ({"POLICY_ROUTER_POLICY": "/a.yaml:/b.yaml"}, "policy", ("/a.yaml", "/b.yaml"), "env:POLICY_ROUTER_POLICY"),
    ({"POLICY_ROUTER_AUDIT_LOG": "/tmp/a.jsonl"}, "audit_log", "/tmp/a.jsonl", "env:POLICY_ROUTER_AUDIT_LOG"),
    ({"POLICY_ROUTER_SANDBOX_PIDS": "64"}, "sandbox_pids", 64, "env:POLICY_ROUTER_SANDBOX_PIDS"),
    ({"POLICY_ROUTER_TIMEOUT": ""}, "timeout", None, "env:POLICY_ROUTER_TIMEOUT"),
    ({"POLICY_ROUTER_SANDBOX_NETWORK": "agents"}, "sandbox_network", "agents", "env:POLICY_ROUTER_SANDBOX_NETWORK"),
]


@pytest.mark.parametrize("env,name,value,source", ENV_CASES, ids=[repr(c[0])[:50] for c in ENV_CASES])
def test_env_and_aliases(env: dict[str, str], name: str, value: Any, source: str) -> None:
    s = load(env)
    assert (getattr(s, name), s.source(name)) == (value, source)


def test_every_alias_is_a_known_setting() -> None:
    assert set(ALIASES) == {"mode", "sandbox_image", "sandbox_auto_pull", "sandbox_cleanup", "sandbox_ttl"}


BAD_ENV = [
    ("POLICY_ROUTER_MODE", "fast"),
    ("STIGMER_EXECUTION_MODE", "docker"),
    ("POLICY_ROUTER_SANDBOX_TTL", "abc"),
    ("STIGMER_SANDBOX_TTL", "-5"),
    ("POLICY_ROUTER_SANDBOX_TTL", "nan"),
    ("POLICY_ROUTER_SANDBOX_AUTO_PULL", "maybe"),
    ("STIGMER_SANDBOX_CLEANUP", "2"),
    ("POLICY_ROUTER_SANDBOX_USER", "0:0"),
    ("POLICY_ROUTER_SANDBOX_USER", "nobody"),
    ("POLICY_ROUTER_SANDBOX_MEMORY", "lots"),
    ("POLICY_ROUTER_SANDBOX_MEMORY", "\u00b2"),  # hypothesis find: '²'.isdigit() but int('²') fails
    ("POLICY_ROUTER_SANDBOX_USER", "1\u00b2:2"),
    ("POLICY_ROUTER_SANDBOX_PIDS", "1.5"),
    ("POLICY_ROUTER_SANDBOX_NETWORK", "host"),
    ("POLICY_ROUTER_SHELL", "bash"),
    ("POLICY_ROUTER_SANDBOX_IMAGE", ""),
]


@pytest.mark.parametrize("var,value", BAD_ENV)
def test_bad_env_value_names_the_variable(var: str, value: str) -> None:
    with pytest.raises(ConfigError) as ei:
        load({var: value})
    assert var in str(ei.value)


def test_precedence_cli_over_env_over_file_over_default(tmp_path: Path) -> None:
    (tmp_path / "policy-router.toml").write_text(
        'mode = "sandbox"\nsandbox_ttl = 10\nsandbox_pids = 99\naudit_log = "logs/audit.jsonl"\npolicy = ["p.yaml"]\n'
    )
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    s = load({"POLICY_ROUTER_SANDBOX_TTL": "20", "POLICY_ROUTER_MODE": "local"}, {"mode": "auto"}, cwd=sub)
    f = f"file:{tmp_path / 'policy-router.toml'}"
    assert {n: (getattr(s, n), s.source(n)) for n in ("mode", "sandbox_ttl", "sandbox_pids", "audit_log", "policy", "sandbox_cpus")} == {
        "mode": (Mode.AUTO, "cli"),
        "sandbox_ttl": (20.0, "env:POLICY_ROUTER_SANDBOX_TTL"),
        "sandbox_pids": (99, f),
        "audit_log": (str(tmp_path / "logs" / "audit.jsonl"), f),
        "policy": ((str(tmp_path / "p.yaml"),), f),
        "sandbox_cpus": (1.0, "default"),
    }
    assert s.config_file == str(tmp_path / "policy-router.toml")


def test_pyproject_table_is_found_and_policy_router_toml_wins_in_one_dir(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.policy-router]\nsandbox_image = "from-pyproject"\n')
    assert load(cwd=tmp_path).sandbox_image == "from-pyproject"
    (tmp_path / "policy-router.toml").write_text('sandbox_image = "from-own-file"\n')
    assert load(cwd=tmp_path).sandbox_image == "from-own-file"


def test_pyproject_without_our_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load(cwd=tmp_path).config_file is None or not load(cwd=tmp_path).config_file.startswith(str(tmp_path))


@pytest.mark.parametrize(
    "text,needle",
    [
        ('mode = "fast"\n', "mode"),
        ("unknown_key = 1\n", "unknown_key"),
        ("sandbox_ttl = [1]\n", "sandbox_ttl"),
        ("this is not toml", "invalid TOML"),
        ("sandbox_pids = 1.5\n", "sandbox_pids"),
    ],
)
def test_bad_config_file_names_the_file_and_key(tmp_path: Path, text: str, needle: str) -> None:
    p = tmp_path / "policy-router.toml"
    p.write_text(text)
    with pytest.raises(ConfigError) as ei:
        load(cwd=tmp_path)
    assert (str(p) in str(ei.value), needle in str(ei.value)) == (True, True)


def test_cli_unknown_and_bad_values() -> None:
    with pytest.raises(ConfigError, match="unknown setting"):
        load(cli={"nope": 1})
    with pytest.raises(ConfigError, match="command-line option for mode"):
        load(cli={"mode": "fast"})


def test_replace_marks_cli_source_and_validates() -> None:
    s = load().replace(sandbox_ttl=7)
    assert (s.sandbox_ttl, s.source("sandbox_ttl"), s.source("mode")) == (7.0, "cli", "default")
    with pytest.raises(ConfigError):
        load().replace(sandbox_ttl="x")


def test_to_dict_is_json_able() -> None:
    import json

    d = load({"POLICY_ROUTER_MODE": "sandbox"}).to_dict()
    assert json.loads(json.dumps(d))["mode"] == {"value": "sandbox", "source": "env:POLICY_ROUTER_MODE"}


from hypothesis import given, settings as hsettings
from hypothesis import strategies as st

from policy_router.config import ENV_PREFIX


@hsettings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(SETTINGS_DOC)), value=st.text(max_size=20))
def test_any_env_value_either_loads_or_is_a_config_error_naming_the_variable(name: str, value: str) -> None:
    var = ENV_PREFIX + name.upper()
    try:
        s = load({var: value})
    except ConfigError as exc:
        assert var in str(exc)
    else:
        assert s.source(name) == f"env:{var}"
