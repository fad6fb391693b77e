"""What the tamper-evident log costs: per logged change, and to verify.

Writes single-entry changes (an ownership claim and its ``ownership.set`` entry, as a governance change
is written) into a fresh store three ways, in the same run so they share the machine's load:

* ``bare``: entries sealed and appended, nothing else (the store foundation with no log hook: the
  reference the ratios are against);
* ``unsigned``: the log hook without a key (the tree's head moved in the same transaction);
* ``signed``: the log hook with an Ed25519 key (plus a signed checkpoint inside every entry and a
  signed head).

Then times ``verify_log`` (with the public key and an exported checkpoint) on the signed log at two
sizes. A measurement, not a test: nothing asserts a speed. Results go to ``<out>/log_overhead.json``
and ``<out>/log_overhead.md``.

Run: ``.venv/bin/python benchmarks/log_overhead.py [--store-dir DIR] [--writes N] [--sizes 1000,10000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from steward.governance.log import Checkpointer, export_checkpoint, verify_log
from steward.graph import OwnershipClaim
from steward.store import GraphStore, open_store
from steward.store.base import LogLine, LogTx, Record, seal


class BareSeal:
    """The reference: seal and append, no head, no signature."""

    def seal_batch(
        self, start: int, entries: Sequence[Mapping[str, Any]], tx: LogTx,
    ) -> tuple[list[LogLine], list[Record]]:
        return [seal(e, start + i) for i, e in enumerate(entries)], []


def change(i: int) -> tuple[OwnershipClaim, dict[str, Any]]:
    artifact = f"dataset:lake/table-{i % 500}"
    owner = f"person:user{i % 97}@acme.com"
    claim = OwnershipClaim(owner=owner, artifact=artifact, role="owner", source="steward")
    entry = {"type": "ownership.set", "actor": "person:admin@acme.com", "subject": artifact, "before": [],
             "after": [owner], "reason": f"benchmark change {i}"}
    return claim, entry


def write(store: GraphStore, n: int, offset: int = 0) -> list[float]:
    times = []
    for i in range(offset, offset + n):
        claim, entry = change(i)
        started = time.perf_counter()
        store.upsert(claims=[claim], log=[entry])
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store-dir", type=Path, default=None, help="Folder for the scratch stores (default: tmp)")
    parser.add_argument("--writes", type=int, default=400, help="Logged changes per mode")
    parser.add_argument("--sizes", default="1000,10000", help="Log sizes to verify")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    load_before = os.getloadavg()
    key = Ed25519PrivateKey.generate()
    results: dict[str, Any] = {"writes": args.writes, "modes": {}, "verify": []}
    with tempfile.TemporaryDirectory(dir=args.store_dir) as tmp:
        modes: dict[str, Any] = {"bare": BareSeal(), "unsigned": Checkpointer(), "signed": Checkpointer(key)}
        stores = {}
        for name, hook in modes.items():
            st = open_store(f"sqlite:///{Path(tmp) / (name + '.db')}", create=True)
            st.log_hook = hook
            write(st, 20)  # warm up
            stores[name] = st
        per: dict[str, list[float]] = {name: [] for name in modes}
        for _ in range(4):  # interleaved rounds: the modes share the machine's load
            for name, st in stores.items():
                per[name].extend(write(st, args.writes // 4, offset=len(per[name]) + 20))
        for name, st in stores.items():
            entry_bytes = statistics.mean(len(ln.entry.encode()) for ln in st.log_lines(20, 120))
            results["modes"][name] = {"median_ms": statistics.median(per[name]) * 1000,
                                      "p95_ms": sorted(per[name])[int(len(per[name]) * 0.95)] * 1000,
                                      "entry_bytes": entry_bytes}
            st.close()
        for size in sizes:
            st = open_store(f"sqlite:///{Path(tmp) / f'verify-{size}.db'}", create=True)
            st.log_hook = Checkpointer(key)
            started = time.perf_counter()
            for i in range(0, size, 100):  # batches of 100 entries, to build it fast
                st.upsert(log=[change(j)[1] for j in range(i, min(size, i + 100))])
            built = time.perf_counter() - started
            exported = export_checkpoint(st, key)
            started = time.perf_counter()
            report = verify_log(st, public_key=key.public_key(), checkpoints=[exported])
            took = time.perf_counter() - started
            assert report.ok, report.problems
            results["verify"].append({"entries": size, "verify_s": took, "build_s": built,
                                      "signatures_checked": report.signed_entries + 2})
            st.close()
    load_after = os.getloadavg()
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip()
    results.update(commit=commit, at=datetime.now(UTC).isoformat(timespec="seconds"), cpus=os.cpu_count(),
                   python=platform.python_version(), load_before=load_before, load_after=load_after)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "log_overhead.json").write_text(json.dumps(results, indent=2) + "\n")
    bare = results["modes"]["bare"]["median_ms"]
    lines = [
        "# The tamper-evident log: cost per logged change, and to verify",
        "",
        f"`python benchmarks/log_overhead.py --writes {args.writes} --sizes {args.sizes}` — commit {commit}, "
        f"{results['at']}, {results['cpus']} CPUs, Python {results['python']}; load average before "
        f"{', '.join(f'{x:.2f}' for x in load_before)}, after {', '.join(f'{x:.2f}' for x in load_after)}. "
        "Embedded store; one ownership claim and its log entry per write; the three modes interleaved.",
        "",
        "| mode | median ms / write | p95 ms | ratio to bare | entry bytes |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, m in results["modes"].items():
        lines.append(f"| {name} | {m['median_ms']:.2f} | {m['p95_ms']:.2f} | {m['median_ms'] / bare:.2f} | "
                     f"{m['entry_bytes']:.0f} |")
    lines += ["", "| signed log, entries | `verify_log` s | signatures checked |", "|---:|---:|---:|"]
    for v in results["verify"]:
        lines.append(f"| {v['entries']} | {v['verify_s']:.2f} | {v['signatures_checked']} |")
    (args.out / "log_overhead.md").write_text("\n".join(lines) + "\n")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
