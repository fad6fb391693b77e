"""Incidents benchmark: what open incidents cost the blast radius (suspect marks), and what opening one costs.

On the blast-radius benchmark's synthetic organisation (embedded store), times for a sample of roots
``blast_radius`` with 0 open incidents (the reference, measured in the same run), then with 1, 5 and 20
open incidents on busy raw datasets (each walked again for its suspect marks), plus
``open_incident`` itself (the frozen blast radius and paging list, written with its log entry) and
``suspects()``. Ratios are against the reference of the same run; the load average is recorded.

This is a measurement, not a test: nothing here asserts a speed. Results go to
``<out>/incidents.json`` and ``<out>/incidents.md``.

Run: ``.venv/bin/python benchmarks/incidents.py --help``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import blast_radius as bench

from steward.analysis import blast_radius
from steward.governance.principal import Principal
from steward.incidents import open_incident, suspects
from steward.store import open_store

OPS = Principal(actor="local:bench", role="admin")


def p50_ms(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--nodes", type=int, default=20_000, help="size of the synthetic organisation")
    p.add_argument("--roots", type=int, default=12, help="blast-radius roots timed")
    p.add_argument("--repeat", type=int, default=3, help="timings per root (the median is kept)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = os.getloadavg()
    org = bench.build_org(args.nodes, args.seed)
    roots = bench.pick_roots(org, args.roots, args.seed)
    incident_roots = bench.pick_roots(org, 24, args.seed + 100)[:20]
    out: dict[str, Any] = {"nodes": len(org.nodes), "edges": len(org.edges) + len(org.claims), "roots": len(roots),
                           "steps": []}
    with tempfile.TemporaryDirectory() as tmp, open_store(f"sqlite:///{tmp}/bench.db", create=True) as store:
        for nodes, edges, claims in bench.batches(org, 5000):
            store.upsert(nodes=nodes, edges=edges, claims=claims)

        def blast_all() -> float:
            return statistics.median(p50_ms(lambda r=r: blast_radius(store, r), args.repeat) for r in roots)

        reference = blast_all()
        out["steps"].append({"open_incidents": 0, "blast_p50_ms": reference, "ratio": 1.0})
        open_times: list[float] = []
        opened = 0
        for target in (1, 5, 20):
            while opened < target:
                t = time.perf_counter()
                open_incident(store, incident_roots[opened], title=f"bench {opened}", severity="sev2", actor=OPS)
                open_times.append((time.perf_counter() - t) * 1000)
                opened += 1
            t = time.perf_counter()
            marked = suspects(store)["suspects"]
            suspects_ms = (time.perf_counter() - t) * 1000
            value = blast_all()
            out["steps"].append({"open_incidents": opened, "blast_p50_ms": value, "ratio": value / reference,
                                 "suspects_ms": suspects_ms, "suspect_artifacts": len(marked)})
        out["open_incident_ms"] = {"p50": statistics.median(open_times), "max": max(open_times)}
    out["load_average_before"] = load_before
    out["load_average_after"] = os.getloadavg()
    out["when"] = datetime.now(UTC).isoformat(timespec="seconds")
    out["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "incidents.json").write_text(json.dumps(out, indent=1) + "\n")
    lines = [
        "# Incidents: suspect marks in the blast radius, and opening an incident", "",
        f"`python benchmarks/incidents.py --nodes {args.nodes}` — {out['when']}, {out['nodes']} nodes, "
        f"{out['edges']} edges and claims, embedded store, {out['roots']} roots x {args.repeat}; "
        f"{out['machine']['cpus']} CPUs, load average before {', '.join(f'{x:.2f}' for x in load_before)}, "
        f"after {', '.join(f'{x:.2f}' for x in out['load_average_after'])}.", "",
        "| open incidents | blast radius p50 ms | vs 0 open | suspects() ms | suspect artifacts |",
        "|---:|---:|---:|---:|---:|",
    ]
    for s in out["steps"]:
        lines.append(f"| {s['open_incidents']} | {s['blast_p50_ms']:.1f} | {s['ratio']:.2f}x | "
                     f"{s.get('suspects_ms', 0):.0f} | {s.get('suspect_artifacts', 0)} |")
    lines += ["", f"`open_incident` (frozen blast radius + paging list + record + log entry): p50 "
              f"{out['open_incident_ms']['p50']:.0f} ms, max {out['open_incident_ms']['max']:.0f} ms."]
    (args.out / "incidents.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
