"""YAML with a location for every node: plain data plus ``path -> Location`` maps.

``load_yaml(text, name)`` returns a :class:`LocatedDoc`. Paths are tuples of mapping keys and
sequence indexes from the document root. Scalars follow YAML 1.2 booleans: only
``true``/``false`` (any case) are booleans, so ``yes``, ``no``, ``on``, ``off`` stay strings
(a rule for the program ``yes`` must not turn into ``True``). Duplicate mapping keys are errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import Location, PolicyIssue

__all__ = ["LocatedDoc", "load_yaml"]

_TRUE_FALSE = {"true": True, "false": False}


@dataclass(slots=True)
class LocatedDoc:
    """A parsed YAML document: ``data``, value locations ``values[path]`` and key locations
    ``keys[path]`` (path of the value the key introduces); ``issues`` found while reading."""

    name: str
    data: Any = None
    values: dict[tuple[Any, ...], Location] = field(default_factory=dict)
    keys: dict[tuple[Any, ...], Location] = field(default_factory=dict)
    issues: list[PolicyIssue] = field(default_factory=list)
    nodes: int = 0

    def value_location(self, path: tuple[Any, ...]) -> Location:
        """Location of the node at ``path`` or of its nearest located ancestor."""
        p = tuple(path)
        while p not in self.values and p:
            p = p[:-1]
        return self.values.get(p, Location(self.name, 1, 1))

    def key_location(self, path: tuple[Any, ...]) -> Location:
        """Location of the key that introduces ``path`` (or of the value when there is none)."""
        return self.keys.get(tuple(path)) or self.value_location(path)


def _loc(name: str, node: yaml.Node) -> Location:
    m = node.start_mark
    return Location(name, m.line + 1, m.column + 1)


def load_yaml(text: str, name: str) -> LocatedDoc:
    """Parse ``text`` (one YAML document) into a :class:`LocatedDoc`; syntax errors become
    issues with code ``yaml``."""
    doc = LocatedDoc(name)
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        before = text[: exc.position]
        loc = Location(name, before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1)
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        doc.issues.append(PolicyIssue(loc, "yaml", f"unacceptable character #x{char:04x}: {exc.reason}"))
        return doc
    try:
        node = loader.get_single_node()
        if node is None:
            doc.data = None
            return doc
        doc.data = _convert(loader, node, (), doc)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name)
        msg = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        cm = exc.context_mark
        if cm is not None and mark is not None and (cm.line, cm.column) != (mark.line, mark.column):
            msg += f" (started at {name}:{cm.line + 1}:{cm.column + 1})"
        doc.issues.append(PolicyIssue(loc, "yaml", msg or "invalid YAML"))
        doc.data = None
    except yaml.YAMLError as exc:
        doc.issues.append(PolicyIssue(Location(name, 1, 1), "yaml", " ".join(str(exc).split())))
        doc.data = None
    except _TooLarge:
        doc.issues.append(PolicyIssue(Location(name, 1, 1), "yaml",
                                      f"document expands to more than {MAX_NODES} nodes (aliases?)"))  # fmt: skip
        doc.data = None
    except RecursionError:
        doc.issues.append(PolicyIssue(Location(name, 1, 1), "yaml", "document nested too deeply"))
        doc.data = None
    finally:
        loader.dispose()
    return doc


#: Most nodes a document may expand to (aliases are expanded; this stops "billion laughs").
MAX_NODES = 200_000


class _TooLarge(Exception):
    pass


def _convert(loader: yaml.SafeLoader, node: yaml.Node, path: tuple[Any, ...], doc: LocatedDoc) -> Any:
    doc.nodes += 1
    if doc.nodes > MAX_NODES:
        raise _TooLarge
    doc.values[path] = _loc(doc.name, node)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[str, Any] = {}
        for knode, vnode in node.value:
            key = knode.value if isinstance(knode, yaml.ScalarNode) else str(knode.value)
            sub = path + (key,)
            if key in out:
                first = doc.keys.get(sub)
                where = f" (first at {first})" if first else ""
                doc.issues.append(
                    PolicyIssue(_loc(doc.name, knode), "yaml", f"duplicate key '{key}'{where}")
                )
                continue
            doc.keys[sub] = _loc(doc.name, knode)
            out[key] = _convert(loader, vnode, sub, doc)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(loader, v, path + (i,), doc) for i, v in enumerate(node.value)]
    # scalar
    if node.tag == "tag:yaml.org,2002:bool":
        low = node.value.lower()
        if low in _TRUE_FALSE:
            return _TRUE_FALSE[low]
        return node.value
    value = loader.construct_object(node, deep=True)
    if not isinstance(value, (str, int, float, bool)) and value is not None:
        # timestamps, binary ... are not part of the format: keep the source text
        return node.value
    return value
