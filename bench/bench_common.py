"""Machine and software facts shared by the benchmark drivers (inference_bench.py,
training_bench.py) for their reports."""
from __future__ import annotations

import contextlib
import importlib.metadata as _md
import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cpu_model() -> str:
    """'model name' of /proc/cpuinfo, with family/model/stepping (a VM may show
    only a generic name, e.g. 'AMD EPYC')."""
    fields = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if ":" in line:
                k, v = (t.strip() for t in line.split(":", 1))
                fields.setdefault(k, v)
    if not fields:
        return platform.processor() or "unknown"
    extra = ", ".join(f"{k} {fields[k]}" for k in ("cpu family", "model", "stepping") if k in fields)
    return f"{fields.get('model name', 'unknown')} ({extra})" if extra else fields.get("model name", "unknown")


def cpu_flags() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                keep = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
                        "avx512_bf16", "amx_tile"]
                return " ".join(f for f in keep if f in flags)
    return ""


def version(pkg) -> str:
    try:
        return _md.version(pkg)
    except _md.PackageNotFoundError:
        return "not installed"


def git_describe() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "Sources", "Package.swift"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return head + (" + uncommitted changes under Sources/ or Package.swift" if dirty else "")
    except OSError:
        return "unknown"


def swift_version() -> str:
    try:
        out = subprocess.run(["swift", "--version"], capture_output=True, text=True)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError):
        return "unknown"
