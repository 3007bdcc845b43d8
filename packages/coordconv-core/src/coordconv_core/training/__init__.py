"""Training plumbing shared by the coordconv experiment packages (DESIGN.md section 6).

Needs the ``train`` extra (``pip install coordconv-core[train]``: safetensors, tqdm,
accelerate, numpy); the layer itself (``coordconv_core``) needs torch only.

- :mod:`.config`: config dataclasses <-> CLI flags <-> ``config.json``
- :mod:`.rundir`: run directory (config, ``metrics.jsonl``, ``results.json``), no silent overwrite
- :mod:`.checkpoint`: atomic safetensors checkpoints, truncation detected
- :mod:`.stop`: graceful SIGINT/SIGTERM
- :mod:`.device`: ``--device``, mixed precision, Accelerate, seeding, RNG state
- :mod:`.cli`: ``UserError`` -> exit status 2
"""

from coordconv_core.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from coordconv_core.training.cli import run_cli
from coordconv_core.training.config import (
    add_config_arguments,
    config_from_args,
    config_from_dict,
    config_to_dict,
)
from coordconv_core.training.device import (
    flush_denormals,
    make_accelerator,
    mixed_precision_for,
    resolve_device,
    rng_state,
    seed_everything,
    set_rng_state,
)
from coordconv_core.training.errors import UserError
from coordconv_core.training.rundir import RunDir, write_json_atomic
from coordconv_core.training.stop import GracefulStop

__all__ = [
    "CheckpointError",
    "GracefulStop",
    "RunDir",
    "UserError",
    "add_config_arguments",
    "config_from_args",
    "config_from_dict",
    "config_to_dict",
    "flush_denormals",
    "load_checkpoint",
    "make_accelerator",
    "mixed_precision_for",
    "resolve_device",
    "rng_state",
    "run_cli",
    "save_checkpoint",
    "seed_everything",
    "set_rng_state",
    "write_json_atomic",
]
