"""The large dynamic-oracle run: generated lines under a real bash vs. the engine.

Runs ``--lines`` (default 5,000) lines from the oracle grammar (seeds ``--seed`` ..) plus the
suite's hand-written evasion lines (and, with ``--corpus``, every line of a corpus file)
through the bubblewrap oracle (tests/oracle/harness.py), and prints coverage:

    lines, programs invoked, seen by the engine, covered by fail-closed, missed

followed by every missing line with a shrunk minimal reproducer, and the decision the
default policy gives it (a miss on a ``local`` line is a bypass). Exit status 1 on any miss.

    python benchmarks/oracle_bench.py [--lines 5000] [--seed 100000] [--corpus benchmarks/corpus.txt]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from oracle.grammar import Grammar, RandomChooser  # noqa: E402
from oracle.harness import Sandbox, Tally, engine_view, judge, shrink  # noqa: E402
from oracle.test_oracle import EVASION_LINES, _policy_names  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=100_000)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--max-repro", type=int, default=40, help="shrink at most this many missing lines")
    ap.add_argument("--timeout", type=float, default=2.0)
    args = ap.parse_args(argv)

    from policy_router.config import Settings
    from policy_router.errors import PolicyRouterError
    from policy_router.policy import load_policy
    from policy_router.router import Router

    try:
        router = Router(load_policy(), settings=Settings(cache_size=0))
    except PolicyRouterError as e:  # the oracle itself needs only the parser
        print(f"warning: default policy does not load, decisions not shown: {e}", file=sys.stderr)
        router = None

    def decide(s: str) -> str | None:
        return router.decide(s, cwd="/home/user/work").decision.value if router else None

    lines = list(EVASION_LINES)
    lines += [Grammar(RandomChooser(random.Random(args.seed + i)), safe=True).line() for i in range(args.lines)]
    if args.corpus:
        for raw in args.corpus.read_text(encoding="utf-8").splitlines():
            if raw.strip() and not raw.lstrip().startswith("#"):
                lines.append(json.loads(raw) if raw.startswith('"') else raw)

    t0 = time.perf_counter()
    tally = Tally()
    with Sandbox(names=_policy_names(), timeout=args.timeout) as sb:
        results = sb.run_many(lines)
        t_run = time.perf_counter() - t0
        verdicts = [judge(r, engine_view(r.line, decide if router else None)) for r in results]
        for v in verdicts:
            tally.add(v)
        print(f"command: {' '.join([sys.executable, *sys.argv])}")
        print(f"machine: nproc={os.cpu_count()}; bash runs took {t_run:.1f} s for {len(lines)} lines")
        print("coverage:", tally.summary())
        by_name: dict[str, int] = {}
        for v in tally.missing_lines:
            for n in v.missed:
                by_name[n] = by_name.get(n, 0) + 1
        if by_name:
            print("missed programs (lines):", ", ".join(f"{n}={k}" for n, k in sorted(by_name.items(), key=lambda x: -x[1])))
        seen_min: set[str] = set()
        for v in tally.missing_lines[: args.max_repro]:
            name = sorted(v.missed)[0]

            def still(s: str, name: str = name) -> bool:
                return name in judge(sb.run(s), engine_view(s)).missed

            small = shrink(v.line, still)
            if small in seen_min:
                continue
            seen_min.add(small)
            print(f"\nMISS {sorted(v.missed)} decision={v.decision}\n  line:    {v.line!r}\n  minimal: {small!r}"
                  f" -> decision={decide(small)}")
    return 1 if tally.missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
