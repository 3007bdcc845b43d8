"""One training job spread over several GPUs and nodes: what each SLURM task of it runs.

A job marked ``distributed`` (ImageNet and the LSUN GAN when their resources ask for more than
one GPU in all, :func:`spans_gpus`) is submitted with one task per GPU on each of its nodes
(submitit's ``tasks_per_node = gpus``). Every task calls :func:`launch`: it reads submitit's
``JobEnvironment`` (the ``SLURM_*`` variables: job id, ``SLURM_PROCID``, ``SLURM_LOCALID``,
``SLURM_NTASKS``, ``SLURM_JOB_NUM_NODES``, ``SLURM_JOB_NODELIST``), exports the variables
``torchrun`` would set (:func:`torch_env`), and runs the job's command in-process
(:func:`reproduction.jobs.run`). The packages' trainers build their Accelerate ``Accelerator``
from those variables, so the command is the one ``torchrun --nnodes N --nproc-per-node G``
would run (coordconv-vision README, "Multi-GPU and multi-node").

Rendezvous: ``MASTER_ADDR`` is the allocation's first host, ``MASTER_PORT`` is
:func:`master_port` of the SLURM job id, so every task computes the same address without
talking to the others (a requeued job keeps its id, hence its port).

Every rank decides ``--resume`` alone (:meth:`Job.command`) before the processes meet; that is
safe because the trainers write nothing to the run directory before every process has joined
(``Run.check`` writes nothing, ``Run.open`` runs after the ``Accelerator`` is made). Only rank
0 writes ``results.json`` (``Run.finish``) and the job's timing record (``jobs.run``), whose
wall seconds are the job's and CPU seconds rank 0's alone.
"""

from __future__ import annotations

import os
import zlib

from reproduction.jobs import Job, Resources, run

# MASTER_PORT lies in [PORT_BASE, PORT_BASE + PORT_SPAN): above the well-known and registered
# ports most daemons take, below Linux's default ephemeral range (32768-60999) where outgoing
# connections pick theirs
PORT_BASE, PORT_SPAN = 20000, 12000


def spans_gpus(resources: Resources) -> bool:
    """Whether a training job with these resources runs as one process per GPU (more than one
    GPU in all, over its nodes): such a job is marked ``distributed``."""
    return resources.gpus * resources.nodes > 1


def master_port(job_id: str) -> int:
    """The rendezvous port of SLURM job ``job_id``: ``PORT_BASE + crc32(job_id) % PORT_SPAN``
    (the same on every task and every requeue of the job; two jobs sharing a first node
    collide only if their ids hash alike)."""
    return PORT_BASE + zlib.crc32(job_id.encode()) % PORT_SPAN


def torch_env(
    rank: int, local_rank: int, world: int, local_world: int, master: str, port: int
) -> dict[str, str]:
    """The environment ``torchrun`` gives a process: what torch.distributed's ``env://`` and
    Accelerate read."""
    return {
        "RANK": str(rank),
        "LOCAL_RANK": str(local_rank),
        "WORLD_SIZE": str(world),
        "LOCAL_WORLD_SIZE": str(local_world),
        "MASTER_ADDR": master,
        "MASTER_PORT": str(port),
    }


def launch(job: Job, invocation: str = "") -> int:
    """Run ``job`` as this SLURM task's rank of a distributed run; the command's exit status
    (what submitit returns for the task; rank 0's is the job's)."""
    import submitit

    task = submitit.JobEnvironment()
    env = torch_env(
        rank=task.global_rank,
        local_rank=task.local_rank,
        world=task.num_tasks,
        local_world=task.num_tasks // task.num_nodes,
        master=task.hostnames[0],
        port=master_port(str(task.job_id)),
    )
    os.environ.update(env)
    where = f"{env['MASTER_ADDR']}:{env['MASTER_PORT']}"
    print(f"  {job.id}: rank {task.global_rank} of {task.num_tasks}, master {where}", flush=True)
    return run(job, invocation)
