"""Run the simulations side by side on Dask: a machine's cores, a running scheduler, or a batch cluster.

Usage: python -m tools.sweep [KEY ...] [--stage NAME] [--workers N | --scheduler ADDRESS | --cluster FILE]
       make sweep [WORKERS=N]                   (KEY: a sweep key or ref; default: ref and every sweep key)

--stage NAME sweeps the items of any `foreach` stage of dvc.yaml (default: simulate, with simulate_ref as
item `ref`), each item's command taken from dvc.yaml; the second study's runs use the same driver.

1. Asks DVC once (`dvc status --json`) which simulation items are stale, after restoring from the DVC cache
   what it already holds (`dvc checkout`); up-to-date items are never submitted.
2. Submits each stale item as one Dask task. The task runs the item's command from dvc.yaml (for the
   simulations `python -m analysis.simulate KEY`) in its own OS process (NEST never runs inside a forked
   worker) with the study's simulation.threads, so the outputs are the bytes a sequential run gives; a failed
   task is retried once, a worker that dies is replaced and its item rescheduled.
3. Records every finished item the moment it ends, as `dvc commit --force simulate@KEY` would (dvc.lock, cache
   and run-cache), the items that finished meanwhile in the same batch: one read and one write of dvc.lock per
   batch (`record`), through a temporary file and a rename, so that a killed driver never leaves it empty.
   Why not `dvc repro` in each task: DVC holds the repository lock for the whole of a repro, so concurrent
   repros would run one after another; recording takes it for seconds. Before recording, the driver checks
   that the stage's code did not change while the items ran.
4. Prints one line per finished item (done/remaining, failures, an ETA from the measured item times, which grow
   with the drive) and ends with a non-zero exit and the list of failed items if any failed; running it again
   continues. Killing the driver loses at most the running items.

Where it runs:
  --workers N       a LocalCluster of N worker processes on this machine (default: as many items as the cores
                    (cores // simulation.threads) and the memory (available // the item's estimated peak) allow;
                    an N that oversubscribes memory is refused)
  --scheduler ADDR  an existing Dask scheduler whose workers see this repository at the same path
  --cluster FILE    a dask-jobqueue cluster described by a YAML file (tools/clusters/slurm.yaml: queue, account,
                    walltime, cores and memory per job, the lines that activate the environment); `kind: local`
                    runs the same job path on this machine, for testing. README "Running on a cluster".
"""
from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import logging
import os
import resource
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.stats
import yaml

from analysis.common import (REPO_ROOT, CommandParser, ParamsError, atomic_path, get_logger, integer_in,
                             print_error)
from analysis.params import Params, load_params
from tools.lockfile import run_dvc

# the estimated peak memory of one item: NEST's fixed cost plus its bytes per synapse, calibrated on the full
# network (1.7e7 synapses, 1.17 GB peak RSS with 2 threads, README "Performance")
BASE_MEMORY_BYTES = 0.25e9
BYTES_PER_SYNAPSE = 55.0
CLUSTER_KINDS = ("slurm", "pbs", "sge", "lsf", "local")


class SweepError(RuntimeError):
    """A user-facing refusal: the message says what is wrong and what to do."""


class ItemFailed(RuntimeError):
    """The simulation of an item exited with an error."""


@dataclass(frozen=True)
class ItemStages:
    """The independent items of a foreach stage of dvc.yaml: key -> DVC stage name and shell command, and the
    code files the stage depends on. A stage NAME_ref, if there is one, is the extra item `ref`."""
    stage: str
    names: dict[str, str]
    commands: dict[str, str]
    code: tuple[str, ...]

    def stage_name(self, key: str) -> str:
        return self.names[key]

    def dvc_targets(self, keys: list[str]) -> list[str]:
        """What to name to DVC for these items: the foreach stage itself (and NAME_ref) when they are all of its
        items, else each item's stage. DVC resolves dvc.yaml once per target, so naming 340 items one by one
        cost 340 resolutions (over an hour of `dvc checkout` at nice 10 on a loaded machine, 2026-12-01), the
        group one (25 s)."""
        if set(keys) != set(self.names):
            return [self.stage_name(key) for key in keys]
        return [self.stage, *([self.names["ref"]] if "ref" in self.names else [])]


def _resolve(template, params: Params):
    """A foreach value of dvc.yaml: a literal list or mapping, or ${dotted.key} of params.yaml."""
    if isinstance(template, str) and template.startswith("${") and template.endswith("}"):
        node = params
        for part in template[2:-1].split("."):
            node = node[part] if isinstance(node, dict) else getattr(node, part)
        return node
    return template


def item_stages(root: Path, stage: str, params: Params) -> ItemStages:
    stages = yaml.safe_load((root / "dvc.yaml").read_text())["stages"]
    if stage not in stages or "foreach" not in stages[stage]:
        foreach = sorted(name for name, entry in stages.items() if "foreach" in entry)
        raise SweepError(f"--stage {stage}: not a foreach stage of dvc.yaml; accepted: {', '.join(foreach)}")
    entry = stages[stage]
    items = _resolve(entry["foreach"], params)
    keys = list(items) if isinstance(items, (dict, list)) else []
    names = {str(key): f"{stage}@{key}" for key in keys}
    commands = {str(key): entry["do"]["cmd"].replace("${key}", str(key)).replace("${item}", str(key))
                for key in keys}
    code = set(d for d in entry["do"].get("deps", []) if d.endswith(".py"))
    if f"{stage}_ref" in stages:
        names["ref"], commands["ref"] = f"{stage}_ref", stages[f"{stage}_ref"]["cmd"]
        code |= set(d for d in stages[f"{stage}_ref"].get("deps", []) if d.endswith(".py"))
    return ItemStages(stage, names, commands, tuple(sorted(code)))


# ------------------------------------------------------------------------------------------ how many workers
def synapse_count(params: Params) -> float:
    """Expected number of recurrent synapses: sum over pathways of N_pre x N_post x p."""
    net = params.network
    sizes = [max(1, round(n * net.scale)) for n in net.population_sizes]
    p = net.connection_probability
    return float(sum(sizes[i] * sizes[j] * p[i][j] for i in range(len(sizes)) for j in range(len(sizes))))


def item_peak_memory_bytes(params: Params) -> float:
    return BASE_MEMORY_BYTES + BYTES_PER_SYNAPSE * synapse_count(params)


def available_memory_bytes() -> float:
    import psutil

    return float(psutil.virtual_memory().available)


def default_workers(params: Params, cores: int, memory_bytes: float) -> int:
    threads = int(params.simulation.threads)
    return max(1, min(cores // threads, int(memory_bytes // item_peak_memory_bytes(params))))


def check_workers(n_workers: int, params: Params, cores: int, memory_bytes: float) -> None:
    peak = item_peak_memory_bytes(params)
    if n_workers < 1:
        raise SweepError(f"--workers {n_workers}: accepted: an integer >= 1")
    if n_workers * peak > memory_bytes:
        raise SweepError(f"--workers {n_workers} would need {n_workers * peak / 1e9:.1f} GB ({peak / 1e9:.2f} GB per "
                         f"item) but {memory_bytes / 1e9:.1f} GB are available; accepted: at most "
                         f"{max(1, int(memory_bytes // peak))} workers here")


# ------------------------------------------------------------------------------------------ the task
def _die_with_parent() -> None:
    """In the child: receive SIGKILL when the worker that started it dies (Linux), so no orphan simulates on."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def run_item(root: str, key: str, command: str) -> dict:
    """One item on a Dask worker: its dvc.yaml command in its own process (`python` = this environment's);
    raises ItemFailed."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    argv = shlex.split(command)
    if argv and argv[0] == "python":
        argv[0] = sys.executable
    started = time.time()
    child = subprocess.Popen(argv, cwd=root, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    _, stderr = child.communicate()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    if child.returncode != 0:
        last = [line for line in stderr.strip().splitlines() if line.strip()][-1:] or ["(no output)"]
        raise ItemFailed(f"item {key} exited {child.returncode} on {socket.gethostname()}: {last[0]}")
    return {"key": key, "started": started, "finished": time.time(), "seconds": time.time() - started,
            "peak_rss_bytes": peak, "host": socket.gethostname()}


# ------------------------------------------------------------------------------------------ DVC, once
def stale_items(root: Path, keys: list[str], items: ItemStages) -> list[str]:
    """The items whose outputs DVC does not hold: restore what the cache has, then ask DVC once."""
    targets = items.dvc_targets(keys)
    run_dvc(root, "checkout", "--quiet", *targets)  # missing objects are simply stale
    done = run_dvc(root, "status", "--json", *targets)
    if done.returncode != 0:
        raise SweepError(f"dvc status failed in {root}: {done.stderr.strip()[-500:]}")
    stale = set(json.loads(done.stdout or "{}"))
    return [key for key in keys if items.stage_name(key) in stale]


def code_fingerprint(root: Path, items: ItemStages) -> str:
    """md5 over the code files the stage depends on (dvc.yaml), to notice code edited during the sweep."""
    digest = hashlib.md5()
    for path in items.code:
        digest.update(path.encode() + b"\0" + (root / path).read_bytes())
    return digest.hexdigest()


def record(root: Path, names: list[str]) -> None:
    """Record finished items in dvc.lock, DVC's cache and run-cache: what `dvc commit --force NAME ...` does, with
    one read and one write of dvc.lock for the whole batch.

    `dvc commit A B C` reads and rewrites dvc.lock once per target, and the lock grows with the study: 8 s per
    item at 340 items (2026-12-01), so one recorder could take at most ~450 items an hour, whatever the number of
    workers. Here a batch is every item that finished while the previous batch was being recorded.
    """
    from dvc.exceptions import DvcException
    from dvc.repo import Repo, lock_repo

    wanted = set(names)
    groups = sorted({name.split("@")[0] for name in wanted})
    quiet = logging.getLogger("dvc")           # as `--quiet`: no "Updating lock file" line per batch
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        # DVC's API resolves a stage's paths against the working directory, as its command line does
        with contextlib.chdir(root), Repo(str(root), _wait_for_lock=True) as repo, lock_repo(repo):
            stages = [info.stage for group in groups for info in repo.stage.collect_granular(group)
                      if info.stage.addressing in wanted]
            missing = wanted - {stage.addressing for stage in stages}
            if missing:
                raise ItemFailed(f"dvc.yaml has no stage {', '.join(sorted(missing))}")
            for stage in stages:
                stage.save()
                stage.commit()
            write_lock_entries(root / "dvc.lock", stages)
    except DvcException as err:
        raise ItemFailed(f"recording {', '.join(names)} in dvc.lock failed: {err}") from None
    finally:
        quiet.setLevel(level)


def write_lock_entries(lock: Path, stages) -> None:
    """Write the stages' entries into dvc.lock as DVC's Lockfile.dump_stages does, but through a temporary file
    and a rename. DVC truncates dvc.lock and writes it in place (seen here empty for seconds while a loaded
    machine recorded a batch): a driver killed in between, at a session's end or a cluster job's walltime, would
    leave an empty lock and lose every record of the sweep.

    DVC parses the whole lock and dumps it again with ruamel's pure-Python writer: 5 s of a record at the study's
    0.8-MB lock, minutes at the 30 MB of 10 000 draws. Only the recorded entries change, so only they are dumped,
    by DVC's own writer, and spliced into the text (`splice_lock_entries`: the same bytes as DVC's whole dump,
    tests/test_sweep.py; bench record)."""
    from dvc.stage.serialize import to_lockfile
    from dvc.utils.serialize import dumps_yaml, parse_yaml

    entries = {}
    for stage in stages:
        entries.update(to_lockfile(stage))
    text = lock.read_text(encoding="utf-8") if lock.exists() else ""
    if stages_last(text):
        text = splice_lock_entries(text, entries)
    else:                     # a new, empty or hand-edited lock: DVC's whole dump (the plain loader: libyaml)
        data = parse_yaml(text, str(lock)) or {"schema": "2.0"}
        data["stages"] = {**data.get("stages", {}), **entries}
        text = dumps_yaml(data)
    with atomic_path(lock) as tmp:
        tmp.write_text(text, encoding="utf-8")


LOCK_STAGES_LINE = "stages:\n"


def stages_last(text: str) -> bool:
    """Whether dvc.lock's text ends with its `stages:` mapping, as DVC writes it (then entries can be spliced).

    Parameters
    ----------
    text : str
        dvc.lock's text.

    Returns
    -------
    bool
        A top-level `stages:` line, every line after it indented, and a final newline.
    """
    lines = text.splitlines(keepends=True)
    if LOCK_STAGES_LINE not in lines or not text.endswith("\n"):
        return False
    return all(line.startswith(" ") for line in lines[lines.index(LOCK_STAGES_LINE) + 1:])


def splice_lock_entries(text: str, entries: dict[str, dict]) -> str:
    """dvc.lock's text with these stage entries replaced in place or, when new, appended: the text DVC's whole
    dump of the updated lock gives (`dvc commit` updates an entry where it stands and appends a new one).

    Each entry is dumped by DVC's writer one level below `stages:`, as in the whole dump, so its lines are the
    whole dump's lines; an entry's block runs from its `  NAME:` line to the next line indented two spaces or
    less (entries' contents are indented four or more).

    Parameters
    ----------
    text : str
        dvc.lock as DVC wrote it (a `stages:` mapping at the top level, the last key).
    entries : dict
        Stage name -> its lock entry (`dvc.stage.serialize.to_lockfile`).

    Returns
    -------
    str
        The new text of dvc.lock.
    """
    import re

    from dvc.utils.serialize import dumps_yaml

    next_block = re.compile(r"^ {0,2}\S", re.MULTILINE)
    for name, entry in entries.items():
        block = dumps_yaml({"stages": {name: entry}}).removeprefix(LOCK_STAGES_LINE)
        header = block.split("\n", 1)[0] + "\n"
        at = text.find("\n" + header) + 1
        if at == 0:
            text = text + block
            continue
        after = next_block.search(text, at + len(header))
        text = text[:at] + block + text[after.start() if after else len(text):]
    return text


# ------------------------------------------------------------------------------------------ progress
@dataclass
class Progress:
    """Done/remaining and an ETA that models item time as linear in J_ext (items slow down with the drive),
    fitted robustly (Theil-Sen; the median where all items are alike)."""
    drives: dict[str, float]
    n_workers: int
    total: int
    seconds: dict[str, float] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    start: float = field(default_factory=time.perf_counter)

    def eta_s(self, remaining: list[str]) -> float | None:
        if not self.seconds or not remaining:
            return None if remaining else 0.0
        x = np.array([self.drives[key] for key in self.seconds])
        y = np.array(list(self.seconds.values()))
        # robust to the items slowed by other work on the machine (one at 1116 s among 60-s draws once said
        # "ETA 3809 min" for 340 min): Theil-Sen's line, the median item time
        if len(x) >= 2 and np.ptp(x) > 0:
            slope, intercept, _, _ = scipy.stats.theilslopes(y, x, method="joint")
            predicted = [max(intercept + slope * self.drives[key], 0.2 * y.min()) for key in remaining]
        else:
            predicted = [float(np.median(y))] * len(remaining)
        return float(sum(predicted)) / max(1, min(self.n_workers, len(remaining)))

    def line(self, key: str, remaining: list[str]) -> str:
        eta = self.eta_s(remaining)
        eta_text = "ETA --" if eta is None else f"ETA {int(eta // 60)} min {int(eta % 60):02d} s"
        done = len(self.seconds) + len(self.failed)
        return (f"{key} done in {self.seconds[key]:.0f} s; items {done}/{self.total}, remaining {len(remaining)}, "
                f"failed {len(self.failed)}, {eta_text}, elapsed {(time.perf_counter() - self.start) / 60:.1f} min")


# ------------------------------------------------------------------------------------------ the drive
def drives_of(params: Params, keys: list[str], items: ItemStages) -> dict[str, float]:
    """What item time is modelled against: J_ext for the study's simulations; for other stages nothing (all
    items alike: the ETA is the median item time x the items left; a fit against the item's position extrapolated
    the first items' noise and reported a quarter of the real time)."""
    if items.stage == "simulate":
        return {key: float(params.reference.J_ext_pA if key == "ref" else params.sweep[key]) for key in keys}
    return {key: 0.0 for key in keys}


def run_sweep(root: Path, keys: list[str], client, n_workers: int, params: Params, logger,
              items: ItemStages | None = None) -> tuple[list, list]:
    """Submit the items, record each as it ends; (finished results, failed keys with reasons)."""
    from distributed import as_completed

    items = items or item_stages(root, "simulate", params)
    fingerprint = code_fingerprint(root, items)
    progress = Progress(drives_of(params, keys, items), n_workers, len(keys))
    futures = {client.submit(run_item, str(root), key, items.commands[key], pure=False, retries=1,
                             key=f"{items.stage}-{key}-{time.time_ns()}"): key for key in keys}
    pending = list(keys)
    results, failures = [], []

    def failed(key: str, err: Exception) -> None:     # one item's failure never stops the others
        progress.failed.append(key)
        failures.append((key, str(err)))
        logger.error("item %s FAILED after a retry: %s", key, err)

    # every item that finished while the previous ones were being recorded is recorded in one batch (`record`)
    for batch in as_completed(futures).batches():
        finished = []
        for future in batch:
            key = futures[future]
            pending.remove(key)
            try:
                finished.append((key, future.result()))
            except Exception as err:
                failed(key, err)
        try:
            if finished and code_fingerprint(root, items) != fingerprint:
                raise ItemFailed(f"the {items.stage} stage's code changed while the item ran; not recorded, run again")
            if finished:
                record(root, [items.stage_name(key) for key, _ in finished])
        except Exception as err:
            for key, _ in finished:
                failed(key, err)
            continue
        for key, result in finished:
            progress.seconds[key] = result["seconds"]
            results.append(result)
            logger.info("%s", progress.line(key, pending))
            if len(results) == 1:
                estimate = item_peak_memory_bytes(params)
                logger.info("first item's peak memory %.2f GB (estimate %.2f GB per item)",
                            result["peak_rss_bytes"] / 1e9, estimate / 1e9)
                if result["peak_rss_bytes"] > 1.25 * estimate:
                    logger.warning("items need more memory than estimated: fewer workers may be safer")
    return results, failures


@contextlib.contextmanager
def dask_client(args, params: Params, logger):
    """(client, number of workers) for --workers, --scheduler or --cluster."""
    from distributed import Client

    if args.scheduler:
        with Client(args.scheduler) as client:
            n = len(client.scheduler_info()["workers"])
            logger.info("scheduler %s with %d workers (they must see %s at the same path)", args.scheduler, n,
                        REPO_ROOT)
            yield client, max(1, n)
        return
    if args.cluster:
        cluster, jobs = make_job_cluster(args.cluster, params)
        with cluster, Client(cluster) as client:
            cluster.scale(jobs=jobs)
            logger.info("%s: %d jobs submitted; dashboard %s", args.cluster, jobs, client.dashboard_link)
            yield client, jobs
        return
    from distributed import LocalCluster

    cores, memory = os.cpu_count() or 1, available_memory_bytes()
    n = args.workers if args.workers is not None else default_workers(params, cores, memory)
    check_workers(n, params, cores, memory)
    dashboard = ":0" if _has_bokeh() else None
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=dashboard,
                      memory_limit=0) as cluster, Client(cluster) as client:
        logger.info("LocalCluster: %d workers x 1 item, %d NEST threads per item (%d cores, %.1f GB available, "
                    "%.2f GB per item); dashboard %s", n, params.simulation.threads, cores, memory / 1e9,
                    item_peak_memory_bytes(params) / 1e9, client.dashboard_link if dashboard else
                    "off (install bokeh for one)")
        yield client, n


def _has_bokeh() -> bool:
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return False
    return True


def read_cluster_file(path: Path) -> dict:
    if not Path(path).is_file():
        raise SweepError(f"--cluster {path}: file not found; see tools/clusters/slurm.yaml")
    spec = yaml.safe_load(Path(path).read_text()) or {}
    kind = spec.get("kind")
    if kind not in CLUSTER_KINDS:
        raise SweepError(f"{path}: kind = {kind!r} is invalid; accepted: {' | '.join(CLUSTER_KINDS)}")
    jobs = spec.get("jobs")
    if not isinstance(jobs, int) or jobs < 1:
        raise SweepError(f"{path}: jobs = {jobs!r} is invalid; accepted: an integer >= 1")
    return spec


def make_job_cluster(path: Path, params: Params):
    """A dask-jobqueue cluster from a cluster file: each job is one worker that runs one item at a time."""
    import importlib

    spec = read_cluster_file(path)
    options = {k: v for k, v in spec.items() if k not in ("kind", "jobs")}
    threads = int(params.simulation.threads)
    if options.get("cores", threads) < threads:
        raise SweepError(f"{path}: cores = {options['cores']} per job is less than simulation.threads = {threads}")
    options.setdefault("cores", threads)
    options.setdefault("processes", 1)
    options.setdefault("memory", f"{max(1.0, 1.5 * item_peak_memory_bytes(params) / 1e9):.0f}GB")
    # one item per job at a time: the worker gets one Dask thread, the item's NEST gets the job's cores
    options.setdefault("worker_extra_args", ["--nthreads", "1"])
    # (module, class); dask-jobqueue's LocalCluster runs the same job path as local processes (for testing)
    classes = {"slurm": ("slurm", "SLURMCluster"), "pbs": ("pbs", "PBSCluster"), "sge": ("sge", "SGECluster"),
               "lsf": ("lsf", "LSFCluster"), "local": ("local", "LocalCluster")}
    module, name = classes[spec["kind"]]
    return getattr(importlib.import_module(f"dask_jobqueue.{module}"), name)(**options), spec["jobs"]


def main(argv: list[str]) -> int:
    logger = get_logger("sweep")
    parser = CommandParser(description=__doc__.splitlines()[0])
    parser.add_argument("keys", nargs="*", help="item keys, e.g. sweep keys or ref (default: every item)")
    parser.add_argument("--stage", default="simulate", help="the foreach stage of dvc.yaml to sweep (default simulate)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=integer_in(1), default=None,
                       help="local worker processes (default: what fits)")
    where.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    where.add_argument("--cluster", type=Path, default=None, help="a dask-jobqueue cluster file (YAML)")
    parser.add_argument("--print-job-script", action="store_true", help="with --cluster: print the job script, stop")
    parser.add_argument("--report", type=Path, default=None, help="write the finished items' timings (JSON)")
    args = parser.parse_args(argv)
    root = REPO_ROOT
    try:
        params = load_params(root / "params.yaml")
        items = item_stages(root, args.stage, params)
        keys = args.keys or (["ref"] if "ref" in items.names else []) + [k for k in items.names if k != "ref"]
        unknown = [key for key in keys if key not in items.names]
        if unknown:
            raise SweepError(f"unknown item(s) {unknown} of stage {args.stage}; accepted: "
                             f"{', '.join(list(items.names)[:4])}, ... ({len(items.names)} items)")
        if args.workers is not None:
            # before DVC's checkout and status (minutes on a full cache): what this machine can hold
            check_workers(args.workers, params, os.cpu_count() or 1, available_memory_bytes())
        if args.cluster is not None and not args.cluster.is_file():
            raise SweepError(f"--cluster {args.cluster}: file not found; accepted: a cluster file such as "
                             "tools/clusters/slurm.yaml")
        if args.print_job_script:
            if not args.cluster:
                raise SweepError("--print-job-script needs --cluster FILE")
            cluster, _ = make_job_cluster(args.cluster, params)
            with cluster:
                print(cluster.job_script())
            return 0
        todo = stale_items(root, keys, items)
        logger.info("%d items, %d up to date, %d to run", len(keys), len(keys) - len(todo), len(todo))
        if not todo:
            return 0
        start = time.perf_counter()
        with dask_client(args, params, logger) as (client, n_workers):
            results, failures = run_sweep(root, todo, client, n_workers, params, logger, items)
    except (SweepError, ParamsError) as err:
        print_error(err)
        return 2
    if args.report:
        args.report.write_text(json.dumps({"results": results, "failed": failures}, indent=1))
    logger.info("%d items finished in %.1f min, %d failed", len(results), (time.perf_counter() - start) / 60,
                len(failures))
    if failures:
        logger.error("failed items: %s; fix them and run the same command again to continue",
                     " ".join(key for key, _ in failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
