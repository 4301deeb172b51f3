"""The distributed sweep (tools/sweep.py) on the tiny profile: 2 Dask workers x 1 NEST thread on 2 cores."""
from __future__ import annotations

import contextlib
import hashlib
import json
import re
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from analysis.params import profile_params
from tests.conftest import run
from tools import sweep
from tools.workspace import prepare

REPO = Path(__file__).resolve().parent.parent


def tiny_workspace_with_one_thread(target: Path, **sweep_values: float) -> Path:
    root = prepare("tiny", target)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["simulation"]["threads"] = 1
    params["sweep"].update(sweep_values)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return root


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    root = tiny_workspace_with_one_thread(tmp_path_factory.mktemp("sweep") / "compendium")
    report = root / "report.json"
    done = run([sys.executable, "-m", "tools.sweep", "--workers", "2", "--report", str(report), "j00", "j05", "j10"],
               root)
    return root, json.loads(report.read_text()), done


def test_items_run_side_by_side(swept):
    _, report, done = swept
    assert "LocalCluster: 2 workers x 1 item, 1 NEST threads per item" in done.stderr
    intervals = sorted((row["started"], row["finished"]) for row in report["results"])
    assert len(intervals) == 3
    assert any(later[0] < earlier[1] for earlier, later in zip(intervals, intervals[1:])), intervals


def test_outputs_equal_a_sequential_run_with_the_same_threads(swept, tmp_path):
    root, _, _ = swept
    sequential = tiny_workspace_with_one_thread(tmp_path / "sequential")
    for key in ("j00", "j05", "j10"):
        run([sys.executable, "-m", "analysis.simulate", key], sequential)
        name = f"data/simulations/{key}.npz"
        assert md5(root / name) == md5(sequential / name), key


def test_dvc_records_every_item_and_a_second_run_submits_nothing(swept):
    root, _, _ = swept
    lock = yaml.safe_load((root / "dvc.lock").read_text())["stages"]
    for key in ("j00", "j05", "j10"):
        assert lock[f"simulate@{key}"]["outs"][0]["md5"] == md5(root / f"data/simulations/{key}.npz")
    status = run([sys.executable, "-m", "dvc", "status", "--json", "simulate@j00", "simulate@j05", "simulate@j10"],
                 root)
    assert json.loads(status.stdout) == {}
    again = run([sys.executable, "-m", "tools.sweep", "--workers", "2", "j00", "j05", "j10"], root)
    assert "3 items, 3 up to date, 0 to run" in again.stderr


def test_a_batch_is_recorded_as_dvc_commit_records_its_items_one_by_one(swept):
    # the sweep records the items that finished together in one read and write of dvc.lock (sweep.record); the
    # lock must be the one `dvc commit --force` item by item writes, and name each output's md5
    root, _, _ = swept
    names = ["simulate@j00", "simulate@j05", "simulate@j10"]
    lock = root / "dvc.lock"
    run([sys.executable, "-m", "dvc", "commit", "--force", "--quiet", *names], root)
    by_dvc = lock.read_bytes()
    stale = "0123456789abcdef" * 2                       # an entry the batch must overwrite
    lock.write_text(lock.read_text().replace(md5(root / "data/simulations/j05.npz"), stale))
    inode = lock.stat().st_ino
    sweep.record(root, names)
    assert lock.read_bytes() == by_dvc
    # written to a temporary file and renamed onto dvc.lock (a new inode), never truncated and rewritten in place:
    # a driver killed while recording leaves the old lock or the new one, not an empty file
    assert lock.stat().st_ino != inode
    recorded = yaml.safe_load(by_dvc)["stages"]
    assert all(recorded[name]["outs"][0]["md5"] == md5(root / f"data/simulations/{name[-3:]}.npz") for name in names)
    # an item the lock does not hold yet is appended, as `dvc commit` appends it
    without_j05 = "".join(block for block in re.split(r"(?m)^(?=  \S)", by_dvc.decode())
                          if not block.startswith("  simulate@j05:"))
    lock.write_text(without_j05)
    run([sys.executable, "-m", "dvc", "commit", "--force", "--quiet", "simulate@j05"], root)
    appended_by_dvc = lock.read_bytes()
    lock.write_text(without_j05)
    sweep.record(root, ["simulate@j05"])
    assert lock.read_bytes() == appended_by_dvc != by_dvc
    with pytest.raises(sweep.ItemFailed, match="no stage simulate@j99"):
        sweep.record(root, ["simulate@j99"])


def test_entries_spliced_into_the_study_lock_give_dvcs_whole_dump(tmp_path):
    # write_lock_entries dumps only the recorded entries and splices them into dvc.lock's text; on the study's own
    # lock (every stage, > 0.5 MB) the result must be what DVC's writer gives for the whole updated lock: an entry
    # replaced where it stands (another md5, a longer deps list), a new one appended, the rest untouched
    import copy

    from dvc.utils.serialize import dumps_yaml, parse_yaml

    text = (REPO / "dvc.lock").read_text()
    data = parse_yaml(text, "dvc.lock")
    assert dumps_yaml(data) == text and len(text) > 500_000       # the lock is DVC's own dump
    names = list(data["stages"])
    changed = copy.deepcopy(data["stages"][names[len(names) // 2]])
    changed["outs"][0]["md5"] = "0123456789abcdef" * 2
    changed["deps"].append({"path": "analysis/extra.py", "hash": "md5", "md5": "f" * 32})
    last = copy.deepcopy(data["stages"][names[-1]])
    last["cmd"] = last["cmd"] + " --again"
    entries = {names[len(names) // 2]: changed, names[-1]: last,
               "simulate_study2@t9999": copy.deepcopy(data["stages"][names[0]])}
    spliced = sweep.splice_lock_entries(text, entries)
    data["stages"].update(copy.deepcopy(entries))
    assert spliced == dumps_yaml(data)
    assert spliced.index("\n  simulate_study2@t9999:\n") > spliced.index(f"\n  {names[-1]}:\n")   # appended
    assert sweep.stages_last(text) and not sweep.stages_last(text + "other: 1\n") and not sweep.stages_last("")
    # a lock that does not end with its stages (edited by hand) is dumped whole, with the same result
    lock = tmp_path / "dvc.lock"
    lock.write_text("stages:\n" + text.split("stages:\n", 1)[1] + "schema: '2.0'\n")
    sweep.write_lock_entries(lock, [])
    assert lock.read_text() == "stages:\n" + text.split("stages:\n", 1)[1] + "schema: '2.0'\n"


def kill_the_worker_running(driver: subprocess.Popen, key: str, timeout_s: float = 300.0) -> int:
    """SIGKILL the Dask worker process whose child simulates `key`, from outside (a real fault: the production
    code holds no hook for it); returns the worker's pid."""
    import psutil

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and driver.poll() is None:
        for child in psutil.Process(driver.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if child.cmdline()[-2:] == ["analysis.simulate", key]:
                    worker = child.parent()
                    worker.kill()  # the simulation follows its worker (PDEATHSIG)
                    return worker.pid
        time.sleep(0.05)
    raise AssertionError(f"no worker ran {key} within {timeout_s:g} s")


def test_a_killed_worker_is_replaced_and_its_item_completes(tmp_path):
    root = tiny_workspace_with_one_thread(tmp_path / "compendium")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}", DVC_NO_ANALYTICS="1")
    driver = subprocess.Popen([sys.executable, "-m", "tools.sweep", "--workers", "2", "j15", "j20"], cwd=root,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = kill_the_worker_running(driver, "j15")  # the worker running j15 dies mid-item ...
    _, stderr = driver.communicate(timeout=600)
    assert driver.returncode == 0, stderr[-2000:]
    assert killed != driver.pid
    assert "2 items finished" in stderr and "0 failed" in stderr  # ... and j15 ran again elsewhere
    status = run([sys.executable, "-m", "dvc", "status", "--json", "simulate@j15", "simulate@j20"], root)
    assert json.loads(status.stdout) == {}


def test_a_failing_item_is_reported_and_the_others_are_recorded(tmp_path):
    # 400 pA drives the tiny network far above its rate ceiling: the item's simulation stops with an error
    root = tiny_workspace_with_one_thread(tmp_path / "compendium", j25=400.0)
    done = run([sys.executable, "-m", "tools.sweep", "--workers", "2", "j25", "j30"], root, expect=1)
    assert "item j25 FAILED after a retry" in done.stderr and "failed items: j25" in done.stderr
    assert "rate_ceiling_Hz" in done.stderr
    lock = yaml.safe_load((root / "dvc.lock").read_text())["stages"]
    assert "simulate@j30" in lock and "simulate@j25" not in lock


def test_invalid_parameters_stop_the_sweep_before_any_work(tmp_path):
    root = tiny_workspace_with_one_thread(tmp_path / "compendium", j25=-1.0)
    done = run([sys.executable, "-m", "tools.sweep", "j25"], root, expect=2)
    assert done.stderr.strip().splitlines()[-1] == (
        "error: params.yaml + profiles/tiny.yaml: sweep.j25 = -1.0 is invalid; accepted: a mapping key: J_ext (pA, "
        "a number >= 0), at least 3 items")
    assert not (root / "data").exists()


def test_jobqueue_submission_path_with_a_local_job_cluster(tmp_path):
    root = tiny_workspace_with_one_thread(tmp_path / "compendium")
    cluster_file = tmp_path / "local.yaml"
    cluster_file.write_text("kind: local\njobs: 1\ncores: 1\nmemory: 2GB\n")
    done = run([sys.executable, "-m", "tools.sweep", "--cluster", str(cluster_file), "j35"], root)
    assert "1 jobs submitted" in done.stderr and "1 items finished" in done.stderr


def test_documented_slurm_file_gives_the_expected_job_script(tmp_path):
    done = run([sys.executable, "-m", "tools.sweep", "--cluster", "tools/clusters/slurm.yaml", "--print-job-script"],
               REPO)
    script = done.stdout
    for line in ("#SBATCH -p normal", "#SBATCH -A my-project", "#SBATCH --cpus-per-task=2", "#SBATCH -t 01:00:00",
                 "source .venv/bin/activate", "cd /path/to/compendium", "--nthreads 1"):
        assert line in script, line


def test_oversubscribing_memory_is_refused():
    params = profile_params("full")
    with pytest.raises(sweep.SweepError, match=r"--workers 30 would need .* GB .* accepted: at most 20 workers here"):
        sweep.check_workers(30, params, cores=64, memory_bytes=24e9)


def test_item_memory_and_default_workers_follow_the_network_size():
    full = profile_params("full")
    # p = 0.2 on every pathway: 0.2 x (8192 + 1024)^2 synapses expected
    assert sweep.synapse_count(full) == pytest.approx(0.2 * 9216**2)
    assert sweep.item_peak_memory_bytes(full) == pytest.approx(1.18e9, rel=0.02)  # measured peak: 1.17 GB
    assert sweep.default_workers(full, cores=2, memory_bytes=24e9) == 1  # 2 threads per item on 2 cores
    assert sweep.default_workers(full, cores=16, memory_bytes=8e9) == 6  # memory-bound: 8 GB / 1.18 GB
    tiny = profile_params("tiny")
    assert sweep.item_peak_memory_bytes(tiny) < 0.3e9


def test_eta_uses_item_times_that_grow_with_the_drive():
    progress = sweep.Progress({"a": 26.0, "b": 28.0, "c": 30.0, "d": 32.0}, n_workers=2, total=4)
    progress.seconds.update(a=60.0, b=80.0)  # 10 s more per pA
    assert progress.eta_s(["c", "d"]) == pytest.approx((100.0 + 120.0) / 2)
    assert progress.eta_s([]) == 0.0


def test_eta_is_not_thrown_by_an_item_that_other_work_slowed():
    """Seen on 2026-12-06: a draw that ran beside a 27-min demo took 1116 s among draws of ~60 s, and the mean
    said 'ETA 3809 min' for about 340. The median, and Theil-Sen's line for drives, ignore such an item."""
    alike = sweep.Progress({f"t{i:04d}": 0.0 for i in range(10)}, n_workers=1, total=10)
    alike.seconds.update({"t0000": 60.0, "t0001": 1116.0, "t0002": 58.0, "t0003": 62.0})
    assert alike.eta_s([f"t{i:04d}" for i in range(4, 10)]) == pytest.approx(6 * 61.0)
    drives = {key: 26.0 + i for i, key in enumerate("abcdef")}
    growing = sweep.Progress(drives, n_workers=1, total=6)
    growing.seconds.update(a=60.0, b=70.0, c=800.0, d=90.0)   # 10 s more per pA; c was slowed
    assert growing.eta_s(["e", "f"]) == pytest.approx(100.0 + 110.0)


def test_eta_of_other_stages_is_the_median_item_time_times_the_items_left():
    """Study 2's draws do not grow with a drive: 338 items left at a median 37.5 s on one worker is 211 min (the
    old fit against the item's position extrapolated the first items' noise down to a quarter of that)."""
    params = profile_params("full")
    items = sweep.item_stages(REPO, "simulate_study2", params)
    keys = list(items.names)
    assert len(keys) == 340 and items.commands["t0007"] == "python -m analysis.simulate_study2 t0007"
    progress = sweep.Progress(sweep.drives_of(params, keys, items), n_workers=1, total=340)
    progress.seconds.update(t0000=40.0, t0001=35.0)
    assert progress.eta_s(keys[2:]) == pytest.approx(338 * 37.5)


def test_items_and_commands_come_from_dvc_yaml():
    """Any foreach stage can be swept (the second study's runs use the same driver); the study's simulations
    are simulate@KEY plus simulate_ref as the item `ref`, with the commands dvc.yaml gives them."""
    params = profile_params("full")
    items = sweep.item_stages(REPO, "simulate", params)
    assert len(items.names) == 51 and items.stage_name("j07") == "simulate@j07"
    assert items.stage_name("ref") == "simulate_ref" and items.commands["ref"] == "python -m analysis.simulate ref"
    assert items.commands["j07"] == "python -m analysis.simulate j07"
    assert "analysis/model/network.py" in items.code
    with pytest.raises(sweep.SweepError, match=r"--stage signals: not a foreach stage of dvc.yaml; accepted: simulate"):
        sweep.item_stages(REPO, "signals", params)


def test_a_whole_stage_is_named_to_dvc_once_a_subset_item_by_item():
    """DVC resolves dvc.yaml once per target: all 340 draws go as the one stage name, a few items by name."""
    params = profile_params("full")
    draws = sweep.item_stages(REPO, "simulate_study2", params)
    assert draws.dvc_targets(list(params.study2.draws)) == ["simulate_study2"]
    assert draws.dvc_targets(["t0003", "t0007"]) == ["simulate_study2@t0003", "simulate_study2@t0007"]
    study1 = sweep.item_stages(REPO, "simulate", params)
    assert study1.dvc_targets(["ref", *params.sweep]) == ["simulate", "simulate_ref"]
