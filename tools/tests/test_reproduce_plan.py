"""``tools/reproduce.py --plan`` and its cost model (``reproduction.costs``): jobs, hours and
the submission printed, nothing written."""

from __future__ import annotations

import re

import pytest
import reproduce
from reproduction import costs
from reproduction.jobs import Job, Resources
from reproduction.presets import BUDGETS


def _rows(text: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.strip()}


def test_paper_plan_on_slurm_prints_jobs_hours_and_arrays_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "new" / "paper"
    argv = ["--preset", "paper", "--plan", "--executor", "slurm", "--out", str(out)]
    assert reproduce.main([*argv, "--slurm-partition", "gpu", "--device", "cuda"]) == 0
    text = capsys.readouterr().out
    rows = _rows(text)
    assert rows["atari"][:2] == ["180", "180"]  # jobs, still to run
    cpu_h, gpu_h = (float(v.replace(",", "")) for v in rows["atari"][2:4])
    assert gpu_h == pytest.approx(180 * 10_000_000 / costs.ALE_STEPS_PER_GPU_S / 3600, rel=0.01)
    assert cpu_h == pytest.approx(16 * gpu_h, rel=0.01)  # 16 CPUs held beside each GPU
    assert rows["imagenet"][:2] == ["not", "run:"]
    assert "atari-stage0: stage 0, 180 task(s), 1 GPU, 16 CPUs" in text
    assert "detection-stage1: stage 1, 20 task(s)" in text
    assert "after detection-stage0; first: coordconv-vision detect" in text
    assert "--device cuda" in text
    assert "assumptions:" in text
    assert "images/s per GPU" in text
    assert not (tmp_path / "new").exists()


def test_plan_counts_finished_jobs_and_the_local_executor(tmp_path, capsys):
    """A rerun's plan counts only what is left; the local executor's plan says how long."""
    out = tmp_path / "quick"
    argv = ["--plan", "--only", "regression", "--out", str(out)]
    assert reproduce.main(argv) == 0
    first = capsys.readouterr().out
    assert _rows(first)["regression"][:2] == ["14", "14"]
    assert re.search(r"local: 14 job\(s\), 2 at a time on this machine: about \d+ (s|min)", first)
    assert not out.exists()

    # one finished run in a folder this tool made
    args = reproduce.build_parser().parse_args(argv)
    job = reproduce.Plan(args, argv).task("regression").jobs[0]
    job.done.parent.mkdir(parents=True)
    job.done.write_text("{}")
    (out / reproduce.MARKER).write_text('{"tool": "tools/reproduce.py", "preset": "quick"}')
    before = sorted(out.rglob("*"))
    assert reproduce.main(argv) == 0
    assert _rows(capsys.readouterr().out)["regression"][:2] == ["14", "13"]
    assert sorted(out.rglob("*")) == before


def test_rates_come_from_the_quick_preset_estimates():
    assert costs.quick_work("detection") == 5 * 2 * 4000 * 1
    assert costs.quick_rate("detection") == BUDGETS["quick"]["detection"].estimate_s / 40_000
    assert costs.quick_rate("gan") == pytest.approx(660 / (3 * 2 * 6 * 2000))


def test_cost_of_cpu_gpu_and_multi_node_jobs(tmp_path):
    def job(experiment: str, resources: Resources, work: float, distributed: bool = False) -> Job:
        return Job(experiment, "x", ("coordconv-x",), tmp_path, tmp_path, resources=resources,
                   work=work, distributed=distributed)  # fmt: skip

    rate = costs.quick_rate("gan")
    cpu = costs.cost(job("gan", Resources(cpus=2), 3600 / rate))
    assert (cpu.wall_h, cpu.cpu_h, cpu.gpu_h) == pytest.approx((1.0, 2.0, 0.0))
    gpu = costs.cost(job("gan", Resources(cpus=8, gpus=1), 3600 / rate))
    assert gpu.wall_h == pytest.approx(1 / costs.GPU_SPEEDUP["gan"])
    assert gpu.gpu_h == pytest.approx(gpu.wall_h)
    assert gpu.cpu_h == pytest.approx(8 * gpu.wall_h)
    big = Resources(cpus=10, gpus=8, nodes=2)
    epoch = costs.IMAGENET_IMAGES / costs.IMAGENET_IMAGES_PER_GPU_S / 3600  # GPU-hours
    imagenet = costs.cost(job("imagenet", big, 1, distributed=True))
    assert imagenet.gpu_h == pytest.approx(epoch)
    assert imagenet.wall_h == pytest.approx(epoch / 16)
    assert imagenet.cpu_h == pytest.approx(imagenet.wall_h * 10 * 8 * 2)  # a task per GPU
