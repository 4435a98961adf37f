"""Benchmark: decide() against bare bashlex.parse on the same commands.

Measures in ONE run, per command of the corpus (``benchmarks/corpus.txt``, one command a
line, ``␤`` for a newline, ``#:`` comment lines):

* ``bashlex``     bare ``bashlex.parse(cmd)`` (an exception counts as a parse; its time too)
* ``bashlex-core`` ``bashlex_front.parse_trees(cmd)``: the same trees as ``bashlex.parse``
                  without its per-call overhead (what decide really spends in bashlex); the
                  ratio against it is decide's own overhead over the bashlex work it needs
* ``uncached``    ``Router.decide`` with the cache disabled (``cache_size=0``): parse + evaluate
* ``uncached-nt`` the same work without a trace: ``parse`` + ``Engine.evaluate(trace=False)``
                  (what ``Router.decide`` costs when it does not ask for a trace; it never
                  uses one)
* ``parse``       ``policy_router.shell.parse`` alone, ``evaluate`` alone (with the engine's
                  default trace), ``evaluate-nt`` alone without a trace (breakdown)
* ``cached``      ``Router.decide`` on a warm cache
* ``tree-sitter`` bare tree-sitter-bash parse, for reference

Method: ``time.perf_counter_ns``; one warm-up pass; then ``--reps`` passes, each pass
visiting every command and timing the measurements in a rotated order (interleaved, so
drift affects all alike), with the garbage collector paused during a pass. A command's
figure is its median over the passes; the report gives the median and p90 over commands,
and the ratio of medians uncached/bashlex (plus the median of per-command ratios).

A second method, ``warm``, times bashlex and uncached decide ``--warm`` times back to back on
each command and keeps the fastest of each; it reports that ratio too. The two methods
disagree (interleaving slows bare bashlex more than decide), so both are printed.

It is not a timed assert in the test suite. Run::

    python benchmarks/decide_bench.py [--corpus benchmarks/corpus.txt] [--reps 7] [--profile]

Both ratios are also printed for two classes of lines: "plain" lines (static words, pipes
and lists only: bashlex alone decides them, see ``_PLAIN_LINE`` in shell/parse.py) and the
rest (redirections, substitutions, compound commands ...: tree-sitter cross-checks them), so
a corpus's mix of the two cannot hide the cost of either.

``--profile`` adds a cProfile of uncached decide over the corpus (top functions by own time).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load_corpus(path: Path) -> list[str]:
    """Commands from ``path``: one a line, ``␤`` stands for a newline, blank lines and
    ``#:`` comment lines are skipped (the format of benchmarks/parse_bench.py). If the file
    is missing, 1,000 generated lines from the oracle grammar (reported as such)."""
    if path.exists():
        return [
            raw.replace("\u2424", "\n")
            for raw in path.read_text(encoding="utf-8").splitlines()
            if raw.strip() and not raw.startswith("#:")
        ]
    sys.path.insert(0, str(HERE.parent / "tests"))
    from oracle.grammar import Grammar, RandomChooser

    return [Grammar(RandomChooser(random.Random(i)), max_depth=1).list_(1) for i in range(1000)]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(q * (len(xs) - 1)))))
    return xs[k]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=HERE / "corpus.txt")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--warm", type=int, default=5, help="runs per command for the warm method")
    ap.add_argument("--cwd", default="/home/user/project")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    args = ap.parse_args(argv)

    import bashlex
    import tree_sitter
    import tree_sitter_bash

    from policy_router.config import Settings
    from policy_router.policy import load_policy
    from policy_router.router import Router
    from policy_router.shell import parse
    from policy_router.shell.bashlex_front import parse_trees
    from policy_router.shell.parse import _PLAIN_LINE

    cmds = load_corpus(args.corpus)
    policy = load_policy()
    uncached = Router(policy, settings=Settings(cache_size=0))
    cached = Router(policy, settings=Settings(cache_size=len(cmds) * 2 + 16))
    engine = uncached.engine
    ts_parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
    cwd = args.cwd

    def m_bashlex(c: str) -> None:
        try:
            bashlex.parse(c)
        except Exception:  # noqa: BLE001 - bashlex raises many kinds; the time still counts
            pass

    def m_core(c: str) -> None:
        try:
            parse_trees(c)
        except Exception:  # noqa: BLE001 - as for bare bashlex
            pass

    parsed_cache = {c: parse(c) for c in cmds}

    def m_uncached(c: str) -> None:
        uncached.decide(c, cwd=cwd)

    def m_cached(c: str) -> None:
        cached.decide(c, cwd=cwd)

    def m_parse(c: str) -> None:
        parse(c)

    def m_eval(c: str) -> None:
        engine.evaluate(parsed_cache[c], cwd=cwd, workspace=cwd)

    def m_eval_nt(c: str) -> None:
        engine.evaluate(parsed_cache[c], cwd=cwd, workspace=cwd, trace=False)

    def m_uncached_nt(c: str) -> None:
        engine.evaluate(parse(c), cwd=cwd, workspace=cwd, trace=False)

    def m_ts(c: str) -> None:
        ts_parser.parse(c.encode("utf-8", "surrogatepass"))

    measures = {
        "bashlex": m_bashlex,
        "bashlex-core": m_core,
        "uncached": m_uncached,
        "uncached-nt": m_uncached_nt,
        "cached": m_cached,
        "parse": m_parse,
        "evaluate": m_eval,
        "evaluate-nt": m_eval_nt,
        "tree-sitter": m_ts,
    }
    names = list(measures)
    samples: dict[str, list[list[int]]] = {n: [[] for _ in cmds] for n in names}

    for c in cmds:  # warm-up; also fills the cache
        for f in measures.values():
            f(c)

    pc = time.perf_counter_ns
    for rep in range(args.reps):
        gc.collect()
        gc.disable()
        try:
            for i, c in enumerate(cmds):
                k = (i + rep) % len(names)
                for n in names[k:] + names[:k]:
                    f = measures[n]
                    t0 = pc()
                    f(c)
                    samples[n][i].append(pc() - t0)
        finally:
            gc.enable()

    per_cmd = {n: [statistics.median(s) / 1000.0 for s in samples[n]] for n in names}  # µs
    med = {n: statistics.median(per_cmd[n]) for n in names}
    p90 = {n: pct(per_cmd[n], 0.9) for n in names}
    ratios = [u / b for u, b in zip(per_cmd["uncached"], per_cmd["bashlex"]) if b > 0]
    ratio = med["uncached"] / med["bashlex"]
    ratio_nt = med["uncached-nt"] / med["bashlex"]

    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    print(
        f"machine: nproc={os.cpu_count()} {platform.machine()} python {platform.python_version()} "
        f"bashlex {getattr(bashlex, '__version__', '?')}"
    )
    src = args.corpus if args.corpus.exists() else "generated (corpus file missing)"
    print(f"corpus: {src}: {len(cmds)} commands, reps={args.reps}, cwd={cwd}")
    print(f"{'measure':<13} {'median µs':>10} {'p90 µs':>10}")
    for n in names:
        print(f"{n:<13} {med[n]:>10.2f} {p90[n]:>10.2f}")
    print(f"ratio uncached/bashlex (medians): {ratio:.3f}   (target <= 1.3)")
    print(f"ratio uncached-nt/bashlex (medians): {ratio_nt:.3f}   (Router.decide without a trace)")
    print(f"median of per-command ratios:     {statistics.median(ratios):.3f}   p90 {pct(ratios, 0.9):.3f}")
    print(f"cached decide median: {med['cached']:.2f} µs   (target <= 5 µs)")
    ratio_core = med["uncached"] / med["bashlex-core"]
    print(f"ratio uncached/bashlex-core (medians): {ratio_core:.3f}   (decide's own overhead)")
    plain = [_PLAIN_LINE(c) is not None for c in cmds]
    classes: dict[str, dict[str, float]] = {}
    for label, want in (("plain", True), ("other", False)):
        idx = [i for i, p in enumerate(plain) if p is want]
        if not idx:
            continue
        m = {n: statistics.median([per_cmd[n][i] for i in idx]) for n in ("bashlex", "bashlex-core", "uncached")}
        classes[label] = {"n": len(idx), **m}
        print(
            f"  {label:<5} lines: {len(idx):>5}  uncached/bashlex {m['uncached'] / m['bashlex']:.3f}  "
            f"uncached/bashlex-core {m['uncached'] / m['bashlex-core']:.3f}"
        )

    # Second method, reported beside the first because the ratio depends on it: "warm" runs
    # each measurement --warm times back to back on the same command and keeps the fastest, so
    # bashlex's own caches are hot. Interleaving (above) penalises bare bashlex more than
    # decide, so it gives the lower ratio; this one gives the higher.
    warm_b: list[float] = []
    warm_c: list[float] = []
    warm_u: list[float] = []
    gc.disable()
    try:
        for c in cmds:
            for f, out in ((m_bashlex, warm_b), (m_core, warm_c), (m_uncached, warm_u)):
                best = None
                for _ in range(args.warm):
                    t0 = pc()
                    f(c)
                    dt = pc() - t0
                    best = dt if best is None or dt < best else best
                out.append(best / 1000.0)
    finally:
        gc.enable()
    ratio_warm = statistics.median(warm_u) / statistics.median(warm_b)
    ratio_warm_core = statistics.median(warm_u) / statistics.median(warm_c)
    print(
        f"warm method (best of {args.warm} back to back): bashlex {statistics.median(warm_b):.2f} µs, "
        f"bashlex-core {statistics.median(warm_c):.2f} µs, uncached {statistics.median(warm_u):.2f} µs, "
        f"ratio {ratio_warm:.3f} (over bashlex-core {ratio_warm_core:.3f})"
    )
    for label, want in (("plain", True), ("other", False)):
        idx = [i for i, p in enumerate(plain) if p is want]
        if idx:
            b, c_, u = (statistics.median([xs[i] for i in idx]) for xs in (warm_b, warm_c, warm_u))
            print(f"  {label:<5} lines: {len(idx):>5}  uncached/bashlex {u / b:.3f}  uncached/bashlex-core {u / c_:.3f}")
    if args.json:
        print(json.dumps({"median_us": med, "p90_us": p90, "ratio": ratio, "ratio_no_trace": ratio_nt,
                          "ratio_warm": ratio_warm, "ratio_core": ratio_core,
                          "ratio_warm_core": ratio_warm_core, "classes": classes, "n": len(cmds), "reps": args.reps}))

    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for _ in range(3):
            for c in cmds:
                uncached.decide(c, cwd=cwd)
        prof.disable()
        print("\nprofile of uncached decide (3 passes), top 30 by own time:")
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)
        print("top 25 by cumulative time:")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
