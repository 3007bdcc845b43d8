"""``tools/reproduce.py --executor slurm``: the job arrays it submits, as data and through
submitit.

The paper preset's submission is checked as data (array sizes per experiment and stage,
resources as submitit parameters, the command of each task, afterok dependencies); submitit's
real ``SlurmExecutor`` writes the sbatch scripts (``sbatch`` replaced by ``echo``, so no
cluster is needed); and submitit's ``LocalExecutor`` really runs the tiny preset's VAE jobs
through the same submission, after which a rerun writes the report from the run directories.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import reproduce
from reproduction import slurm
from reproduction.experiments import ORDER
from reproduction.jobs import Job, Resources
from reproduction.slurm import SlurmOptions, parse_params, submission

OPTIONS = SlurmOptions(partition="gpu", account="acc", qos="high", array_parallelism=32)


def _tasks(tmp_path: Path) -> list:
    """The paper preset's experiments with data (a --plan invocation: no cluster needed)."""
    args = ["--preset", "paper", "--executor", "slurm", "--plan", "--out", str(tmp_path / "out")]
    plan = reproduce.Plan(reproduce.build_parser().parse_args(args), args)
    return [plan.task(key) for key in ORDER if not plan.missing_data(key)]


def _by_name(arrays: list) -> dict:
    return {array.name: array for array in arrays}


def test_paper_submission_arrays_resources_commands_and_dependencies(tmp_path):
    tasks = _tasks(tmp_path)
    arrays = _by_name(submission(tasks, OPTIONS))
    sizes = {name: array.size for name, array in arrays.items()}
    assert sizes["atari-stage0"] == 9 * 2 * 10  # games x models x seeds, one array
    assert sizes["detection-stage0"] == 1  # the scattered MNIST data
    assert sizes["detection-stage1"] == 2 * 10  # conv and CoordConv x the sweep seeds
    assert sizes["gan-stage1"] == 2 * 10  # conv and CoordConv x the sweep seeds
    assert sizes["gan-stage2"] == 2 + 10  # the first seed's interpolations, every seed's entropy
    assert sum(sizes.values()) == sum(len(t.jobs) for t in tasks)
    assert not any(name.startswith(("imagenet", "lsun")) for name in arrays)  # no data given

    atari = arrays["atari-stage0"]
    assert atari.parameters == {
        "name": "coordconv-atari-stage0",
        "timeout_min": 24 * 60,
        "cpus_per_task": 16,
        "nodes": 1,
        "mem_gb": 32,
        "tasks_per_node": 1,
        "gpus_per_node": 1,
        "slurm_partition": "gpu",
        "slurm_account": "acc",
        "slurm_qos": "high",
        "slurm_array_parallelism": 32,
    }
    task = next(t for t in tasks if t.key == "atari")
    assert atari.commands() == [job.shell() for job in task.jobs]
    assert atari.commands()[0].startswith("coordconv-rl experiment --games ALE/")
    assert "gpus_per_node" not in arrays["detection-stage0"].parameters  # a CPU data job
    assert arrays["detection-stage0"].parameters["cpus_per_task"] == 2

    assert atari.after == ()
    assert arrays["detection-stage1"].after == ("detection-stage0",)
    assert arrays["gan-stage2"].after == ("gan-stage1",)
    assert "after detection-stage0" in arrays["detection-stage1"].describe()
    assert "at most 32 at once" in atari.describe()

    # --slurm-time overrides every job's time; extra sbatch options go through as they are
    timed = SlurmOptions(time_min=90, extra=parse_params(["constraint=h100"]))
    atari = _by_name(submission(tasks, timed))["atari-stage0"]
    assert atari.parameters["timeout_min"] == 90
    assert atari.parameters["slurm_additional_parameters"] == {"constraint": "h100"}
    assert "slurm_partition" not in atari.parameters


def test_finished_and_queued_jobs_are_not_submitted_again(tmp_path):
    tasks = [t for t in _tasks(tmp_path) if t.key in ("atari", "detection")]
    atari = next(t for t in tasks if t.key == "atari")
    detection = next(t for t in tasks if t.key == "detection")
    data = detection.jobs[0]
    for job in (atari.jobs[0], data):  # finished: its done file exists
        job.done.parent.mkdir(parents=True, exist_ok=True)
        job.done.write_text("{}")
    arrays = _by_name(submission(tasks, OPTIONS, skip=frozenset({atari.jobs[1].id})))
    assert arrays["atari-stage0"].size == 180 - 2
    assert "detection-stage0" not in arrays
    assert arrays["detection-stage1"].after == ()  # its data is done: nothing to wait for

    record = {"arrays": [{"tasks": {atari.jobs[2].id: "7_2", atari.jobs[3].id: "7_3"}}]}
    folder = tmp_path / "out" / "slurm" / "earlier"
    folder.mkdir(parents=True)
    (folder / slurm.SUBMITTED).write_text(json.dumps(record))
    states = {"7_2": "RUNNING", "7_3": "FAILED"}
    assert slurm.queued(tmp_path / "out", lambda ids: states) == {atari.jobs[2].id}


def test_distributed_jobs_get_one_task_per_gpu(tmp_path):
    big = Resources(cpus=10, gpus=8, nodes=2, mem_gb=480, time_min=60)
    job = Job("imagenet", "resnet50-seed0", ("coordconv-vision", "imagenet"), tmp_path / "d",
              tmp_path, resources=big, distributed=True)  # fmt: skip

    (array,) = submission([SimpleNamespace(jobs=[job])], SlurmOptions())
    assert (array.parameters["tasks_per_node"], array.parameters["nodes"]) == (8, 2)
    assert array.parameters["gpus_per_node"] == 8
    assert array.distributed


@pytest.mark.parametrize(
    ("pair", "words"),
    [
        ("constraint", "KEY=VALUE"),
        ("=h100", "KEY=VALUE"),
        ("Bad Key=1", "KEY=VALUE"),
        ("array=0-3", "this tool sets it"),
        ("partition=x", "--slurm-partition"),
    ],
)
def test_bad_slurm_param_is_one_line_and_exit_2(tmp_path, capsys, pair, words):
    out = tmp_path / "out"
    status = reproduce.main(["--executor", "slurm", "--out", str(out), "--slurm-param", pair])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1, err
    assert words in err
    assert not out.exists()


def test_slurm_flags_need_the_slurm_executor_and_a_cluster(tmp_path, capsys, monkeypatch):
    status = reproduce.main(["--out", str(tmp_path / "o"), "--slurm-partition", "gpu"])
    assert status == 2
    assert "--slurm-partition needs --executor slurm" in capsys.readouterr().err
    monkeypatch.setattr(slurm.shutil, "which", lambda cmd: None)  # not a SLURM machine
    assert reproduce.main(["--out", str(tmp_path / "o"), "--executor", "slurm"]) == 2
    assert "needs SLURM's sbatch and srun" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def _fake_sbatch(monkeypatch) -> list[str]:
    """submitit's SlurmExecutor without a cluster: ``srun`` taken as present, ``sbatch``
    replaced by ``echo`` (job ids 1001, 1002...); returns the scripts it was given."""
    from submitit.slurm.slurm import SlurmExecutor

    scripts: list[str] = []
    ids = iter(range(1001, 2000))
    original = SlurmExecutor._make_submission_file_text

    def text(self, command, uid):
        scripts.append(original(self, command, uid))
        return scripts[-1]

    monkeypatch.setattr(SlurmExecutor, "affinity", classmethod(lambda cls: 2))
    monkeypatch.setattr(SlurmExecutor, "_make_submission_file_text", text)
    monkeypatch.setattr(
        SlurmExecutor,
        "_make_submission_command",
        lambda self, path: ["echo", f"Submitted batch job {next(ids)}"],
    )
    return scripts


def test_submitit_writes_the_sbatch_scripts(tmp_path, monkeypatch):
    scripts = _fake_sbatch(monkeypatch)
    tasks = [t for t in _tasks(tmp_path) if t.key in ("atari", "detection")]
    options = SlurmOptions(partition="gpu", account="acc", array_parallelism=32, time_min=600)
    arrays = _by_name(submission(tasks, options))
    chosen = [arrays[n] for n in ("atari-stage0", "detection-stage0", "detection-stage1")]
    folder = tmp_path / "out" / "slurm" / "inv"
    record = slurm.submit(chosen, folder, "inv")

    atari, data, detect = scripts
    for line in ("--array=0-179%32", "--gpus-per-node=1", "--partition=gpu", "--account=acc",
                 "--time=600", "--cpus-per-task=16", "--mem=32GB", "--ntasks-per-node=1"):  # fmt: skip
        assert f"#SBATCH {line}\n" in atari, line
    assert "--array" not in data  # one task
    assert "--gpus-per-node" not in data  # no GPU
    assert "#SBATCH --dependency=afterok:1002\n" in detect
    assert "#SBATCH --array=0-19%20\n" in detect
    assert f"export PYTHONPATH={slurm.TOOLS}" in atari
    assert "export OMP_NUM_THREADS=16" in atari

    assert [a["job_id"] for a in record["arrays"]] == ["1001", "1002", "1003"]
    assert record["arrays"][2]["after"] == ["1002"]
    saved = json.loads((folder / slurm.SUBMITTED).read_text())
    first = chosen[0].jobs[0].id
    assert saved["arrays"][0]["tasks"][first] == "1001_0"
    assert len(saved["arrays"][0]["tasks"]) == 180


def test_local_submitit_runs_the_jobs_and_a_rerun_writes_the_report(tmp_path, monkeypatch, capsys):
    """The tiny VAE's jobs (data, two runs, two interpolations) through submitit's
    LocalExecutor, stage after stage; the rerun finds them done and writes the report."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setattr(reproduce, "cluster_problem", lambda: None)  # no sbatch needed here
    monkeypatch.setattr(
        slurm, "submit", functools.partial(slurm.submit, cluster="local", wait=True)
    )
    out = tmp_path / "out"
    argv = ["--preset", "tiny", "--only", "vae", "--device", "cpu", "--executor", "slurm"]
    argv += ["--out", str(out)]
    assert reproduce.main(argv) == 0
    printed = capsys.readouterr().out
    assert "submitted vae-stage0" in printed
    assert "vae-stage2" in printed
    assert "rerun the same command" in printed
    assert not (out / "REPORT.md").exists()
    assert (out / "vae" / "conv-seed0" / "results.json").exists()
    assert (out / "vae" / "coordconv-seed0" / "interpolation.png").exists()
    (submitted,) = (out / "slurm").glob(f"*/{slurm.SUBMITTED}")
    assert [a["size"] for a in json.loads(submitted.read_text())["arrays"]] == [1, 2, 2]

    assert reproduce.main(argv) == 0  # everything done: only the report
    printed = capsys.readouterr().out
    assert "submitted" not in printed
    report = (out / "REPORT.md").read_text()
    assert json.loads((out / "sections" / "vae.json").read_text())["status"] == "ran"
    assert "SLURM job arrays (submitit)" in report
    assert "VAE" in report


def test_a_task_fails_on_a_nonzero_exit_and_runs_once_per_job(tmp_path, monkeypatch):
    """A failed command fails the SLURM task (so ``afterok`` arrays do not start); on a
    multi-node request only the first process runs a one-process job."""
    import reproduction.jobs

    ran: list[str] = []
    status = {"value": 1}

    def run(job, invocation):
        ran.append(job.name)
        return status["value"]

    monkeypatch.setattr(reproduction.jobs, "run", run)
    job = Job("gan", "conv-seed0", ("coordconv-generative", "gan"), tmp_path / "d", tmp_path)
    with pytest.raises(slurm.JobFailed, match="gan/conv-seed0 exited with status 1"):
        slurm.task(job, "inv")
    status["value"] = 0
    assert slurm.task(job, "inv") == 0
    monkeypatch.setenv("SLURM_PROCID", "1")
    assert slurm.task(job, "inv") == 0
    assert ran == ["conv-seed0", "conv-seed0"]
