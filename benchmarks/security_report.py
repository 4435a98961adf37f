"""Print the security corpus results by class: bypasses, false positives and errors.

    python benchmarks/security_report.py            # table
    python benchmarks/security_report.py --json     # the same rows as JSON
    python benchmarks/security_report.py --list     # also list every bypass / false positive / error

A *bypass* is a dangerous case (tests/security/dangerous.yaml + generated malformed inputs)
routed ``local``; a *false positive* is a benign case (tests/security/benign.yaml) not routed
``local``; an *error* is an exception while deciding. The decisions come from the shipped
default policy and the real engine (tests/security/harness.py). Exit status 1 on any bypass
or error, or a false-positive rate above 3 %.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "security"))

import harness  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Decide the whole corpus and print the report; return the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--list", action="store_true", help="list every bypass, false positive and error")
    ap.add_argument("--policy", type=Path, default=harness.DEFAULT_POLICY, help="policy file (default: the shipped one)")
    args = ap.parse_args(argv)

    decider = harness.Decider(args.policy)
    t0 = time.perf_counter()
    dangerous = decider.decide_all(harness.load_dangerous())
    benign = decider.decide_all(harness.load_benign())
    elapsed = time.perf_counter() - t0
    outcomes = dangerous + benign
    summary = harness.Summary.of(outcomes)
    decisions = Counter((o.case.expect_local, o.decision.value if o.decision else "error") for o in outcomes)
    totals = {
        "dangerous": len(dangerous),
        "bypasses": sum(o.bypass for o in dangerous),
        "dangerous_denied": decisions[(False, "deny")],
        "dangerous_sandboxed": decisions[(False, "sandbox")],
        "benign": len(benign),
        "false_positives": sum(o.false_positive for o in benign),
        "errors": sum(o.error is not None for o in outcomes),
        "seconds": round(elapsed, 2),
    }
    totals["false_positive_rate"] = round(totals["false_positives"] / max(1, len(benign)), 4)
    if args.json:
        print(json.dumps({"rows": summary.rows(), "totals": totals}, indent=2))
    else:
        print(f"{'class':<26}{'cases':>7}{'bypasses':>10}{'false+':>8}{'errors':>8}")
        for r in summary.rows():
            print(f"{r['class']:<26}{r['cases']:>7}{r['bypasses']:>10}{r['false_positives']:>8}{r['errors']:>8}")
        print(
            f"\ndangerous {totals['dangerous']}: {totals['bypasses']} bypasses, {totals['dangerous_denied']} denied, "
            f"{totals['dangerous_sandboxed']} sandboxed; benign {totals['benign']}: {totals['false_positives']} false positives "
            f"({totals['false_positive_rate']:.1%}); errors {totals['errors']}; {totals['seconds']} s"
        )
    if args.list:
        for o in outcomes:
            if o.bypass or o.false_positive or o.error:
                print(("BYPASS " if o.bypass else "ERROR " if o.error else "FALSE+ ") + o.describe())
    failed = totals["bypasses"] or totals["errors"] or totals["false_positive_rate"] > 0.03
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
