"""positional_new(C)(*values) must build exactly what C(*values) builds, for every class the
hot paths construct that way, and must refuse classes it cannot build faithfully."""

from dataclasses import dataclass, fields

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_router.decision import CommandVerdict, Decision, Evaluation, Mode, RuleMatch
from policy_router.shell import parse
from policy_router.shell.fastnew import positional_new
from policy_router.shell.model import Command, ParsedLine, Word

HOT_CLASSES = [Word, Command, ParsedLine, CommandVerdict, Evaluation]


def _same(a, b) -> None:
    assert type(a) is type(b)
    assert a == b and hash(a) == hash(b) and repr(a) == repr(b)
    for f in fields(type(a)):
        assert getattr(a, f.name) == getattr(b, f.name), f.name
    assert a.to_dict() == b.to_dict()


words = st.builds(
    Word,
    text=st.text(max_size=8),
    raw=st.text(max_size=8),
    span=st.tuples(st.integers(0, 50), st.integers(0, 50)),
    dynamic=st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(words)
def test_word(w: Word) -> None:
    _same(positional_new(Word)(*(getattr(w, f.name) for f in fields(Word))), w)


LINES = ["ls -la && git status", "sudo env X=1 rm -rf ~ > /tmp/o 2>&1", "cat <<'EOF' | sh\nrm -rf ~\nEOF", "a=(x y); $a"]


@pytest.mark.parametrize("line", LINES)
def test_ir_objects_from_real_parses(line: str) -> None:
    pl = parse(line)
    for obj in (pl, *pl.commands, *(w for c in pl.commands for w in c.argv)):
        cls = type(obj)
        _same(positional_new(cls)(*(getattr(obj, f.name) for f in fields(cls))), obj)


def test_decision_objects() -> None:
    pl = parse("ls | sh")
    rm = RuleMatch("r", Decision.DENY, "why", None, 1)
    cv = CommandVerdict(pl.commands[0], Decision.LOCAL, (rm,))
    ev = Evaluation("ls | sh", Mode.AUTO, Decision.DENY, Decision.DENY, (cv,), (rm,))
    for obj in (cv, ev):
        cls = type(obj)
        _same(positional_new(cls)(*(getattr(obj, f.name) for f in fields(cls))), obj)


def test_every_hot_class_is_accepted() -> None:
    for cls in HOT_CLASSES:
        assert callable(positional_new(cls))


def test_refuses_what_it_cannot_build_faithfully() -> None:
    @dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclass(frozen=True, slots=True)
    class PostInit:
        a: int

        def __post_init__(self) -> None:  # pragma: no cover - never called
            pass

    for cls in (NoSlots, PostInit):
        with pytest.raises(TypeError):
            positional_new(cls)
