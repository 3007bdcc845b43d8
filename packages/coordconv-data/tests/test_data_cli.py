"""Smoke runs of every `coordconv-data` subcommand, in-process, plus exit status 2 on bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from coordconv_data import scattered_mnist, shapes
from coordconv_data.cli import main


def test_help_exits_zero(capsys):
    assert main(["--help"]) == 0
    assert "generate" in capsys.readouterr().out


def test_generate_info_preview_shapes_and_not_so_clevr(tmp_path, capsys):
    assert (
        main(["generate", "shapes", "--out", str(tmp_path), "--n", "12", "--seed", "4", "--quiet"])
        == 0
    )
    assert main(["generate", "not-so-clevr", "--out", str(tmp_path), "--quiet"]) == 0
    data = shapes.load(tmp_path / "shapes.npz")
    np.testing.assert_array_equal(data.images, shapes.generate(12, seed=4).images)
    assert main(["info", str(tmp_path / "shapes.npz")]) == 0
    assert "checksum OK" in capsys.readouterr().out
    for name in ("shapes", "not_so_clevr"):
        png = tmp_path / f"{name}.png"
        assert (
            main(["preview", str(tmp_path / f"{name}.npz"), "--out", str(png), "--count", "5"]) == 0
        )
        with Image.open(png) as image:
            assert image.mode == "RGB"


def test_generate_scattered_mnist_with_coco(digits, tmp_path):
    argv = [
        "generate",
        "scattered-mnist",
        "--out",
        str(tmp_path),
        "--n-train",
        "6",
        "--n-test",
        "2",
        "--quiet",
    ]
    assert main(argv) == 0
    det = scattered_mnist.load(tmp_path / "scattered_mnist.npz")
    assert (len(det.train), len(det.test)) == (6, 2)
    assert (tmp_path / "scattered_mnist_coco" / "annotations" / "instances_test.json").is_file()
    assert (
        main(
            [
                "preview",
                str(tmp_path / "scattered_mnist.npz"),
                "--out",
                str(tmp_path / "p.png"),
                "--split",
                "test",
            ]
        )
        == 0
    )


def test_existing_output_is_kept_without_overwrite(tmp_path, capsys):
    target = tmp_path / "shapes.npz"
    target.write_bytes(b"user's file")
    assert main(["generate", "shapes", "--out", str(tmp_path), "--n", "2", "--quiet"]) == 2
    assert target.read_bytes() == b"user's file"
    err = capsys.readouterr().err
    assert "exists" in err
    assert len(err.strip().splitlines()) == 1
    # issue 24: --overwrite replaces a dataset file of ours only, never a user's file
    argv = ["generate", "shapes", "--out", str(tmp_path), "--n", "2", "--quiet", "--overwrite"]
    assert main(argv) == 2
    assert target.read_bytes() == b"user's file"
    assert "not a dataset file coordconv-data wrote" in capsys.readouterr().err
    shapes.save(shapes.generate(3), target)
    assert main(argv) == 0
    assert len(shapes.load(target)) == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["generate", "mnist", "--out", "x"], "invalid choice"),
        (["generate", "shapes", "--out", "OUT", "--n", "-5"], ">= 1"),
        (["generate", "scattered-mnist", "--out", "OUT", "--n-test", "-1"], ">= 1"),
        (["generate", "scattered-mnist", "--out", "OUT", "--mnist-dir", "NOWHERE"], "--mnist-dir"),
        (["info", "OUT/absent.npz"], "no such"),
        (["preview", "OUT/absent.npz", "--out", "OUT/p.png"], "no such"),
        (["info", "OUT/absent.npz", "extra\nline"], "unrecognized arguments"),  # found by fuzz
        (["generate", "shapes", "--out", "OUT", "--seed", "-1"], "--seed must be >= 0"),  # fuzz
    ],
)
def test_bad_input_is_one_line_and_status_2(tmp_path, capsys, argv, message):
    argv = [
        a.replace("OUT", str(tmp_path)).replace("NOWHERE", str(tmp_path / "none")) for a in argv
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]
    assert not list(tmp_path.glob("*.npz"))


def test_corrupt_file_exit_status_2_in_a_subprocess(tmp_path):
    bad = tmp_path / "shapes.npz"
    shapes.save(shapes.generate(3), bad)
    bad.write_bytes(bad.read_bytes()[:100])
    cmd = [sys.executable, "-m", "coordconv_data.cli", "info", str(bad)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("coordconv-data: error:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_import_pulls_in_neither_torch_nor_coordconv_core():
    code = (
        "import sys, coordconv_data, coordconv_data.cli, coordconv_data.coco, coordconv_data.preview; "
        "assert 'torch' not in sys.modules and 'coordconv_core' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_readme_snippet_runs(digits, tmp_path, capsys):
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    snippet = readme.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(snippet.replace("/tmp/", f"{tmp_path}/"), "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "(3136, 2) (3136, 64, 64)"
    assert out[1] == "2407 729"
    assert out[-1] == "torch.Size([3, 64, 64])"
