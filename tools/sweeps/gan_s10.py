"""Figure S10 on the GAN seed sweep's runs: per seed, the strict and permissive rates of both
GANs (selected weights beside the final state), the entropies at matched point counts and the
Jensen-Shannon distances to the data with bootstrap intervals, and how many seeds support each
half of the paper's sentence (S7.1, fig. S10: the CoordConv GAN's coverage of space is closer to
the data's, its relative positions more collapsed).

    python tools/sweeps/gan_seeds.py --seeds 100-109 --out runs/sweeps --name quick -- <recipe>
    python tools/sweeps/gan_s10.py --seeds 100-109 --out runs/sweeps --name quick \\
        --measured packages/coordconv-generative/docs/measured/gan_s10_quick.json

For every seed whose conv and CoordConv runs ``gan_seeds.py`` logged, this runs
``coordconv-generative entropy --data <the sweep's data> --checkpoint <both runs> --n N
--repeats R`` once (``<out>/<name>/entropy-s<seed>/entropy.json``; a rerun reuses it), one
torch thread, and judges the seed with :func:`coordconv_generative.paper.s10_finding` twice:
with every source cut to the same number of strictly clean images (``matched``; tested when
both GANs clear the strict count's floor) and of images in which the permissive detector found
both objects (``matched_permissive``; tested when both clear its floor). ``--measured``
writes the per-seed numbers and the counts as a small JSON (the commands that made it
included); seeds missing from the log are listed as not run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gan_rejections import snapshot
from notsoclevr_seeds import read_log, seeds_of

from coordconv_generative.entropy import clears_floors
from coordconv_generative.paper import GAN_MODELS, drew_both, s10_finding, s10_verdict

RATES = ("clean_rate", "clean_spread_px", "detect_rate", "spread_px", "selected",
         "last_clean_rate", "last_clean_spread_px", "last_detect_rate", "last_centre_spread_px",
         "cpu_s", "steps")  # fmt: skip


def _entropy(args: argparse.Namespace, seed: int, runs: dict[str, str]) -> Path:
    """The seed's entropy.json, measured once."""
    out = args.out / args.name / f"entropy-s{seed}"
    if not (out / "entropy.json").exists():
        cmd = ["coordconv-generative", "entropy", "--data", str(args.data), "--checkpoint",
               *(runs[m] for m in GAN_MODELS), "--out", str(out), "--n", str(args.n),
               "--repeats", str(args.repeats), "--device", "cpu", "--overwrite"]  # fmt: skip
        env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        subprocess.run(cmd, env=env, check=True)
    return out / "entropy.json"


def _summary(stat: dict[str, Any]) -> dict[str, Any]:
    """A bootstrap summary without its per-repeat values (kept in the run's entropy.json)."""
    return {"mean": stat["mean"], "ci": stat["ci"]}


# entropy.json block -> the gate a seed must pass for it: both GANs clear that detector's floors
BLOCKS = {
    "matched": lambda res: drew_both(res),  # strict count, CLEAN_FLOOR
    "matched_permissive": lambda res: clears_floors(res["detect_rate"], res["centre_spread_px"]),
}


def _finding(seed: int, sources: list[dict], drew: list[bool]) -> dict[str, Any]:
    f = s10_finding(seed, sources, drew)
    return {
        "tested": f.tested,
        "coverage_closer": f.coverage_closer,
        "relative_lower": f.relative_lower,
        "js_closer": f.js_closer,
        "js_relative_further": f.js_relative_further,
        "text": f.text,
    }


def seed_record(args: argparse.Namespace, seed: int, logged: dict[str, dict]) -> dict[str, Any]:
    """One seed's numbers and its S10 findings, at counts matched by the strict detector and
    by the permissive one."""
    path = _entropy(args, seed, {m: logged[m]["run"] for m in GAN_MODELS})
    report = json.loads(path.read_text())
    results = {
        m: json.loads((Path(logged[m]["run"]) / "results.json").read_text()) for m in GAN_MODELS
    }
    runs = {m: {k: logged[m].get(k) for k in RATES} for m in GAN_MODELS}
    for m in GAN_MODELS:  # what each strict rule rejected (older results.json lack it)
        runs[m]["clean_rejections"] = (
            results[m].get("clean_rejections")
            or snapshot(Path(logged[m]["run"]) / "weights.safetensors")["clean_rejections"]
        )
    names = ["real data", *GAN_MODELS]  # entropy.json's order
    record: dict[str, Any] = {"seed": seed, "runs": runs}
    for block, gate in BLOCKS.items():
        sources = list(report[block]["sources"].values())
        record[block] = {
            name: {k: _summary(v) for k, v in src.items()}
            for name, src in zip(names, sources, strict=True)
        }
        drew = [gate(results[m]) for m in GAN_MODELS]
        record[f"finding_{block}"] = _finding(seed, sources, drew)
    record["every_detection"] = {
        name: {k: _summary(src[k]) for k in ("detect_rate", "coverage", "relative_position")}
        for name, src in zip(names, report["sources"].values(), strict=True)
    }
    return record


def tally(records: list[dict[str, Any]], block: str) -> dict[str, Any]:
    """How many seeds support each half of the sentence, judged on ``block``."""
    tested = [r[f"finding_{block}"] for r in records if r[f"finding_{block}"]["tested"]]
    counts = {key: sum(bool(f[key]) for f in tested) for key in
              ("coverage_closer", "relative_lower", "js_closer", "js_relative_further")}  # fmt: skip
    verdict = s10_verdict(
        counts["coverage_closer"], counts["relative_lower"], len(tested), len(records)
    )
    return {"tested": len(tested), "counts": counts, "verdict": verdict}


def _cell(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _interval(stat: dict[str, Any]) -> str:
    if stat["mean"] is None:
        return "—"
    return f"{stat['mean']:.3f} [{stat['ci'][0]:.3f}, {stat['ci'][1]:.3f}]"


def markdown(records: list[dict[str, Any]], block: str = "matched") -> str:
    """Two README tables: the runs (strict / permissive, selected and final) and S10 on
    ``block`` (counts matched by the strict or by the permissive detector)."""
    lines = [
        "| model | seed | clean / detected (selected) | clean spread (px) | selected | clean / "
        "detected (final state) | CPU s |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for model in GAN_MODELS:
        for r in records:
            run = r["runs"][model]
            final = (
                "same"
                if run["selected"] == "last"
                else f"{_cell(run['last_clean_rate'])} / {_cell(run['last_detect_rate'])}"
            )
            lines.append(
                f"| {model} | {r['seed']} | {_cell(run['clean_rate'])} / "
                f"{_cell(run['detect_rate'])} | {_cell(run['clean_spread_px'], 1)} | "
                f"{str(run['selected']).removeprefix('_')} | {final} | {run['cpu_s']:.0f} |"
            )
    lines += [
        "",
        "| source | seed | images matched | coverage (bits) | relative position (bits) | JS "
        "positions | JS relative |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in records:
        for name, src in r[block].items():
            js = [_interval(src[k]) if k in src else "—" for k in ("js_position", "js_relative")]
            lines.append(
                f"| {name} | {r['seed']} | {_cell(src['points']['mean'], 0)} | "
                f"{_interval(src['coverage'])} | {_interval(src['relative_position'])} | "
                f"{js[0]} | {js[1]} |"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="100-109", help="e.g. 100-109 or 100,101")
    parser.add_argument("--out", type=Path, default=Path("runs/sweeps"), help="sweep folder")
    parser.add_argument("--name", default="gan", help="the sweep's log and run-folder name")
    parser.add_argument("--data", type=Path, help="shapes .npz (default: the sweep's own)")
    parser.add_argument("--n", type=int, default=500, help="images per repeat (default: 500)")
    parser.add_argument("--repeats", type=int, default=10, help="repeats (default: 10)")
    parser.add_argument("--measured", type=Path, help="write the summary JSON here")
    parser.add_argument("--command", default="", help="the sweep's command, recorded as is")
    args = parser.parse_args()
    seeds = seeds_of(parser, args)
    if args.n < 1 or args.repeats < 2:
        parser.error("need --n >= 1 and --repeats >= 2")
    args.data = args.data or args.out / "shapes-2000" / "shapes.npz"
    if not args.data.is_file():
        parser.error(f"--data {args.data}: no such file")
    log = read_log(args.out / f"{args.name}.jsonl")
    records, missing = [], []
    for seed in seeds:
        logged = {r["model"]: r for r in log if r["seed"] == seed and r["kernel"] == "default"}
        if not all(m in logged for m in GAN_MODELS):
            missing.append(seed)
            continue
        records.append(seed_record(args, seed, logged))
        for block in BLOCKS:
            print(f"{block}: {records[-1][f'finding_{block}']['text']}", flush=True)
    tallies = {block: tally(records, block) for block in BLOCKS}
    for block, t in tallies.items():
        print(f"{block}: {t['tested']} of {len(records)} seeds tested; {t['counts']}; "
              f"{t['verdict']}")  # fmt: skip
    if missing:
        print(f"not run: seeds {', '.join(map(str, missing))}")
    for block in BLOCKS:
        print(f"\n{block}\n" + markdown(records, block))
    if args.measured is not None:
        summary = {
            "what": __doc__.splitlines()[0],
            "commands": [args.command, "python tools/sweeps/gan_s10.py " + " ".join(sys.argv[1:])],
            "n": args.n,
            "repeats": args.repeats,
            "seeds_run": [r["seed"] for r in records],
            "seeds_not_run": missing,
            "tallies": tallies,
            "seeds": records,
        }
        args.measured.parent.mkdir(parents=True, exist_ok=True)
        args.measured.write_text(json.dumps(summary, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
