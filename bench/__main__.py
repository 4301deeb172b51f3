"""Run the benchmarks and print their ratios.

Usage: python -m bench [NAME ...]       NAME: the module bench/bench_NAME.py (default: all of them)

Each benchmark measures what it compares side by side in the same run and prints ratios: this machine is
shared and noisy, so absolute seconds from different runs are not comparable. Results also go to
bench/results/NAME.json (ignored by git) for the README's performance section.
"""
from __future__ import annotations

import importlib
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {', '.join(available())}", file=sys.stderr)
        return 2
    (HERE / "results").mkdir(exist_ok=True)
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"=== bench {name}: {module.__doc__.strip().splitlines()[0]}", flush=True)
        start = time.perf_counter()
        result = module.run()
        result["machine"] = {"cpus": __import__("os").cpu_count(), "platform": platform.platform()}
        result["bench_wall_s"] = round(time.perf_counter() - start, 1)
        for line in result.get("report", []):
            print("   " + line, flush=True)
        (HERE / "results" / f"{name}.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
