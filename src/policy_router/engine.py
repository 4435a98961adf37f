"""The decision engine: a compiled :class:`Policy` that turns a ParsedLine into an Evaluation.

``Engine(policy, pm=None)`` compiles every rule once into predicates (regexes and globs
precompiled) and indexes rules by exact program name, so a command only tries the rules that
name its program plus the rules without an exact program. ``evaluate()`` keeps no shared
mutable state, so one engine may serve many threads.

Per command: every rule whose ``match`` holds and none of whose ``unless`` holds applies; the
strictest applying decision wins, with no rule ``defaults.decision``. A dynamic marker that no
applying rule names (under ``markers.any``/``markers.all``) raises the command to at least
``defaults.on_dynamic``. An unparsable line gets ``defaults.on_parse_error`` at line level.
The line's policy decision is the strictest of everything; plugins may raise it
(``policy_router_adjust_decision``), never lower it; then the mode is applied.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
from dataclasses import dataclass
from typing import Any, Callable

from .decision import CommandVerdict, Decision, Evaluation, Mode, RuleMatch, TraceEvent
from .errors import PluginError, PolicyError
from .matchers import (
    CompileContext,
    LineState,
    MatchContext,
    abbreviations,
    compile_match,
    gate_test,
    long_options,
    norm_path,
    is_exact_name,
    match_gate,
    program_features,
    program_filter,
    program_patterns,
    program_verdict,
    required_features,
    string_matcher,
)
from .hookspecs import Predicate
from .policy.model import Policy, Rule
from .shell.fastnew import positional_new
from .shell.model import DYNAMIC_MARKERS, Marker, ParsedLine

__all__ = ["Engine", "CompiledRule"]

#: RuleMatch objects are immutable: each rule's matches for the first commands are built once.
_PREMADE = 16


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule with its compiled predicates. ``explicit_markers`` are the dynamic markers the
    rule names under ``match.markers.any``/``all`` (it explicitly allows them)."""

    rule: Rule
    order: int
    match: Predicate
    unless: tuple[Predicate, ...]
    explicit_markers: frozenset[Marker]
    programs: tuple[frozenset[str], tuple[str, ...]] | None  # program filter, None: any program
    needs: int = 0  # see matchers.required_features: 0 = no cheap pre-check
    premade: tuple[RuleMatch, ...] = ()  # this rule's RuleMatch for command 0, 1, 2 ...
    #: ``exempt(name)``: index of an ``unless`` object that holds for every command whose
    #: program is ``name`` (the rule never applies to it), else -1; None: no such object
    exempt: Callable[[str], int] | None = None
    #: this rule's ``no_match`` and ``match`` trace events for command 0, 1, 2 ... (immutable)
    premade_no_match: tuple[TraceEvent, ...] = ()
    premade_match: tuple[TraceEvent, ...] = ()
    #: ``needs_for(name)``: :func:`matchers.program_features` of the match object
    needs_for: Callable[[str], int | None] | None = None
    #: ``unless_for(name)``: the compiled unless objects that can hold for a command of
    #: program ``name`` (those whose program bound admits it), in order
    unless_for: Callable[[str], tuple[Predicate, ...]] | None = None
    #: ``gate(program, features)``: see :func:`matchers.match_gate`
    gate: Callable[[str, int], Any] | None = None


def _exemption(unless: tuple[Any, ...], registry: Any) -> Callable[[str], int] | None:
    """``exempt(name)`` for a rule's ``unless`` objects (see :func:`program_verdict`): the
    index of the first one that holds for every command of program ``name``, else -1."""
    verdicts = [(j, program_verdict(u, registry)) for j, u in enumerate(unless)]
    known = tuple((j, v) for j, v in verdicts if v is not None)
    if not known:
        return None

    def exempt(name: str) -> int:
        for j, v in known:
            if v(name) is True:
                return j
        return -1

    return exempt


def _unless_filter(
    raw: tuple[Any, ...], compiled: tuple[Predicate, ...]
) -> Callable[[str], tuple[Predicate, ...]] | None:
    """``unless_for(name)``: the compiled unless objects whose program bound (see
    :func:`program_filter`) admits ``name``; the others cannot hold for such a command."""
    if not raw:
        return None
    parts = []
    for obj, pred in zip(raw, compiled):
        f = program_filter(obj) if hasattr(obj, "get") else None
        if f is None:
            parts.append((pred, None, None))
        else:
            glob = string_matcher(f[1], CompileContext(None)) if f[1] else None  # type: ignore[arg-type]
            parts.append((pred, f[0], glob))
    if all(e is None for _, e, _ in parts):
        return None

    def unless_for(name: str) -> tuple[Predicate, ...]:
        return tuple(
            p for p, exact, glob in parts if exact is None or name in exact or (glob is not None and glob(name))
        )

    return unless_for


def _explicit_markers(rule: Rule) -> frozenset[Marker]:
    m = rule.match.get("markers")
    if not m:
        return frozenset()
    out: set[Marker] = set()
    for key in ("any", "all"):
        v = m.get(key, ())
        for name in (v,) if isinstance(v, str) else v:
            try:
                mk = Marker(name)
            except ValueError:
                continue
            if mk in DYNAMIC_MARKERS:
                out.add(mk)
    return frozenset(out)


_RANK = {d: d.rank for d in Decision}
_BY_RANK = {d.rank: d for d in Decision}

#: the final trace event for every (policy decision, effective decision, mode)
_DECISION_EVENTS = {
    (p, d, m): TraceEvent("decision", None, None, f"{p.value} -> {d.value} (mode {m.value})")
    for p in Decision
    for d in Decision
    for m in Mode
}

#: Evaluation takes its fields positionally when they are in this order (cheaper than keywords)
_EV_POSITIONAL = tuple(f.name for f in dataclasses.fields(Evaluation)) == (
    "cmd", "mode", "decision", "policy_decision", "commands", "deciding", "line_matches",
    "parse_errors", "parsed", "profile", "trace",
)  # fmt: skip

#: CommandVerdict / Evaluation built without the dataclass __init__ (once or more per
#: evaluation; see shell/fastnew.py). _new_evaluation is used only when _EV_POSITIONAL holds.
_new_verdict = positional_new(CommandVerdict)
_new_evaluation = positional_new(Evaluation)

#: gated rules whose literals are all this long share one test per command (Engine._plan)
_POOL_MIN = 3

#: stands for any program name that no rule singles out (see Engine.__init__)
_GENERIC_NAME = "\0generic"


def _is_normal(path: str) -> bool:
    """True when ``posixpath.normpath(path) == path`` for certain (cheap check)."""
    return (
        path[:1] == "/" and "//" not in path and "/." not in path and (len(path) == 1 or path[-1] != "/")
    )


def _rule_match(cr: CompiledRule, i: int) -> RuleMatch:
    r = cr.rule
    return RuleMatch(r.id, r.decision, r.reason, r.location, i, r.profile, r.tags)


def _strictest(matches: list[RuleMatch] | tuple[RuleMatch, ...]) -> Decision:
    """The strictest decision among ``matches`` (not empty)."""
    best = matches[0].decision
    rank = _RANK
    for m in matches:
        if rank[m.decision] > rank[best]:
            best = m.decision
    return best


class Engine:
    """Evaluates parsed lines against one policy. Build once, call :meth:`evaluate` often."""

    __slots__ = ("policy", "_rules", "_by_program", "_traced", "_adjust", "_home", "_pm",
                 "_exact", "_nonexact", "_default_matches", "_special", "_generic",
                 "_default_events", "_enter", "_plans", "_abbrev")

    def __init__(self, policy: Policy, pm: Any = None):
        from .plugins import default_plugin_manager, matcher_registry

        self.policy = policy
        self._pm = pm if pm is not None else default_plugin_manager()
        registry = matcher_registry(self._pm)
        compiled: list[CompiledRule] = []
        problems: list[str] = []
        for order, rule in enumerate(policy.rules):
            cctx = CompileContext(registry)
            match = compile_match(rule.match, cctx.at("match"))
            unless = tuple(compile_match(u, cctx.at("unless", j)) for j, u in enumerate(rule.unless))
            for path, msg in cctx.issues:
                problems.append(f"rule {rule.id!r} {'.'.join(map(str, path))}: {msg}")
            compiled.append(
                CompiledRule(
                    rule, order, match, unless, _explicit_markers(rule), program_filter(rule.match),
                    required_features(rule.match),
                    tuple(RuleMatch(rule.id, rule.decision, rule.reason, rule.location, i, rule.profile,
                                    rule.tags) for i in range(_PREMADE)),
                    _exemption(rule.unless, registry),
                    tuple(TraceEvent("no_match", i, rule.id) for i in range(_PREMADE)),
                    tuple(TraceEvent("match", i, rule.id, rule.decision.value) for i in range(_PREMADE)),
                    program_features(rule.match),
                    _unless_filter(rule.unless, unless),
                    match_gate(rule.match),
                )  # fmt: skip
            )
        if problems:
            raise PolicyError("cannot compile policy: " + "; ".join(problems))
        self._rules: tuple[CompiledRule, ...] = tuple(compiled)
        # Index (see program_filter): exact program names -> rules; rules whose filter has
        # globs keep a name test; rules without a filter are tried for every command.
        globbed = {
            c.order: string_matcher(c.programs[1], CompileContext(registry))
            for c in compiled
            if c.programs is not None and c.programs[1]
        }
        # rules tried for a name that no rule lists exactly
        self._nonexact = tuple(
            (c, globbed.get(c.order)) for c in compiled if c.programs is None or c.programs[1]
        )
        exact: dict[str, list[CompiledRule]] = {}
        for c in compiled:
            for name in sorted(c.programs[0]) if c.programs is not None else ():
                exact.setdefault(name, []).append(c)
        self._exact = exact
        # per exact name: the rules tried when not tracing, and (for tracing) every rule whose
        # program bound admits the name, each with the index of an unless object that exempts
        # every command of that program (-1: none)
        self._by_program: dict[str, tuple[tuple[CompiledRule, int], ...]] = {}
        self._traced: dict[str, tuple[tuple[CompiledRule, int, int | None], ...]] = {}
        for name in exact:
            full = self._candidates_for(name)
            self._traced[name] = self._traced_list(name, full)
            self._by_program[name] = self._fast_list(name, full)
        # Names that no rule lists exactly mostly get the same rules: the unbound ones and the
        # match-all globs. Only a name that some other glob, regex or exact unless pattern
        # could single out is filtered on the fly.
        special_exact: set[str] = set()
        special_patterns: list[str] = []
        for c in compiled:
            pats = list(c.programs[1]) if c.programs is not None else []
            pats += program_patterns(c.rule.match, registry)  # any_of branches (program_features)
            for u in c.rule.unless:
                pats += program_patterns(u, registry)
            for pat in pats:
                if is_exact_name(pat):
                    special_exact.add(pat)
                elif pat != "*":
                    special_patterns.append(pat)
        special_rx = string_matcher(special_patterns, CompileContext(registry)) if special_patterns else None
        self._special = (frozenset(special_exact), special_rx)
        generic = self._candidates_for(_GENERIC_NAME)
        self._generic = (self._fast_list(_GENERIC_NAME, generic), self._traced_list(_GENERIC_NAME, generic))
        hook = getattr(self._pm.hook, "policy_router_adjust_decision", None)
        self._adjust = tuple(hook.get_hookimpls()) if hook is not None else ()
        self._home = norm_path(os.path.expanduser("~"))
        # abbreviations of the long options the policy names (matchers.abbreviations)
        opts: set[str] = set()
        for rule in policy.rules:
            opts |= long_options(rule.match) | long_options(rule.unless)
        self._abbrev = abbreviations(opts)
        self._default_matches = tuple(self._default_match(i) for i in range(_PREMADE))
        # immutable trace events, built once
        dd = policy.defaults.decision.value
        self._default_events = tuple(TraceEvent("default", i, "defaults.decision", dd) for i in range(_PREMADE))
        self._enter = {
            name: tuple(TraceEvent("enter", i, None, name) for i in range(_PREMADE)) for name in exact
        }
        #: (program name or _GENERIC_NAME, command features) -> plan (see _plan); filled on
        #: first use. At most (names rules list exactly + 1) x 64 entries; two threads that
        #: race on a key store equal plans, so the memo needs no lock.
        self._plans: dict[tuple[str, int], tuple[Any, tuple[Any, ...]]] = {}

    def _is_special(self, program: str) -> bool:
        """True when ``program`` (not listed exactly by any rule) may get other rules than
        the generic unknown name (see ``__init__``)."""
        exact, rx = self._special
        return program in exact or (rx is not None and rx(program)) or program == _GENERIC_NAME

    @staticmethod
    def _fast_list(
        program: str, full: tuple[tuple[CompiledRule, int], ...]
    ) -> tuple[tuple[Predicate, int, tuple[Predicate, ...], CompiledRule], ...]:
        """The untraced candidates for ``program``: not exempted, able to match a command of
        that program, as ``(match predicate, feature mask such a command must have (0: none),
        the unless objects that can hold for it, the rule)``."""
        out = []
        for c, j in full:
            if j >= 0:
                continue
            needs = c.needs_for(program) if c.needs_for is not None else c.needs
            if needs is None:
                continue
            out.append((c.match, needs, c.unless_for(program) if c.unless_for is not None else c.unless, c))
        return tuple(out)

    @staticmethod
    def _traced_list(
        program: str, full: tuple[tuple[CompiledRule, int], ...]
    ) -> tuple[tuple[CompiledRule, int, int | None], ...]:
        """The traced candidates for ``program``: every rule with its exempting unless index
        (-1: none) and the feature mask a command of that program needs (None: the rule
        cannot match it)."""
        return tuple(
            (c, j, c.needs_for(program) if c.needs_for is not None else c.needs) for c, j in full
        )

    def _candidates_for(self, program: str) -> tuple[tuple[CompiledRule, int], ...]:
        """Every rule whose program bound admits ``program``, in policy order, each with the
        index of an ``unless`` object that exempts every command of ``program`` (or -1)."""
        found = {c.order: c for c in self._exact.get(program, ())}
        for c, test in self._nonexact:
            if test is None or test(program):
                found[c.order] = c
        out = []
        for k in sorted(found):
            c = found[k]
            out.append((c, c.exempt(program) if c.exempt is not None else -1))
        return tuple(out)

    @property
    def rules(self) -> tuple[CompiledRule, ...]:
        """The compiled rules in policy order."""
        return self._rules

    def candidates(self, program: str) -> tuple[CompiledRule, ...]:
        """The rules tried for a command whose program is ``program``: rules naming it
        exactly, rules whose program glob matches it, and rules without ``program``, in
        policy order, minus the rules that an ``unless`` object exempts for every command of
        that program (``unless: [{program: "@viewers"}]``; see ``matchers.program_verdict``).
        Everything is precomputed at construction except for names that no rule lists but
        some glob could single out; those are filtered on the fly (nothing is cached, so
        evaluation never mutates the engine)."""
        return tuple(c for _, _, _, c in self._fast_candidates(program)[2])

    def _fast_candidates(
        self, program: str
    ) -> tuple[str | None, str, tuple[tuple[Predicate, int, tuple[Predicate, ...], CompiledRule], ...]]:
        """:meth:`candidates` with the feature mask each rule needs for ``program``, as
        ``(plan key, name, candidates)``: ``name`` is the program name the rules are judged
        for (``_GENERIC_NAME`` for a name no rule singles out) and the key under which its
        plans are memoised, None for a name outside the index (not memoised)."""
        hit = self._by_program.get(program)
        if hit is not None:
            return program, program, hit
        if not self._is_special(program):
            return _GENERIC_NAME, _GENERIC_NAME, self._generic[0]
        return None, program, self._fast_list(program, self._candidates_for(program))

    def traced_candidates(self, program: str) -> tuple[tuple[CompiledRule, int], ...]:
        """Every rule whose program bound admits ``program`` (exempted ones too), each with
        the index of the ``unless`` object that exempts every command of ``program``, or -1.
        Used when tracing, so that the trace names exempted rules too."""
        return tuple((c, j) for c, j, _ in self._traced_candidates(program))

    def _plan(
        self,
        program: str,
        rules: tuple[tuple[Predicate, int, tuple[Predicate, ...], CompiledRule], ...],
        features: int,
    ) -> tuple[Any, tuple[tuple[Predicate, tuple[Predicate, ...], CompiledRule, Any, bool], ...]]:
        """The untraced candidates ``rules`` of ``program`` for a command with ``features``:
        ``((any gate, pooled gate), entries)``. Entries are ``(match, unless, rule, own gate,
        pooled)`` in policy order, without the rules that cannot match such a command (feature
        mask unmet, or :func:`matchers.match_gate` says so). A rule with a gate (``own
        gate(mctx)``; None: none) can only match when one of its gate atoms holds, so its own
        gate is tested before its match. ``any gate`` tests the atoms of every gated rule at
        once: when none holds (most commands), all of them are skipped. Otherwise the atoms of
        the *pooled* rules (gated rules whose literals are all at least 3 characters long:
        short ones such as ``.`` occur in most commands) are tested together by ``pooled
        gate`` (None: no pooled rule), which skips the pooled rules when it fails."""
        entries = []
        atoms: list[Any] = []
        every: list[Any] = []
        for match, needs, unless, cr in rules:
            if needs and not needs & features:
                continue
            g = cr.gate(program, features) if cr.gate is not None else None
            if g == ():
                continue
            pooled = g is not None and all(len(x) >= _POOL_MIN for a in g for x in a.literals)
            entries.append((match, unless, cr, gate_test(tuple(g)) if g is not None else None, pooled))
            if g is not None:
                every.extend(g)
            if pooled:
                atoms.extend(g)  # type: ignore[arg-type]
        any_gate = gate_test(tuple(dict.fromkeys(every))) if every else None
        pooled_gate = gate_test(tuple(dict.fromkeys(atoms))) if atoms else None
        return (any_gate, pooled_gate), tuple(entries)

    def _traced_candidates(self, program: str) -> tuple[tuple[CompiledRule, int, int | None], ...]:
        hit = self._traced.get(program)
        if hit is None:
            if not self._is_special(program):
                return self._generic[1]
            hit = self._traced_list(program, self._candidates_for(program))
        return hit

    # ----------------------------------------------------------------------------------------

    def evaluate(
        self,
        parsed: ParsedLine,
        *,
        mode: Mode = Mode.AUTO,
        cwd: str | None = None,
        workspace: str | None = None,
        home: str | None = None,
        trace: bool = True,
    ) -> Evaluation:
        """Decide ``parsed``. ``cwd`` defaults to the process's working directory,
        ``workspace`` to ``cwd``, ``home`` to the process's home directory; they are used to
        resolve ``paths`` and ``redirects``."""
        line = LineState(
            parsed,
            cwd=cwd if not cwd or _is_normal(cwd) else norm_path(cwd),
            workspace=workspace if not workspace or _is_normal(workspace) else norm_path(workspace),
            home=(home if _is_normal(home) else norm_path(home)) if home else self._home,
            abbrev=self._abbrev,
        )
        events: list[TraceEvent] | None = [] if trace else None
        verdicts: list[CommandVerdict] = []
        all_matches: list[RuleMatch] = []
        by_program = self._by_program
        traced = self._traced
        worst = -1
        for i, cmd in enumerate(parsed.commands):
            program = cmd.program
            if events is None:
                fast = by_program.get(program)
                rules: Any = (program, program, fast) if fast is not None else self._fast_candidates(program)
                decide = self._decide_command
            else:
                rules = traced.get(program)
                if rules is None:
                    rules = self._traced_candidates(program)
                decide = self._decide_traced
                enter = self._enter.get(program)
                events.append(enter[i] if enter is not None and i < _PREMADE else TraceEvent("enter", i, None, program))
            cwds = line.cwd_candidates(i) if len(cmd.argv) + len(cmd.redirects) > 1 else ()
            if len(cwds) > 1:
                # An earlier `cd` may or may not have taken effect: decide the command in each
                # directory it may run in and keep everything that applied in any of them.
                matches: list[RuleMatch] = []
                seen: set[str] = set()
                for d in cwds:
                    if events is not None:
                        events.append(TraceEvent("cwd", i, None, d))
                    for m in decide(i, cmd, MatchContext(line, i, d), rules, events):
                        if m.rule_id not in seen:
                            seen.add(m.rule_id)
                            matches.append(m)
            else:
                matches = decide(i, cmd, line.context(i), rules, events)
            decision = matches[0].decision if len(matches) == 1 else _strictest(matches)
            if _RANK[decision] > worst:
                worst = _RANK[decision]
            verdicts.append(_new_verdict(cmd, decision, tuple(matches)))
            all_matches += matches

        if verdicts and parsed.parsed and not parsed.markers:
            line_matches: list[RuleMatch] = []
        else:
            line_matches = self._line_matches(parsed, bool(verdicts))
        if line_matches:
            if events is not None:
                for m in line_matches:
                    events.append(TraceEvent("default", None, m.rule_id, m.decision.value))
            policy_decision = _strictest(line_matches)
            if _RANK[policy_decision] < worst:
                policy_decision = _BY_RANK[worst]
            all_matches += line_matches
        else:
            policy_decision = _BY_RANK[worst]

        if self._adjust:
            pre = self._build(parsed, Mode.AUTO, policy_decision, verdicts, line_matches, all_matches, events)
            extra = self._run_adjust(pre, events)
            if extra:
                line_matches = line_matches + extra
                all_matches = all_matches + extra
                policy_decision = _strictest(all_matches)
        ev = self._build(parsed, mode, policy_decision, verdicts, line_matches, all_matches, events)
        return ev

    def _default_match(self, i: int) -> RuleMatch:
        d = self.policy.defaults
        return RuleMatch("defaults.decision", d.decision, "no rule matched this command",
                         d.location_of("decision"), i)  # fmt: skip

    def _decide_command(
        self,
        i: int,
        cmd: Any,
        ctx: MatchContext,
        rules: tuple[Any, ...],
        events: None = None,
    ) -> list[RuleMatch]:
        """Every rule of ``rules`` (``(plan key, name, candidates)``, see
        :meth:`_fast_candidates`) that applies to command ``i`` (its match holds and
        no unless holds), ``defaults.decision`` when none does, and ``defaults.on_dynamic``
        when it carries a dynamic marker that no applying rule names. The untraced path:
        the rules are those of the :meth:`_plan` for the command's features."""
        matches: list[RuleMatch] = []
        allowed: frozenset[Marker] = frozenset()
        features = ctx.features
        key, name, candidates = rules
        if key is not None:
            plan = self._plans.get((key, features))
            if plan is None:
                plan = self._plans[(key, features)] = self._plan(name, candidates, features)
        else:
            plan = self._plan(name, candidates, features)
        (any_gate, gate), entries = plan
        skip = skip_all = None
        for match, unless, cr, own, pooled in entries:
            if own is not None:
                # one search for the literals of every gated rule: most commands have none
                if skip_all is None:
                    skip_all = not any_gate(ctx)
                if skip_all:
                    continue
                if pooled:
                    if skip is None:
                        skip = not gate(ctx)
                    if skip:
                        continue
                if not own(ctx):
                    continue
            if not match(cmd, ctx):
                continue
            for u in unless:
                if u(cmd, ctx):
                    break
            else:
                matches.append(cr.premade[i] if i < _PREMADE else _rule_match(cr, i))
                if cr.explicit_markers:
                    allowed = allowed | cr.explicit_markers
        if matches and not cmd.markers:
            return matches
        return self._finish(i, cmd, matches, allowed, None)

    def _decide_traced(
        self,
        i: int,
        cmd: Any,
        ctx: MatchContext,
        rules: tuple[tuple[CompiledRule, int, int | None], ...],
        events: list[TraceEvent],
    ) -> list[RuleMatch]:
        """:meth:`_decide_command` with trace events: ``unless`` for a rule exempted for the
        program (only rules that name the program: the others are tried for everything),
        ``no_match`` for rules that name the program and do not match, ``unless``, ``match``,
        ``default``, ``dynamic``."""
        matches: list[RuleMatch] = []
        allowed: frozenset[Marker] = frozenset()
        features = ctx.features
        for cr, exempt, needs in rules:
            if exempt >= 0:
                if cr.programs is not None:
                    events.append(TraceEvent("unless", i, cr.rule.id, f"unless[{exempt}] holds"))
                continue
            if needs is None or (needs and not needs & features) or not cr.match(cmd, ctx):
                if cr.programs is not None:
                    events.append(cr.premade_no_match[i] if i < _PREMADE else TraceEvent("no_match", i, cr.rule.id))
                continue
            blocked = -1
            for j, u in enumerate(cr.unless):
                if u(cmd, ctx):
                    blocked = j
                    break
            if blocked >= 0:
                events.append(TraceEvent("unless", i, cr.rule.id, f"unless[{blocked}] holds"))
                continue
            matches.append(cr.premade[i] if i < _PREMADE else _rule_match(cr, i))
            if cr.explicit_markers:
                allowed = allowed | cr.explicit_markers
            events.append(
                cr.premade_match[i] if i < _PREMADE else TraceEvent("match", i, cr.rule.id, cr.rule.decision.value)
            )
        return self._finish(i, cmd, matches, allowed, events)

    def _finish(
        self,
        i: int,
        cmd: Any,
        matches: list[RuleMatch],
        allowed: frozenset[Marker],
        events: list[TraceEvent] | None,
    ) -> list[RuleMatch]:
        """Add ``defaults.decision`` when no rule applied and ``defaults.on_dynamic`` for
        dynamic markers that no applying rule allows."""
        defaults = self.policy.defaults
        if not matches:
            matches.append(self._default_matches[i] if i < _PREMADE else self._default_match(i))
            if events is not None:
                events.append(
                    self._default_events[i] if i < _PREMADE
                    else TraceEvent("default", i, "defaults.decision", defaults.decision.value)
                )  # fmt: skip
        if cmd.markers:
            dyn = (cmd.markers & DYNAMIC_MARKERS) - allowed
            if dyn:
                names = ", ".join(sorted(m.value for m in dyn))
                matches.append(
                    RuleMatch("defaults.on_dynamic", defaults.on_dynamic,
                              f"cannot be resolved statically ({names}) and no rule allows it",
                              defaults.location_of("on_dynamic"), i)  # fmt: skip
                )
                if events is not None:
                    events.append(TraceEvent("dynamic", i, "defaults.on_dynamic", names))
        return matches

    def _line_matches(self, parsed: ParsedLine, has_commands: bool) -> list[RuleMatch]:
        if has_commands and parsed.parsed and not parsed.markers:
            return []
        d = self.policy.defaults
        out: list[RuleMatch] = []
        if not parsed.parsed or Marker.PARSE_ERROR in parsed.markers:
            msg = parsed.errors[0].message if parsed.errors else "the line could not be parsed"
            out.append(RuleMatch("defaults.on_parse_error", d.on_parse_error,
                                 f"could not parse: {msg}", d.location_of("on_parse_error")))  # fmt: skip
        dyn = (parsed.markers & DYNAMIC_MARKERS) - {Marker.PARSE_ERROR}
        if dyn:
            names = ", ".join(sorted(m.value for m in dyn))
            out.append(RuleMatch("defaults.on_dynamic", d.on_dynamic,
                                 f"cannot be resolved statically ({names})", d.location_of("on_dynamic")))  # fmt: skip
        if not has_commands and not out:
            out.append(RuleMatch("defaults.decision", d.decision, "the line runs no command",
                                 d.location_of("decision")))  # fmt: skip
        return out

    def _run_adjust(self, pre: Evaluation, events: list[TraceEvent] | None) -> list[RuleMatch]:
        """Call every ``policy_router_adjust_decision`` implementation; keep the results that
        are stricter than the policy decision."""
        out: list[RuleMatch] = []
        kwargs = {"evaluation": pre, "policy": self.policy}
        for impl in self._adjust:
            try:
                res = impl.function(*[kwargs[a] for a in impl.argnames])
            except Exception as exc:
                raise PluginError(
                    f"plugin {impl.plugin_name!r} failed in policy_router_adjust_decision: {exc}"
                ) from exc
            if res is None:
                continue
            try:
                dec = Decision(res)
            except ValueError:
                raise PluginError(
                    f"plugin {impl.plugin_name!r}: policy_router_adjust_decision must return "
                    f"local, sandbox, deny or None (got {res!r})"
                ) from None
            stricter = dec > pre.policy_decision
            if events is not None:
                events.append(TraceEvent("plugin", None, f"plugin:{impl.plugin_name}",
                                         f"{dec.value} ({'applied' if stricter else 'ignored: not stricter'})"))  # fmt: skip
            if stricter:
                out.append(RuleMatch(f"plugin:{impl.plugin_name}", dec,
                                     f"raised to {dec.value} by plugin {impl.plugin_name}", None))  # fmt: skip
        return out

    def _build(
        self,
        parsed: ParsedLine,
        mode: Mode,
        policy_decision: Decision,
        verdicts: list[CommandVerdict],
        line_matches: list[RuleMatch],
        all_matches: list[RuleMatch],
        events: list[TraceEvent] | None,
    ) -> Evaluation:
        deciding = tuple([m for m in all_matches if m.decision is policy_decision])
        if mode is Mode.AUTO or policy_decision is Decision.DENY:
            decision = policy_decision
        else:
            decision = mode.apply(policy_decision)
        profile: str | None = None
        if decision is Decision.SANDBOX:
            for m in deciding:
                if m.decision is Decision.SANDBOX and m.profile:
                    profile = m.profile
                    break
            else:
                profile = self.policy.defaults.profile
        trace: tuple[TraceEvent, ...] = ()
        if events is not None:
            trace = (*events, _DECISION_EVENTS[(policy_decision, decision, mode)])
        if _EV_POSITIONAL:
            return _new_evaluation(parsed.source, mode, decision, policy_decision, tuple(verdicts), deciding,
                              tuple(line_matches), parsed.errors, parsed.parsed, profile, trace)  # fmt: skip
        return Evaluation(
            cmd=parsed.source,
            mode=mode,
            decision=decision,
            policy_decision=policy_decision,
            commands=tuple(verdicts),
            deciding=deciding,
            line_matches=tuple(line_matches),
            parse_errors=parsed.errors,
            parsed=parsed.parsed,
            profile=profile,
            trace=trace,
        )
