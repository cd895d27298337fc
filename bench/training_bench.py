#!/usr/bin/env python3
"""Training throughput benchmark: our `mobilenet train-bench` against TensorFlow (Keras) and
PyTorch, all training the same MobileNet v1 on the CPU.

Run it through bench/run_training_bench.sh (pinned venv, release build of our tool). Per
configuration (alpha, input size; batch 128, 2 threads, 10 classes):

- TensorFlow: `tf.keras.applications.MobileNet(alpha, input_shape, weights=None,
  classes=10)` compiled with SGD (momentum 0.9, Nesterov) and sparse categorical
  cross-entropy; `train_on_batch` per step; intra-op threads = 2, inter-op threads = 1;
  oneDNN kernels on (TF_ENABLE_ONEDNN_OPTS=1, see worker_env).
- PyTorch: the same network as an nn.Module (the Keras layer list, TF "SAME" padding made
  explicit, ReLU6, batch norm eps 1e-3), eager, float32 channels_last, SGD (momentum 0.9, Nesterov),
  cross-entropy on the logits; torch.set_num_threads(2), one inter-op thread.
- Ours: `mobilenet train-bench --alpha A --resolution R --batch 128 --threads 2 --steps N
  --json`, which prints one JSON object with its median step time.

Inputs are one fixed random batch and random labels (synthetic: this measures compute, not
data loading). Each engine runs in its own process: warm-up steps, then N timed steps; the
median step time gives images/s. The two peers' networks are checked to be the same (number
of parameters and batch-norm statistics, and the shape of the last feature map).

This is tooling around the project only; nothing here is used by the Swift library.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_common import cpu_model, git_describe, version

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work" / "training"     # logs (git-ignored with bench/work)
RESULTS = HERE / "results"

CLASSES = 10
BATCH = 128
THREADS = 2
SEED = 20251121
LEARNING_RATE = 0.01
BN_EPSILON = 1e-3                      # Keras MobileNet's BatchNormalization epsilon
TARGET_OVER_TENSORFLOW = 2.0           # ours images/s >= 2x TensorFlow's
BUSY_WARN = 0.25                       # cores used by other processes that make a run suspect

# key -> (alpha, input size)
CONFIGS = {
    "1.0-32": (1.0, 32),
    "0.5-64": (0.5, 64),
}
ENGINES = ["ours", "tensorflow", "torch"]
ENGINE_NAMES = {"ours": "ours (mobilenet)", "tensorflow": "TensorFlow (Keras)", "torch": "PyTorch eager"}
VERSION_PACKAGES = ["tensorflow-cpu", "keras", "torch", "numpy"]

# MobileNet v1 body (Howard et al. 2017, Table 1): (pointwise filters, depthwise stride).
BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
          (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]


def worker_env(threads: int) -> dict:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["CUDA_VISIBLE_DEVICES"] = ""
    env.setdefault("KERAS_BACKEND", "tensorflow")
    # TensorFlow turns its oneDNN kernels on by default only on CPUs with AVX-512 VNNI, BF16 or
    # AMX (the Zen 4 of the figures); on an AVX2-only CPU it falls back to its Eigen
    # kernels, 3.8x slower here for this network (78 vs 298 images/s at alpha 1.0, 32x32).
    # Always on, so TensorFlow runs its fastest CPU path everywhere.
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    env["PYTHONHASHSEED"] = "0"
    # No implicit OpenMP/BLAS pool may use more threads than the engine is given.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[var] = str(threads)
    return env


def synthetic_batch(batch: int, res: int):
    import numpy as np
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((batch, res, res, 3), dtype=np.float32)
    y = rng.integers(0, CLASSES, size=batch).astype(np.int64)
    return x, y


def time_steps(step, warmup: int, steps: int) -> tuple[list[float], float]:
    """Runs `step` warmup + steps times; returns the timed steps' durations (ms) and the
    first step's (which includes graph building / first-touch costs)."""
    first = None
    for i in range(warmup):
        t0 = time.perf_counter()
        step()
        if i == 0:
            first = (time.perf_counter() - t0) * 1e3
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    return times, first if first is not None else times[0]


# --------------------------------------------------------------------------
# TensorFlow (Keras 3)
# --------------------------------------------------------------------------

def run_tensorflow(alpha, res, batch, threads, warmup, steps) -> dict:
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    keras.utils.set_random_seed(SEED)
    model = tf.keras.applications.MobileNet(alpha=alpha, input_shape=(res, res, 3), weights=None,
                                            classes=CLASSES)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE, momentum=0.9, nesterov=True),
                  loss="sparse_categorical_crossentropy")
    x, y = synthetic_batch(batch, res)
    x, y = tf.constant(x), tf.constant(y)

    def step():
        return float(model.train_on_batch(x, y))

    times, first = time_steps(step, warmup, steps)
    features = model.get_layer("conv_pw_13_relu").output.shape
    return {"times_ms": times, "first_step_ms": first,
            "parameters": int(model.count_params()),
            "features": [int(d) for d in features[1:]],
            "loss": step(),
            "details": f"Keras {keras.__version__}, jit_compile={model.jit_compile}, "
                       f"oneDNN opts {os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'default')}"}


# --------------------------------------------------------------------------
# PyTorch: the Keras network as an nn.Module
# --------------------------------------------------------------------------

def same_pads(size: int, k: int, s: int) -> tuple[int, int]:
    """TensorFlow SAME padding (before, after) along one axis."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def build_torch_mobilenet(alpha: float, res: int, classes: int):
    """MobileNet v1 exactly as keras.applications.MobileNet builds it: stem conv 3x3/2 with
    SAME padding, 13 depthwise-separable blocks (stride-2 depthwise convs zero-pad one
    row/column at the bottom/right and run VALID, stride-1 ones use SAME), BN (eps 1e-3)
    + ReLU6 after every conv, then global average pooling, dropout 1e-3, a 1x1 conv with
    bias to `classes` and a flatten (logits)."""
    from torch import nn

    layers = []
    size = res

    def conv_bn_relu(cin, cout, kernel, stride, groups):
        nonlocal size
        top, bottom = same_pads(size, kernel, stride)
        if stride == 2 and groups > 1:
            top, bottom = 0, 1                       # ZeroPadding2D(((0, 1), (0, 1))) + VALID
        if top == bottom:
            layers.append(nn.Conv2d(cin, cout, kernel, stride, padding=top, groups=groups, bias=False))
        else:
            layers.append(nn.ZeroPad2d((top, bottom, top, bottom)))
            layers.append(nn.Conv2d(cin, cout, kernel, stride, padding=0, groups=groups, bias=False))
        size = (size + top + bottom - kernel) // stride + 1
        layers.append(nn.BatchNorm2d(cout, eps=BN_EPSILON, momentum=0.01))  # Keras momentum 0.99
        layers.append(nn.ReLU6(inplace=True))

    channels = int(32 * alpha)
    conv_bn_relu(3, channels, 3, 2, 1)
    for filters, stride in BLOCKS:
        conv_bn_relu(channels, channels, 3, stride, channels)
        out = int(filters * alpha)
        conv_bn_relu(channels, out, 1, 1, 1)
        channels = out
    features = [size, size, channels]
    layers += [nn.AdaptiveAvgPool2d(1), nn.Dropout(1e-3), nn.Conv2d(channels, classes, 1, bias=True),
               nn.Flatten(1)]
    return nn.Sequential(*layers), features


def run_torch(alpha, res, batch, threads, warmup, steps) -> dict:
    import torch
    from torch import nn
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(SEED)
    model, features = build_torch_mobilenet(alpha, res, CLASSES)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=0.9, nesterov=True)
    loss_fn = nn.CrossEntropyLoss()
    x, y = synthetic_batch(batch, res)
    # channels_last (NHWC in memory): oneDNN's preferred layout for convolutions on the CPU,
    # 1.3x faster here than the default NCHW for this network.
    model = model.to(memory_format=torch.channels_last)
    x = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
    y = torch.from_numpy(y)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    times, first = time_steps(step, warmup, steps)
    # Keras counts BN moving statistics among its parameters; so do we here.
    parameters = sum(p.numel() for p in model.parameters()) + sum(
        b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked"))
    return {"times_ms": times, "first_step_ms": first, "parameters": int(parameters),
            "features": features, "loss": step(),
            "details": f"torch {torch.__version__}, channels_last, MKLDNN {torch.backends.mkldnn.is_available()}"}


def cmd_worker(args) -> int:
    run = {"tensorflow": run_tensorflow, "torch": run_torch}[args.engine]
    result = run(args.alpha, args.res, args.batch, args.threads, args.warmup, args.steps)
    result["median_step_ms"] = statistics.median(result["times_ms"])
    result["images_per_second"] = args.batch * 1e3 / result["median_step_ms"]
    print("RESULT " + json.dumps(result))
    return 0


# --------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------

def cpu_busy_seconds() -> float | None:
    """CPU seconds all CPUs spent not idle since boot (/proc/stat; steal counts as busy)."""
    try:
        with open("/proc/stat") as f:
            vals = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return (sum(vals) - vals[3] - vals[4]) / os.sysconf("SC_CLK_TCK")


def run_child(cmd, env, log: Path) -> tuple[int, float | None]:
    """Runs cmd to completion with its output in `log`; returns the exit code and how many
    cores OTHER processes kept busy meanwhile (all busy CPU time minus the child's own)."""
    busy0, t0 = cpu_busy_seconds(), time.monotonic()
    with open(log, "wb") as f:
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        _, status, ru = os.wait4(p.pid, 0)
    wall, busy1 = time.monotonic() - t0, cpu_busy_seconds()
    foreign = None
    if busy0 is not None and busy1 is not None and wall > 0:
        foreign = max(0.0, (busy1 - busy0 - ru.ru_utime - ru.ru_stime) / wall)
    return os.waitstatus_to_exitcode(status), foreign


def tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def ours_available(mobilenet: str | None) -> str | None:
    """None when our tool has `train-bench`, else why not."""
    if not mobilenet:
        return "no binary given"
    if not os.access(mobilenet, os.X_OK):
        return f"{mobilenet} is not an executable"
    h = subprocess.run([mobilenet, "train-bench", "--help"], capture_output=True, text=True)
    if h.returncode != 0 or "--resolution" not in h.stdout:
        return "`mobilenet train-bench` does not exist yet"
    return None


def run_ours(mobilenet, alpha, res, steps, log) -> dict:
    cmd = [mobilenet, "train-bench", "--alpha", f"{alpha:g}", "--resolution", str(res),
           "--batch", str(BATCH), "--threads", str(THREADS), "--steps", str(steps), "--json"]
    rc, foreign = run_child(cmd, worker_env(THREADS), log)
    if rc != 0:
        return {"error": f"exit code {rc}:\n{tail(log)}", "foreign_load": foreign}
    for line in reversed(log.read_text(errors="replace").splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                result = json.loads(line)
            except json.JSONDecodeError:
                break
            missing = {"median_step_ms", "images_per_second"} - result.keys()
            expected = {"alpha": alpha, "resolution": res, "batch": BATCH, "threads": THREADS}
            wrong = {k: result.get(k) for k, v in expected.items() if k in result and result[k] != v}
            if missing or wrong:
                return {"error": f"bad JSON (missing {sorted(missing)}, mismatched {wrong}): {line}",
                        "foreign_load": foreign}
            result["foreign_load"] = foreign
            result["details"] = " ".join(shlex.quote(c) for c in cmd[1:])
            return result
    return {"error": f"no JSON object in the output:\n{tail(log)}", "foreign_load": foreign}


def run_peer(engine, alpha, res, warmup, steps, log) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "worker", "--engine", engine,
           "--alpha", repr(alpha), "--res", str(res), "--batch", str(BATCH), "--threads", str(THREADS),
           "--warmup", str(warmup), "--steps", str(steps)]
    rc, foreign = run_child(cmd, worker_env(THREADS), log)
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
            result["foreign_load"] = foreign
            return result
    return {"error": f"exit code {rc}:\n{tail(log)}", "foreign_load": foreign}


def render(results, args, meta) -> str:
    L = [f"# MobileNet v1 training throughput — {meta['date']}", ""]
    if args.quick:
        L += ["**Quick (smoke) run: too few steps for conclusions.**", ""]
    L += [f"- CPU: {meta['cpu']}",
          f"- Command: `{meta['command']}`",
          f"- Our build: `{meta['swift_build']}`; git {meta['git']}",
          "- Peers: " + ", ".join(f"{p} {v}" for p, v in meta["versions"].items()),
          f"- Every engine: batch {BATCH}, {THREADS} threads, {CLASSES} classes, SGD momentum 0.9 "
          f"(Nesterov), synthetic inputs; {args.steps} timed steps after warm-up ({args.warmup} steps for "
          "the peers, ours chooses its own); median step time; each engine in its own process, one run.",
          "- Other load: cores kept busy by other processes while the engine ran (above "
          f"{BUSY_WARN} the numbers are suspect).",
          "",
          "| engine | config | median step (ms) | images/s | ours ÷ this (images/s) | other load (cores) |",
          "|---|---|---:|---:|---:|---:|"]
    verdicts, notes = [], []
    for key, per_engine in results.items():
        alpha, res = CONFIGS[key]
        config = f"α={alpha}, {res}x{res}"
        ours = per_engine.get("ours", {})
        ours_ips = ours.get("images_per_second")
        for engine in args.engines:
            r = per_engine.get(engine)
            if r is None:
                continue
            load = r.get("foreign_load")
            load_text = "-" if load is None else f"{load:.2f}" + (" (busy)" if load > BUSY_WARN else "")
            if "images_per_second" not in r:
                status = "not available" if "unavailable" in r else "failed"
                L.append(f"| {ENGINE_NAMES[engine]} | {config} | {status} | - | - | {load_text} |")
                if "error" in r or "unavailable" in r:
                    notes.append(f"{ENGINE_NAMES[engine]}, {config}: {r.get('error') or r['unavailable']}")
                continue
            ratio = f"{ours_ips / r['images_per_second']:.2f}" if ours_ips else "-"
            L.append(f"| {ENGINE_NAMES[engine]} | {config} | {r['median_step_ms']:.1f} | "
                     f"{r['images_per_second']:.0f} | {ratio} | {load_text} |")
            if "details" in r:
                notes.append(f"{ENGINE_NAMES[engine]}, {config}: {r['details']}"
                             + (f"; first step {r['first_step_ms']:.0f} ms" if "first_step_ms" in r else ""))
        tf = per_engine.get("tensorflow", {})
        if ours_ips and "images_per_second" in tf:
            ratio = ours_ips / tf["images_per_second"]
            verdict = "met" if ratio >= TARGET_OVER_TENSORFLOW else "NOT met"
            verdicts.append(f"- {config}: ours / TensorFlow = {ratio:.2f} (target ≥ "
                            f"{TARGET_OVER_TENSORFLOW:g}): **{verdict}**")
        elif "tensorflow" in args.engines:
            verdicts.append(f"- {config}: target (ours ≥ {TARGET_OVER_TENSORFLOW:g}× TensorFlow) not "
                            "evaluated: ours or TensorFlow has no result")
        check = per_engine.get("check")
        if check:
            notes.append(f"network check, {config}: {check}")
    L += ["", "## Target", ""] + (verdicts or ["- not evaluated (TensorFlow was not timed)"])
    L += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(L) + "\n"


def architecture_check(per_engine) -> str | None:
    """Compares the peers' networks: parameter count (with BN statistics) and last feature map."""
    tf, pt = per_engine.get("tensorflow", {}), per_engine.get("torch", {})
    if "parameters" not in tf or "parameters" not in pt:
        return None
    same = tf["parameters"] == pt["parameters"] and tf["features"] == pt["features"]
    return (f"{'same' if same else 'DIFFERENT'} networks: parameters TF {tf['parameters']:,} / "
            f"PyTorch {pt['parameters']:,}, last feature map TF {tf['features']} / PyTorch {pt['features']}")


def cmd_run(args) -> int:
    if args.quick:
        args.steps = args.steps or 10
        args.warmup = args.warmup if args.warmup is not None else 2
    args.steps = args.steps or 20
    args.warmup = 5 if args.warmup is None else args.warmup
    if args.steps < 10 or args.warmup < 1:
        raise SystemExit("error: --steps must be >= 10 and --warmup >= 1")
    keys = args.configs or list(CONFIGS)
    unknown = set(keys) - set(CONFIGS)
    if unknown:
        raise SystemExit(f"error: unknown config(s) {sorted(unknown)}; known: {', '.join(CONFIGS)}")
    args.engines = args.engines or ENGINES
    WORK.mkdir(parents=True, exist_ok=True)
    mobilenet = str(Path(args.mobilenet).resolve()) if args.mobilenet else None
    why_not = ours_available(mobilenet) if "ours" in args.engines else None
    if why_not:
        print(f"ours: not available ({why_not})")
    t_start = time.time()

    results = {}
    for key in keys:
        alpha, res = CONFIGS[key]
        per_engine = {}
        for engine in args.engines:
            log = WORK / f"{engine}_{key}.log"
            print(f"== {ENGINE_NAMES[engine]}, α={alpha:g} {res}x{res}: {args.warmup} warm-up + "
                  f"{args.steps} timed steps", flush=True)
            if engine == "ours":
                r = {"unavailable": f"not available ({why_not})"} if why_not else \
                    run_ours(mobilenet, alpha, res, args.steps, log)
            else:
                r = run_peer(engine, alpha, res, args.warmup, args.steps, log)
            if "images_per_second" in r:
                print(f"   median {r['median_step_ms']:.1f} ms/step, {r['images_per_second']:.0f} images/s")
            elif "error" in r:
                print(f"   failed: {r['error']}")
            per_engine[engine] = r
        per_engine_check = architecture_check(per_engine)
        if per_engine_check:
            print(f"   {per_engine_check}")
            per_engine["check"] = per_engine_check
        results[key] = per_engine

    now = _dt.datetime.now()
    meta = {
        "date": now.strftime("%Y-%m-%d %H:%M"),
        "command": args.command or shlex.join([sys.argv[0]] + sys.argv[1:]),
        "cpu": f"{cpu_model()}, {os.cpu_count()} logical CPUs",
        "swift_build": args.swift_build or "swift build -c release",
        "git": git_describe(),
        "versions": {p: version(p) for p in VERSION_PACKAGES},
    }
    text = render(results, args, meta)
    text += f"\nTotal wall time: {time.time() - t_start:.0f} s.\n"
    print()
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = ("-quick" if args.quick else "") + ("-partial" if args.configs or args.engines != ENGINES else "")
    out = Path(args.out) if args.out else RESULTS / f"training-{now.strftime('%Y-%m-%d')}{suffix}.md"
    out.write_text(text)
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd")

    r = sub.add_parser("run", help="the whole benchmark (default)")
    r.add_argument("--mobilenet", default=None, help="our release binary")
    r.add_argument("--steps", type=int, default=None, help="timed steps per engine (default 20, minimum 10)")
    r.add_argument("--warmup", type=int, default=None, help="warm-up steps for the peers (default 5)")
    r.add_argument("--quick", action="store_true", help="smoke check: 10 timed steps, 2 warm-up")
    r.add_argument("--configs", nargs="+", metavar="KEY", help=f"a subset of {', '.join(CONFIGS)}")
    r.add_argument("--engines", nargs="+", choices=ENGINES, help="a subset of the engines")
    r.add_argument("--out", help="report file (default bench/results/training-<date>.md)")
    r.add_argument("--command", help=argparse.SUPPRESS)
    r.add_argument("--swift-build", help=argparse.SUPPRESS)

    w = sub.add_parser("worker", help="(internal) time one peer engine in this process")
    w.add_argument("--engine", choices=["tensorflow", "torch"], required=True)
    w.add_argument("--alpha", type=float, required=True)
    w.add_argument("--res", type=int, required=True)
    w.add_argument("--batch", type=int, default=BATCH)
    w.add_argument("--threads", type=int, default=THREADS)
    w.add_argument("--warmup", type=int, default=5)
    w.add_argument("--steps", type=int, default=20)

    argv = sys.argv[1:]
    if not argv or argv[0] not in ("run", "worker", "-h", "--help"):
        argv = ["run"] + argv
    args = ap.parse_args(argv)
    return cmd_worker(args) if args.cmd == "worker" else cmd_run(args)


if __name__ == "__main__":
    sys.exit(main())
