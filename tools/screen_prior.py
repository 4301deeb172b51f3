"""A pilot screen of study 2's prior: how many of its first draws stay in the working regime (docs/model.md §8).

Usage: python -m tools.screen_prior N [--tstop-ms T]     (e.g. N = 30, T = 1000: ~25 s per draw with 2 threads)

Runs the first N draws of study2.draws (the study's own theta and seeds) for T ms of simulated time each, with
study 2's early stop (a runaway or silent run stops within 0.3 s), each in its own OS process (NEST never runs
twice in one process), and prints one line per draw and the fractions accepted, runaway and silent. Nothing is
written to the repository: the runs go to a temporary folder. This is how study2.prior_ln_half_width was sized
(>= 90 % usable, docs/model.md §8); a run that survives T ms can still run away later, so the sweep's own
acceptance is the number the paper reports.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analysis.common import REPO_ROOT, CommandParser, ParamsError, get_logger, load_npz, run
from analysis.params import load_params

# a screen shorter than this cannot see a silent run (study2.early_stop.silent_after_ms <= 200 ms + one chunk)
MIN_TSTOP_MS = 300.0


def screen_params(params, tstop_ms: float):
    """Study 2's parameters with a screen's duration (a transient of half of it, at most study 2's own)."""
    transient_ms = min(params.study2.transient_ms, tstop_ms / 2)
    # the figures' raster window must lie inside every run's duration: the screen draws no figures
    return params.with_changes({"study2": {"tstop_ms": tstop_ms, "transient_ms": transient_ms},
                                "figures": {"raster_window_ms": [0.0, tstop_ms]}},
                               source=f"prior screen, {tstop_ms:g} ms")


def screen_one(key: str, tstop_ms: float) -> dict:
    """Run one draw for tstop_ms in this process; its status, rejection and rates."""
    from analysis.model import draws

    params = screen_params(load_params(), tstop_ms)
    with tempfile.TemporaryDirectory() as scratch:
        path, status = draws.simulate_draw(params, key, output_dir=Path(scratch))
        data = load_npz(path)
        rates = [float(r) for r in data["rates_Hz"]] if status == "accepted" else [None, None]
        return {"key": key, "status": status, "rejection": str(data["rejection"]),
                "stopped_at_ms": float(data["stopped_at_ms"]), "rates_Hz": rates,
                "theta": json.loads(str(data["theta_json"]))}


def main(argv: list[str]) -> int:
    parser = CommandParser(prog="python -m tools.screen_prior", description=__doc__.split("\n")[0])
    parser.add_argument("n_draws", type=int, help="how many of the study's first draws to run")
    parser.add_argument("--tstop-ms", type=float, default=1000.0, help="simulated time per draw (ms)")
    parser.add_argument("--one", metavar="KEY", help=argparse.SUPPRESS)  # one draw, run by the screen itself
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(screen_one(args.one, args.tstop_ms)))
        return 0
    logger = get_logger("screen_prior")
    params = load_params()
    keys = list(params.study2.draws)
    if not 1 <= args.n_draws <= len(keys):
        raise ParamsError(f"N = {args.n_draws} is invalid; accepted: 1 .. {len(keys)} (the keys of study2.draws)")
    if not MIN_TSTOP_MS <= args.tstop_ms <= params.study2.tstop_ms:
        raise ParamsError(f"--tstop-ms = {args.tstop_ms:g} is invalid; accepted: {MIN_TSTOP_MS:g} .. "
                          f"{params.study2.tstop_ms:g} ms (study2.tstop_ms)")
    start, results = time.perf_counter(), []
    for done, key in enumerate(keys[:args.n_draws], start=1):
        out = subprocess.run([sys.executable, "-m", "tools.screen_prior", str(args.n_draws), "--tstop-ms",
                              str(args.tstop_ms), "--one", key], cwd=REPO_ROOT, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"draw {key} failed:\n{out.stderr[-2000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(result)
        elapsed = time.perf_counter() - start
        logger.info("%s %s%s rates %s; %d/%d done, %d remaining, ETA %.0f s", key, result["status"],
                    f" ({result['rejection']} at {result['stopped_at_ms']:.0f} ms)" if result["rejection"] else "",
                    result["rates_Hz"], done, args.n_draws, args.n_draws - done,
                    elapsed / done * (args.n_draws - done))
    counts = {kind: sum(r["rejection"] == kind for r in results) for kind in ("runaway", "silent")}
    accepted = sum(r["status"] == "accepted" for r in results)
    summary = {"n_draws": len(results), "tstop_ms": args.tstop_ms, "accepted": accepted, **counts,
               "accepted_fraction": accepted / len(results),
               "prior_ln_half_width": params.study2.prior_ln_half_width.model_dump()}
    print(json.dumps(summary))
    for r in results:
        print(json.dumps(r))
    logger.info("%d of %d draws accepted (%.0f %%), %d runaway, %d silent, in %.0f s", accepted, len(results),
                100 * accepted / len(results), counts["runaway"], counts["silent"], time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(run(lambda: main(sys.argv[1:])))
