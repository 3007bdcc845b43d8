"""A distributed job's SLURM tasks: the torchrun environment each exports, and the rendezvous of
two local processes that run the tiny ImageNet job through :func:`reproduction.distributed.launch`
as two tasks of one SLURM job would (CPU, gloo)."""

from __future__ import annotations

import json
import os
import pickle
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from reproduction.distributed import PORT_BASE, PORT_SPAN, master_port, spans_gpus, torch_env
from reproduction.jobs import Resources
from reproduction.presets import BUDGETS
from reproduction.runner import Context
from reproduction.vision import imagenet_jobs

TOOLS = Path(__file__).resolve().parents[1]

# a SLURM task: the pickled job through launch(), each JSON file reproduction.jobs writes named
CHILD = """
import pickle, sys
import coordconv_train
from reproduction.distributed import launch
write = coordconv_train.write_json_atomic
def spy(path, data):
    print("writes", path, flush=True)
    return write(path, data)
coordconv_train.write_json_atomic = spy
with open(sys.argv[1], "rb") as f:
    job = pickle.load(f)
sys.exit(launch(job, "test-invocation"))
"""


def test_torch_env_is_what_torchrun_sets():
    assert torch_env(9, 1, 16, 8, "node-a", 23456) == {
        "RANK": "9",
        "LOCAL_RANK": "1",
        "WORLD_SIZE": "16",
        "LOCAL_WORLD_SIZE": "8",
        "MASTER_ADDR": "node-a",
        "MASTER_PORT": "23456",
    }


def test_master_port_is_the_job_ids_and_in_range():
    assert master_port("123456") == 20161  # 20000 + crc32("123456") % 12000, 158520161 % 12000
    assert master_port("123456") == master_port("123456")
    assert master_port("123456") != master_port("123457")
    assert all(PORT_BASE <= master_port(str(i)) < PORT_BASE + PORT_SPAN for i in range(500))


def test_only_jobs_over_several_gpus_are_distributed():
    assert not spans_gpus(Resources())
    assert not spans_gpus(Resources(gpus=1))
    assert spans_gpus(Resources(gpus=2))
    assert spans_gpus(Resources(gpus=1, nodes=2))


def _free_job_id() -> str:
    """A SLURM job id whose :func:`master_port` is free on this machine now."""
    for i in range(1000):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", master_port(str(4242 + i))))
            except OSError:
                continue
        return str(4242 + i)
    raise RuntimeError("no free port")


def test_two_tasks_meet_and_train_one_imagenet_run(tmp_path, image_folder):
    data = tmp_path / "imagenet"
    image_folder(data / "train", classes=3, per_class=4)
    image_folder(data / "val", classes=3, per_class=2)
    ctx = Context(
        key="imagenet",
        preset="tiny",
        budget=BUDGETS["tiny"]["imagenet"].as_dict(),
        root=tmp_path / "out",
        device="cpu",
        data_paths={"imagenet": data},
        resources=Resources(gpus=2),  # one node, two tasks
    )
    job = imagenet_jobs(ctx)[0]
    assert job.distributed
    assert not any(j.distributed for j in imagenet_jobs(replace(ctx, resources=Resources())))
    pickled = tmp_path / "job.pkl"  # as submitit hands a job to its tasks
    pickled.write_bytes(pickle.dumps(job))

    slurm = {
        "SUBMITIT_EXECUTOR": "slurm",  # what makes submitit.JobEnvironment() a SLURM one
        "SLURM_JOB_ID": _free_job_id(),
        "SLURM_NTASKS": "2",
        "SLURM_JOB_NUM_NODES": "1",
        "SLURM_NODEID": "0",
        "SLURM_JOB_NODELIST": "localhost",
    }
    base = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "MASTER_PORT")}
    path = os.pathsep.join([str(TOOLS), base.get("PYTHONPATH", "")])
    tasks = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(pickled)],
            env={
                **base,
                **slurm,
                "SLURM_PROCID": str(rank),
                "SLURM_LOCALID": str(rank),
                "PYTHONPATH": path,
                "OMP_NUM_THREADS": "1",
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for rank in (0, 1)
    ]
    outputs = [task.communicate(timeout=80)[0] for task in tasks]
    assert [task.returncode for task in tasks] == [0, 0], "\n---\n".join(o[-3000:] for o in outputs)
    port = master_port(slurm["SLURM_JOB_ID"])
    assert f"rank 1 of 2, master localhost:{port}" in outputs[1]

    results = json.loads(job.done.read_text())
    assert results["processes"] == 2
    assert results["global_batch"] == 2 * 4  # --batch-size 4 on each process
    assert sorted(p.name for p in job.done.parent.glob("results*.json")) == ["results.json"]
    assert f"writes {job.record}" in outputs[0]
    assert "writes" not in outputs[1]  # the other rank leaves the timing record to rank 0
    record = json.loads(job.record.read_text())
    assert (record["status"], record["invocation"]) == ("done", "test-invocation")
    assert record["pid"] == tasks[0].pid
