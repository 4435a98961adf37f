"""The loader never fails with anything but PolicyLoadError, whatever the input."""

from __future__ import annotations

import copy

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_router.errors import PolicyLoadError
from policy_router.policy import Policy, load_policy_text

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, width=32),
    st.sampled_from(["", "@", "@@x", "@tools", "re:(", "re:a", "*", "$WORKSPACE", "!$WORKSPACE", "~",
                     "local", "deny", "sandbox", "allow", "nested_shell", "subshell", "write", "x"]),
    st.text(max_size=8),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["program", "args", "flags", "paths", "any", "all", "none", "not", "any_of",
                             "redirects", "mode", "target", "markers", "context", "line", "x"]),
            inner, max_size=3,
        ),  # fmt: skip
    ),
    max_leaves=12,
)

VALID = {
    "version": 1,
    "defaults": {"decision": "sandbox", "profile": "basic"},
    "lists": {"tools": ["ls", "cat"]},
    "profiles": {"basic": {"image": "img"}},
    "rules": [
        {"id": "a", "description": "d", "decision": "local", "match": {"program": "@tools"},
         "unless": [{"args": {"any": ["re:^/"]}}], "examples": {"match": ["ls"], "not_match": ["rm"]}},
    ],
}  # fmt: skip
PATHS = [
    ("version",), ("defaults",), ("defaults", "decision"), ("lists",), ("lists", "tools"),
    ("profiles", "basic"), ("profiles", "basic", "cpus"), ("rules",), ("rules", 0),
    ("rules", 0, "match"), ("rules", 0, "match", "program"), ("rules", 0, "unless"),
    ("rules", 0, "examples"), ("rules", 0, "id"), ("rules", 0, "match", "paths"),
]  # fmt: skip


def _load(text: str) -> None:
    try:
        assert isinstance(load_policy_text(text, "f.yaml"), Policy)
    except PolicyLoadError as exc:
        assert exc.issues and all(str(i).startswith("f.yaml") for i in exc.issues)


@SETTINGS
@given(st.text(max_size=200))
def test_any_text(text: str) -> None:
    _load(text)


@SETTINGS
@given(path=st.sampled_from(PATHS), value=values)
def test_valid_policy_with_one_node_replaced(path: tuple, value) -> None:
    data = copy.deepcopy(VALID)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    _load(yaml.safe_dump(data))
