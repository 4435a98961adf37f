"""Load policy files: YAML with locations -> JSON Schema -> layering -> semantic checks ->
compiled rules -> examples -> :class:`Policy`.

Every problem in every file is collected as a :class:`PolicyIssue` (``file:line:col: code:
message``), sorted, and raised together as one :class:`PolicyLoadError`; an invalid policy is
never returned, not even partly. Codes: ``yaml``, ``schema``, ``duplicate-id``,
``unknown-list``, ``unknown-profile``, ``bad-pattern``, ``example``, ``locked``, ``io``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Sequence

import jsonschema

from ..decision import Decision
from ..errors import Location, PolicyIssue, PolicyLoadError
from .model import Defaults, Example, Policy, Profile, Rule, freeze
from .yamlnodes import LocatedDoc, load_yaml

__all__ = [
    "POLICY_ENV",
    "load_policy",
    "load_policy_text",
    "load_policy_texts",
    "default_policy_path",
    "policy_paths_from_env",
    "schema",
    "builtin_schema_file",
]

#: Environment variable with ``:``-separated policy paths (read by the caller, see config).
POLICY_ENV = "POLICY_ROUTER_POLICY"

_DEFAULT_KEYS = ("decision", "on_parse_error", "on_dynamic", "on_sandbox_unavailable", "profile")
_BUILTIN_DEFAULTS = {
    "on_parse_error": "sandbox",
    "on_dynamic": "sandbox",
    "on_sandbox_unavailable": "deny",
}


def default_policy_path() -> Path:
    """The shipped default policy (``policy_router/data/default.yaml``, a symlink to the
    repository's ``policies/default.yaml``)."""
    return Path(__file__).resolve().parent.parent / "data" / "default.yaml"


def policy_paths_from_env(environ: Mapping[str, str] | None = None) -> list[str] | None:
    """The paths in ``POLICY_ROUTER_POLICY`` (``:``-separated, empty parts dropped), or None
    when the variable is unset or empty."""
    env = os.environ if environ is None else environ
    raw = env.get(POLICY_ENV, "")
    parts = [p for p in raw.split(":") if p.strip()]
    return parts or None


def builtin_schema_file() -> Path:
    """Path of the shipped ``schema.json``."""
    return Path(str(resources.files("policy_router.policy").joinpath("schema.json")))


def schema(pm: Any = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one policy file, with every match key registered by
    the plugins of ``pm`` (default: the process-wide plugin manager)."""
    from ..plugins import matcher_registry

    base = json.loads(builtin_schema_file().read_text(encoding="utf-8"))
    props: dict[str, Any] = {}
    for spec in matcher_registry(pm):
        frag = json.loads(json.dumps(spec.schema))
        if spec.doc and "description" not in frag:
            frag = {**frag, "description": spec.doc}
        props[spec.key] = frag
    base["$defs"]["match"]["properties"] = props
    return base


# --------------------------------------------------------------------------------------------
# schema error messages
# --------------------------------------------------------------------------------------------

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


def _show(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "{}" if not v else "a mapping"
    if isinstance(v, list):
        return "[]" if not v else "a list"
    return repr(v)


def _name(path: Sequence[Any], data: Any = None) -> str:
    """How a node is named in messages: its key, ``key[i]`` for a list item, or
    ``rule 'id'`` for a rule that has an id."""
    if not path:
        return "the policy file"
    if len(path) == 2 and path[0] == "rules" and isinstance(data, dict):
        rules = data.get("rules")
        if isinstance(rules, list) and isinstance(path[1], int) and path[1] < len(rules):
            rid = rules[path[1]].get("id") if isinstance(rules[path[1]], dict) else None
            if isinstance(rid, str):
                return f"rule '{rid}'"
    last = path[-1]
    if isinstance(last, int):
        parent = next((p for p in reversed(path) if isinstance(p, str)), "list")
        return f"'{parent}[{last}]'"
    return f"'{last}'"


def _schema_issues(doc: LocatedDoc, validator: jsonschema.protocols.Validator) -> list[PolicyIssue]:
    out: list[PolicyIssue] = []
    for err in validator.iter_errors(doc.data):
        out.extend(_render_error(doc, err))
    return out


def _render_error(doc: LocatedDoc, err: jsonschema.ValidationError) -> list[PolicyIssue]:
    path = tuple(err.absolute_path)
    what = _name(path, doc.data)
    inst = err.instance
    sch = err.schema if isinstance(err.schema, dict) else {}
    v = err.validator
    loc = doc.value_location(path)
    expected = sch.get("x-expected")
    if v == "additionalProperties":
        known = sorted(sch.get("properties", {}))
        extras = [k for k in inst if k not in sch.get("properties", {})]
        hint = f" (expected one of: {', '.join(known)})" if known else ""
        return [
            PolicyIssue(doc.key_location(path + (k,)), "schema", f"unknown key '{k}' in {what}{hint}")
            for k in extras
        ]
    if v == "required":
        missing = [k for k in err.validator_value if isinstance(inst, dict) and k not in inst]
        return [
            PolicyIssue(loc, "schema", f"{what} is missing required key '{k}'") for k in missing[:1]
        ]
    if v == "propertyNames":
        pat = sch.get("propertyNames", {}).get("pattern", "")
        return [PolicyIssue(doc.key_location(path + (inst,)), "schema",
                            f"name '{inst}' in {what} must match {pat}")]  # fmt: skip
    if v in ("anyOf", "oneOf") and err.context:
        # Name the real problem: an error inside the value (a bad list item) first, then a
        # branch that fits the value's shape (an enum for a scalar, minItems for a list).
        deep = [e for e in err.context if e.relative_path]
        if deep:
            return _render_error(doc, max(deep, key=lambda e: len(e.relative_path)))
        scalar = not isinstance(inst, (list, dict))
        shaped = [
            e for e in err.context
            if e.validator != "type" and (scalar or e.validator not in ("enum", "const"))
        ]
        if shaped:
            return _render_error(doc, shaped[0])
    if expected and v in ("anyOf", "oneOf", "pattern", "type"):
        msg = f"{what} must be {expected} (got {_show(inst)})"
    elif v in ("anyOf", "oneOf"):
        best = jsonschema.exceptions.best_match(err.context) if err.context else None
        if best is not None:
            return _render_error(doc, best)
        msg = f"{what} is not valid (got {_show(inst)})"
    elif v == "type":
        want = err.validator_value
        names = [_TYPE_NAMES.get(t, t) for t in (want if isinstance(want, list) else [want])]
        msg = f"{what} must be {' or '.join(names)} (got {_show(inst)})"
        if "string" in (want if isinstance(want, list) else [want]) and (isinstance(inst, bool) or inst is None):
            msg += f"; quote it to mean the string: '{_show(inst)}'"
    elif v == "enum":
        msg = f"{what} must be one of {', '.join(map(str, err.validator_value))} (got {_show(inst)})"
    elif v == "const":
        msg = f"{what} must be {_show(err.validator_value)} (got {_show(inst)})"
    elif v in ("minProperties", "minItems", "minLength"):
        msg = f"{what} must not be empty (got {_show(inst)})"
    elif v == "pattern":
        msg = f"{what} must match {err.validator_value} (got {_show(inst)})"
    elif v in ("minimum", "exclusiveMinimum"):
        op = ">=" if v == "minimum" else ">"
        msg = f"{what} must be {op} {err.validator_value} (got {_show(inst)})"
    else:
        msg = f"{what}: {err.message}"
    return [PolicyIssue(loc, "schema", msg)]


# --------------------------------------------------------------------------------------------
# layering
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _RuleSrc:
    """A rule's raw data with what is needed to report problems at the right place."""

    data: dict[str, Any]
    doc: LocatedDoc
    path: tuple[Any, ...]
    locked: bool


@dataclass(slots=True)
class _State:
    defaults: dict[str, tuple[Any, Location]] = field(default_factory=dict)
    floors: dict[str, tuple[Any, Location]] = field(default_factory=dict)
    lists: dict[str, list[tuple[str, Location]]] = field(default_factory=dict)
    locked_lists: dict[str, Location] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    locked_profiles: dict[str, Location] = field(default_factory=dict)
    rules: dict[str, _RuleSrc] = field(default_factory=dict)
    issues: list[PolicyIssue] = field(default_factory=list)


_RANKED = {"decision", "on_parse_error", "on_dynamic", "on_sandbox_unavailable"}


def _apply_layer(st: _State, doc: LocatedDoc, first: bool) -> None:
    data: dict[str, Any] = doc.data
    locked = bool(data.get("locked", False))
    defaults = data.get("defaults") or {}
    if first and "decision" not in defaults:
        where = doc.value_location(("defaults",)) if "defaults" in data else Location(doc.name, 1, 1)
        st.issues.append(
            PolicyIssue(where, "schema", "'defaults' of the first policy layer must set 'decision'")
        )
    for key in _DEFAULT_KEYS:
        if key not in defaults:
            continue
        value = defaults[key]
        loc = doc.value_location(("defaults", key))
        floor = st.floors.get(key)
        if floor is not None:
            fval, floc = floor
            if key in _RANKED:
                if Decision(value) < Decision(fval):
                    st.issues.append(PolicyIssue(loc, "locked",
                        f"cannot lower 'defaults.{key}' from {fval} to {value}: locked by {floc}"))  # fmt: skip
                    continue
            elif value != fval:
                st.issues.append(PolicyIssue(loc, "locked",
                    f"cannot change 'defaults.{key}' from {fval!r} to {value!r}: locked by {floc}"))  # fmt: skip
                continue
        st.defaults[key] = (value, loc)
        if locked:
            st.floors[key] = (value, loc)
    for lname, items in (data.get("lists") or {}).items():
        lloc = doc.key_location(("lists", lname))
        if lname in st.locked_lists:
            st.issues.append(PolicyIssue(lloc, "locked",
                f"cannot extend list '{lname}': locked by {st.locked_lists[lname]}"))  # fmt: skip
            continue
        located = [(s, doc.value_location(("lists", lname, i))) for i, s in enumerate(items)]
        st.lists.setdefault(lname, []).extend(located)
        if locked:
            st.locked_lists[lname] = lloc
    for pname, p in (data.get("profiles") or {}).items():
        ploc = doc.key_location(("profiles", pname))
        if pname in st.locked_profiles:
            st.issues.append(PolicyIssue(ploc, "locked",
                f"cannot replace profile '{pname}': locked by {st.locked_profiles[pname]}"))  # fmt: skip
            continue
        st.profiles[pname] = Profile(
            name=pname,
            image=p["image"],
            network=bool(p.get("network", False)),
            memory=str(p.get("memory", "1g")),
            cpus=float(p.get("cpus", 1.0)),
            pids=int(p.get("pids", 256)),
            user=str(p.get("user", "65534:65534")),
            mounts=tuple((m["source"], m["target"]) for m in p.get("mounts", ())),
            location=ploc,
        )
        if locked:
            st.locked_profiles[pname] = ploc
    seen: dict[str, Location] = {}
    for i, r in enumerate(data.get("rules") or ()):
        rid = r["id"]
        rloc = doc.value_location(("rules", i))
        if rid in seen:
            st.issues.append(PolicyIssue(doc.value_location(("rules", i, "id")), "duplicate-id",
                f"duplicate rule id '{rid}' (first at {seen[rid]})"))  # fmt: skip
            continue
        seen[rid] = rloc
        prev = st.rules.get(rid)
        if prev is not None and prev.locked:
            st.issues.append(PolicyIssue(doc.value_location(("rules", i, "id")), "locked",
                f"cannot replace rule '{rid}': locked by {prev.doc.value_location(prev.path)}"))  # fmt: skip
            continue
        st.rules[rid] = _RuleSrc(r, doc, ("rules", i), locked)


# --------------------------------------------------------------------------------------------
# @list expansion
# --------------------------------------------------------------------------------------------


def _expand(
    value: Any,
    path: tuple[Any, ...],
    doc: LocatedDoc,
    lists: Mapping[str, list[tuple[str, Location]]],
    out_locs: dict[tuple[Any, ...], Location],
    new_path: tuple[Any, ...],
    issues: list[PolicyIssue],
) -> Any:
    """Expand ``"@name"`` strings (``"@@x"`` is the literal ``"@x"``) in a match object;
    record the source location of every node of the result under its new path."""
    out_locs[new_path] = doc.value_location(path)
    if isinstance(value, dict):
        return {
            k: _expand(v, path + (k,), doc, lists, out_locs, new_path + (k,), issues)
            for k, v in value.items()
        }
    if isinstance(value, list):
        res: list[Any] = []
        for i, item in enumerate(value):
            if isinstance(item, str) and item.startswith("@") and not item.startswith("@@"):
                items = _lookup(item, path + (i,), doc, lists, issues)
                for s, sloc in items:
                    out_locs[new_path + (len(res),)] = sloc
                    res.append(s)
                continue
            res.append(_expand(item, path + (i,), doc, lists, out_locs, new_path + (len(res),), issues))
        return res
    if isinstance(value, str):
        if value.startswith("@@"):
            return value[1:]
        if value.startswith("@"):
            items = _lookup(value, path, doc, lists, issues)
            for j, (_, sloc) in enumerate(items):
                out_locs[new_path + (j,)] = sloc
            return [s for s, _ in items]
    return value


def _lookup(
    ref: str,
    path: tuple[Any, ...],
    doc: LocatedDoc,
    lists: Mapping[str, list[tuple[str, Location]]],
    issues: list[PolicyIssue],
) -> list[tuple[str, Location]]:
    name = ref[1:]
    if name in lists:
        return lists[name]
    known = ", ".join(sorted(lists)) or "none"
    issues.append(PolicyIssue(doc.value_location(path), "unknown-list",
        f"unknown list '{ref}' (known lists: {known}; write '@{ref}' for a literal '{ref}')"))  # fmt: skip
    return []


# --------------------------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------------------------


def _expand_paths(paths: Iterable[str | Path], issues: list[PolicyIssue]) -> list[tuple[str, str]]:
    """Read every policy file (a directory gives its *.yaml/*.yml in name order)."""
    sources: list[tuple[str, str]] = []
    for p in paths:
        path = Path(p)
        name = str(p)
        if path.is_dir():
            files = sorted(
                (f for f in path.iterdir() if f.suffix in (".yaml", ".yml") and f.is_file()),
                key=lambda f: f.name,
            )
            if not files:
                issues.append(PolicyIssue(Location(name), "io", "directory has no *.yaml or *.yml files"))
            for f in files:
                fname = os.path.join(name, f.name)
                _read(fname, f, sources, issues)
        else:
            _read(name, path, sources, issues)
    return sources


def _read(name: str, path: Path, sources: list[tuple[str, str]], issues: list[PolicyIssue]) -> None:
    try:
        sources.append((name, path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        issues.append(PolicyIssue(Location(name), "io", "cannot read: no such file"))
    except UnicodeDecodeError as exc:
        issues.append(PolicyIssue(Location(name), "io", f"cannot read: not UTF-8 ({exc.reason})"))
    except OSError as exc:
        issues.append(PolicyIssue(Location(name), "io", f"cannot read: {exc.strerror or exc}"))


def load_policy(
    paths: Sequence[str | Path] | None = None,
    *,
    pm: Any = None,
    check_examples: bool = True,
    plugins: Any = None,
) -> Policy:
    """Load and layer the policy files ``paths`` (None: the shipped default policy).

    ``pm`` is the plugin manager whose match keys are allowed (default: the process-wide
    one); ``plugins`` is an alias of ``pm`` kept for callers written against an older draft.
    Raises :class:`PolicyLoadError` with every issue of every file when anything is wrong.
    ``POLICY_ROUTER_POLICY`` is *not* read here (see :func:`policy_paths_from_env`).
    """
    if pm is None:
        pm = plugins
    if paths is None:
        paths = [default_policy_path()]
    if isinstance(paths, (str, Path)):
        paths = [paths]
    issues: list[PolicyIssue] = []
    sources = _expand_paths(paths, issues)
    return _load(sources, issues, pm=pm, check_examples=check_examples)


def load_policy_text(
    text: str, name: str = "<string>", *, pm: Any = None, check_examples: bool = True
) -> Policy:
    """Load one policy from a string (``name`` is used in locations)."""
    return _load([(name, text)], [], pm=pm, check_examples=check_examples)


def load_policy_texts(
    sources: Sequence[tuple[str, str]], *, pm: Any = None, check_examples: bool = True
) -> Policy:
    """Load layered policies from ``(name, text)`` pairs, in layer order."""
    return _load(list(sources), [], pm=pm, check_examples=check_examples)


_validators: dict[int, tuple[Any, jsonschema.protocols.Validator]] = {}


def _validator(pm: Any) -> jsonschema.protocols.Validator:
    from ..plugins import default_plugin_manager

    pm = pm if pm is not None else default_plugin_manager()
    hit = _validators.get(id(pm))
    if hit is not None and hit[0] is pm:
        return hit[1]
    sch = schema(pm)
    v = jsonschema.Draft202012Validator(sch)
    _validators[id(pm)] = (pm, v)
    return v


def _load(
    sources: list[tuple[str, str]], issues: list[PolicyIssue], *, pm: Any, check_examples: bool
) -> Policy:
    from ..plugins import default_plugin_manager, matcher_registry

    pm = pm if pm is not None else default_plugin_manager()
    validator = _validator(pm)
    docs: list[LocatedDoc] = []
    first_doc: LocatedDoc | None = None
    for name, text in sources:
        doc = load_yaml(text, name)
        if first_doc is None:
            first_doc = doc
        issues.extend(doc.issues)
        if doc.issues:
            continue
        if doc.data is None:
            issues.append(PolicyIssue(Location(name, 1, 1), "schema",
                                      "the policy file must be a mapping (got an empty document)"))  # fmt: skip
            continue
        file_issues = _schema_issues(doc, validator)
        issues.extend(file_issues)
        if not file_issues:
            docs.append(doc)
    if not sources and not issues:
        issues.append(PolicyIssue(Location("<policy>"), "io", "no policy files given"))
    st = _State()
    for doc in docs:
        _apply_layer(st, doc, first=doc is first_doc)
    issues.extend(st.issues)

    # defaults
    dvals = dict(_BUILTIN_DEFAULTS)
    dvals.update({k: v for k, (v, _) in st.defaults.items()})
    dlocs = {k: loc for k, (_, loc) in st.defaults.items()}
    profiles = st.profiles
    if "profile" in dvals and dvals["profile"] not in profiles:
        issues.append(PolicyIssue(dlocs["profile"], "unknown-profile",
            f"unknown profile '{dvals['profile']}' (known profiles: {', '.join(sorted(profiles)) or 'none'})"))  # fmt: skip

    # rules
    from ..matchers import CompileContext, compile_match

    registry = matcher_registry(pm)
    rules: list[Rule] = []
    for rid, src in st.rules.items():
        r = src.data
        doc = src.doc
        locs: dict[tuple[Any, ...], Location] = {}
        match = _expand(r["match"], src.path + ("match",), doc, st.lists, locs, ("match",), issues)
        unless = [
            _expand(u, src.path + ("unless", j), doc, st.lists, locs, ("unless", j), issues)
            for j, u in enumerate(r.get("unless") or ())
        ]
        if r.get("profile") is not None and r["profile"] not in profiles:
            issues.append(PolicyIssue(doc.value_location(src.path + ("profile",)), "unknown-profile",
                f"unknown profile '{r['profile']}' in rule '{rid}' (known profiles: {', '.join(sorted(profiles)) or 'none'})"))  # fmt: skip
        cctx = CompileContext(registry)
        compile_match(match, cctx.at("match"))
        for j, u in enumerate(unless):
            compile_match(u, cctx.at("unless", j))
        for cpath, msg in cctx.issues:
            p = tuple(cpath)
            while p not in locs and p:
                p = p[:-1]
            loc = locs.get(p, doc.value_location(src.path))
            issues.append(PolicyIssue(loc, "bad-pattern", f"rule '{rid}': {msg}"))
        ex = r.get("examples") or {}
        examples = tuple(
            Example(t, kind == "match", doc.value_location(src.path + ("examples", kind, k)))
            for kind in ("match", "not_match")
            for k, t in enumerate(ex.get(kind) or ())
        )
        rules.append(
            Rule(
                id=rid,
                description=r["description"],
                decision=Decision(r["decision"]),
                reason=r.get("reason") or r["description"],
                match=freeze(match),
                unless=tuple(freeze(u) for u in unless),
                profile=r.get("profile"),
                tags=tuple(r.get("tags") or ()),
                examples=examples,
                location=doc.value_location(src.path),
                source_file=doc.name,
                locked=src.locked,
            )
        )
    if issues:
        raise PolicyLoadError(issues)
    policy = Policy(
        sources=tuple(d.name for d in docs),
        defaults=Defaults(
            decision=Decision(dvals["decision"]),
            on_parse_error=Decision(dvals["on_parse_error"]),
            on_dynamic=Decision(dvals["on_dynamic"]),
            on_sandbox_unavailable=Decision(dvals["on_sandbox_unavailable"]),
            profile=dvals.get("profile"),
            locations=MappingProxyType(dlocs),
        ),
        lists=MappingProxyType({k: tuple(s for s, _ in v) for k, v in st.lists.items()}),
        profiles=MappingProxyType(dict(profiles)),
        rules=tuple(rules),
    )
    if check_examples:
        from .examples import check_examples as _check

        ex_issues = _check(policy, pm=pm)
        if ex_issues:
            raise PolicyLoadError(ex_issues)
    return policy
