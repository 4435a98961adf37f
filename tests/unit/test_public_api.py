"""The public names of ``policy_router`` are pinned: adding or removing one is a deliberate change."""

import importlib
import subprocess
import sys

import policy_router

EXPECTED = {
    "__version__", "hookimpl",
    "Router", "Settings",
    "parse", "ParsedLine", "Command", "Word", "Redirect", "Marker", "Ctx",
    "load_policy", "Policy", "Rule", "Engine",
    "Decision", "Mode", "Evaluation", "RuleMatch", "CommandVerdict",
    "ExecRequest", "Outcome",
    "Location", "PolicyRouterError", "PolicyError", "PolicyLoadError", "PluginError",
    "ConfigError", "ExecutorError", "SandboxUnavailableError", "ImageNotFoundError",
    "CommandDenied",
}


def test_all_is_pinned():
    assert set(policy_router.__all__) == EXPECTED


def test_every_public_name_resolves_to_its_defining_object():
    for name in sorted(EXPECTED - {"__version__", "hookimpl"}):
        obj = getattr(policy_router, name)
        module = importlib.import_module(policy_router._EXPORTS[name], "policy_router")
        assert obj is getattr(module, name), name


def test_unknown_name_raises_attribute_error():
    try:
        policy_router.NoSuchThing  # noqa: B018
    except AttributeError as e:
        assert "NoSuchThing" in str(e)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_importing_the_package_does_not_import_parsers_or_docker():
    code = (
        "import sys, policy_router; "
        "print(sorted(m for m in ('bashlex', 'tree_sitter', 'docker') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_errors_share_one_root():
    for name in EXPECTED:
        obj = getattr(policy_router, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, policy_router.PolicyRouterError), name
