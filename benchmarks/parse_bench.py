"""Median per-command time of bare ``bashlex.parse`` vs ``policy_router.shell.parse``.

Usage: ``python benchmarks/parse_bench.py [corpus ...]`` (defaults to
tests/unit/data/parse_corpus.txt and benchmarks/corpus.txt when present).

Each command is timed ``--repeat`` times (best of the repeats, after a warm-up) with both
functions; the report gives the median over commands and the ratio. Commands bashlex rejects
are timed for ``parse()`` only and counted separately. Nothing is cached between calls of
``parse()`` except the word-analysis LRU cache, which is part of the product.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import bashlex

from policy_router.shell import parse
from policy_router.shell.words import analyze, program_name

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = [ROOT / "tests/unit/data/parse_corpus.txt", ROOT / "benchmarks/corpus.txt"]


def load(path: Path) -> list[str]:
    """Commands of a corpus file: one per line, '␤' is a newline, '#:' lines are comments."""
    out = []
    for ln in path.read_text(encoding="utf-8").splitlines():
        if not ln.strip() or ln.startswith("#:"):
            continue
        out.append(ln.replace("␤", "\n"))
    return out


def best(fn, arg, repeat: int, cold: bool = False) -> float:
    """Best wall time in microseconds over ``repeat`` calls. ``cold`` clears the word-analysis
    caches before each call, so repeats do not profit from having seen the same words."""
    b = float("inf")
    for _ in range(repeat):
        if cold:
            analyze.cache_clear()
            program_name.cache_clear()
        t0 = time.perf_counter()
        fn(arg)
        dt = time.perf_counter() - t0
        if dt < b:
            b = dt
    return b * 1e6


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cold", action="store_true", help="clear parse()'s word caches before every call")
    a = ap.parse_args(argv)
    paths = a.corpus or [p for p in DEFAULTS if p.exists()]
    for path in paths:
        cmds = load(path)
        for c in cmds[:20]:  # warm-up (imports, first-parse costs)
            parse(c)
        bl, pr, over, only = [], [], [], []
        failed = 0
        for c in cmds:
            try:
                bashlex.parse(c)
                ok = True
            except Exception:  # noqa: BLE001
                ok = False
            t_parse = best(parse, c, a.repeat, a.cold)
            if ok:
                t_bl = best(bashlex.parse, c, a.repeat)
                bl.append(t_bl)
                pr.append(t_parse)
                over.append(t_parse - t_bl)
            else:
                failed += 1
                only.append(t_parse)
        mb, mp = statistics.median(bl), statistics.median(pr)
        print(f"{path.name}: {len(cmds)} commands ({failed} rejected by bashlex){' [cold caches]' if a.cold else ''}")
        print(f"  median bashlex.parse : {mb:8.1f} us")
        print(f"  median parse()       : {mp:8.1f} us   ratio {mp / mb:.2f}x")
        print(f"  median overhead      : {statistics.median(over):8.1f} us   (parse() - bashlex.parse, per command)")
        if only:
            print(f"  median parse() on bashlex-rejected: {statistics.median(only):.1f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
