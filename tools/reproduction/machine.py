"""Where, with what and from which commit a reproduction ran: the facts of the report header.

CPU model and cores, GPU, Python and torch versions, the git commit and whether the working
tree had uncommitted changes, and, on Linux, when the ``hatch run`` that launched us started (so
the report's wall time can include Hatch creating the environment on a fresh clone).
"""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path


def cpu_model() -> str:
    """``model name`` of /proc/cpuinfo (Linux), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def machine_line() -> str:
    """``Intel(R) Xeon(R) ..., 2 cores (x86_64), 23.4 GiB, no GPU``."""
    import torch

    parts = [cpu_model(), f"{usable_cores()} cores ({platform.machine()})"]
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        parts.append(f"{pages * size / 2**30:.1f} GiB")
    except (ValueError, OSError, AttributeError):
        pass
    if torch.cuda.is_available():
        parts.append(f"GPU {torch.cuda.get_device_name(0)} x {torch.cuda.device_count()}")
    else:
        parts.append("no GPU")
    return ", ".join(parts)


def software_line() -> str:
    import accelerate
    import torch

    return (
        f"Python {platform.python_version()}, torch {torch.__version__}, "
        f"accelerate {accelerate.__version__}, {platform.system()} {platform.release()}"
    )


def git_commit(root: Path) -> str:
    """``f22f9bf`` or ``f22f9bf + uncommitted changes``; ``not a git checkout`` otherwise."""
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=10", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return head + (" + uncommitted changes" if status.strip() else " (clean tree)")


def _start_time(pid: int) -> datetime:
    """Start time of process ``pid`` from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[19])  # field 22 of stat: starttime, clock ticks after boot
    boot = next(
        int(line.split()[1])
        for line in Path("/proc/stat").read_text().splitlines()
        if line.startswith("btime")
    )
    return datetime.fromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"), UTC)


def launcher_start() -> datetime | None:
    """When the outermost ``hatch`` process among our ancestors started (Linux), else None.

    ``hatch run reproduce`` on a fresh clone first creates the environment (minutes), then
    starts Python; this is the moment the user pressed enter.
    """
    found, pid = None, os.getppid()
    try:
        while pid > 1:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if any(Path(arg.decode(errors="replace")).name == "hatch" for arg in cmdline[:2]):
                found = _start_time(pid)
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            pid = int(fields[1])  # parent pid
    except (OSError, ValueError, IndexError, StopIteration):
        return found
    return found
