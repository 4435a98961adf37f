"""Fast positional constructors for frozen slots dataclasses built in hot loops.

A frozen dataclass's generated ``__init__`` sets each field through
``object.__setattr__(self, name, value)`` (a global lookup, an attribute lookup and a
name-based call per field) and handles defaults. :func:`positional_new` returns a plain
function that takes *every* field positionally, in declaration order, and stores each value
through the slot's own descriptor (bound once). The object it returns is an ordinary
instance of the class: same type, same ``__eq__``, ``__hash__``, ``repr`` and ``to_dict()``.
It runs no ``__post_init__``, so it refuses classes that define one.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

__all__ = ["positional_new"]


def positional_new(cls: type) -> Callable[..., Any]:
    """A function ``f(field1, field2, ...)`` that builds a ``cls`` with exactly those values,
    equal to ``cls(field1, field2, ...)`` but without the dataclass ``__init__``."""
    if not (dataclasses.is_dataclass(cls) and "__slots__" in cls.__dict__):
        raise TypeError(f"{cls.__name__} is not a slots dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has __post_init__: use its constructor")
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    if len(names) != len(cls.__slots__) or set(names) != set(cls.__slots__):
        raise TypeError(f"{cls.__name__}: init fields do not match its slots")
    env: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    body = ["    o = _new(_cls)"]
    for k, name in enumerate(names):
        env[f"_s{k}"] = cls.__dict__[name].__set__
        body.append(f"    _s{k}(o, a{k})")
    args = ", ".join(f"a{k}" for k in range(len(names)))
    src = f"def new_{cls.__name__}({args}):\n" + "\n".join(body) + "\n    return o\n"
    exec(src, env)  # noqa: S102 - generated from field names only, as dataclasses does
    fn = env[f"new_{cls.__name__}"]
    fn.__doc__ = f"{cls.__name__}({', '.join(names)}) without the dataclass __init__."
    return fn
