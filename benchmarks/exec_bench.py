"""Execution overhead benchmarks, reported as ratios.

    python benchmarks/exec_bench.py [--n 200] [--image policy-router-sandbox:test] [--json]

1. local:   Router.run("true") (decide + local executor)  vs  bare subprocess.run(bash -c true)
2. sandbox: warm Router.run("true") in the sandbox         vs  raw SDK container.exec_run on
            the same warm container
3. cold vs warm: first sandbox run of a fresh Router (container create + start) vs a warm run

Medians over --n runs (cold: over --cold runs). The docker parts are skipped with a note
when no engine is reachable.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POLICY = """\
version: 1
defaults: {{decision: sandbox, on_sandbox_unavailable: deny, profile: bench}}
profiles:
  bench: {{image: {image}, network: false, memory: 512m, cpus: 1.0, pids: 128, user: "65534:65534"}}
rules:
  - id: local-true
    description: bench
    decision: local
    match: {{program: ["true"]}}
"""


def median_time(fn, n: int) -> float:
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--cold", type=int, default=5)
    ap.add_argument("--image", default="policy-router-sandbox:test")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from policy_router.policy import load_policy
    from policy_router.router import Router
    from policy_router.config import Settings

    tmp = Path(tempfile.mkdtemp(prefix="pr-bench-"))
    ws = tmp / "ws"
    ws.mkdir()
    ws.chmod(0o777)
    pfile = tmp / "policy.yaml"
    pfile.write_text(POLICY.format(image=args.image))
    policy = load_policy([pfile])
    res: dict[str, object] = {"n": args.n, "image": args.image}

    def router(mode: str) -> Router:
        return Router(policy, settings=Settings.load({"mode": mode}, env={}, use_file=False))

    # 1. local
    with router("auto") as r:
        r.run("true", cwd=str(ws))  # warm the decision cache, imports
        local = median_time(lambda: r.run("true", cwd=str(ws)), args.n)
    bare = median_time(lambda: subprocess.run(["/bin/bash", "-c", "true"], cwd=ws, capture_output=True), args.n)
    res["local_router_run_ms"] = local * 1e3
    res["bare_subprocess_run_ms"] = bare * 1e3
    res["local_ratio"] = local / bare

    # 2 + 3. sandbox
    try:
        import docker

        client = docker.from_env()
        client.ping()
        client.api.inspect_image(args.image)
    except Exception as exc:  # noqa: BLE001
        res["sandbox"] = f"skipped: {exc}"
    else:
        colds, warm_samples = [], []
        for _ in range(args.cold):
            with router("sandbox") as r:
                t0 = time.perf_counter()
                out = r.run("true", cwd=str(ws))
                colds.append(time.perf_counter() - t0)
        with router("sandbox") as r:
            out = r.run("true", cwd=str(ws))
            for _ in range(3):
                r.run("true", cwd=str(ws))
            warm = median_time(lambda: r.run("true", cwd=str(ws)), args.n)
            container = client.containers.get(out.container_id)
            raw = median_time(lambda: container.exec_run(["/bin/bash", "-c", "true"], user="65534:65534", demux=True), args.n)
        cold = statistics.median(colds)
        res.update({
            "sandbox_warm_router_run_ms": warm * 1e3,
            "raw_sdk_exec_run_ms": raw * 1e3,
            "sandbox_ratio": warm / raw,
            "sandbox_cold_run_ms": cold * 1e3,
            "cold_over_warm": cold / warm,
        })
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        for k, v in res.items():
            print(f"{k:28} {v:.3f}" if isinstance(v, float) else f"{k:28} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
