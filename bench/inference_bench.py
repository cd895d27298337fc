#!/usr/bin/env python3
"""Side-by-side MobileNet v1 inference benchmark: our `mobilenet` CLI against
TFLite (ai-edge-litert, XNNPACK), ONNX Runtime, OpenVINO and PyTorch eager.

Run it through bench/run_inference_bench.sh (pinned venv, release build of
our tool). What it does, per model (alpha, input size):

1. `prepare` (in its own process): builds ONE Keras MobileNet v1 (1000
   classes, ReLU6, batch norm with random, non-trivial statistics, seeded),
   converts it to ONE float .tflite (dynamic batch, as Keras exports it; the
   same file is timed by TFLite and by our tool), builds a PyTorch mirror with the
   identical weights (checked against Keras) and exports it to ONNX per batch
   size (static shapes) (read by ONNX Runtime and OpenVINO).
2. Correctness gate: one identical random input through every engine, each
   in its own process, and through `mobilenet run`; every engine must match
   ours within 1e-4 (absolute, softmax probabilities) or the run stops.
3. Timing: each engine in its own process per round (peak RSS per engine: its
   own VmHWM), rounds interleaved across engines, median of all timed runs.

With --int8 the same Keras models are instead fully quantized by the TFLite
converter (representative dataset, int8 input and output); the gate requires ours
to be bit-identical to TFLite's reference kernels (BUILTIN_REF), and the timing
compares ours with TFLite (XNNPACK's int8 kernels) on that same int8 .tflite.

This is tooling around the project only; nothing here is used by the Swift
library.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import io
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_common import cpu_flags, cpu_model, git_describe, swift_version, version

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"            # generated models and scratch files (git-ignored)
RESULTS = HERE / "results"

TOLERANCE = 1e-4                # max |p_engine - p_ours| over all softmax outputs
BUSY_WARN = 0.25                # cores used by other processes that make a run suspect
BN_EPSILON = 1e-3               # Keras MobileNet's BatchNormalization epsilon
CLASSES = 1000

# (alpha, input size) -> Keras seed. One model per entry, shared by all configs.
MODELS = {
    (1.0, 224): 7001,
    (0.25, 128): 7002,
}
CHECK_SEED = 424242             # correctness-gate input
TIMING_SEED = 171717            # timing input (peers; ours times its own input)


class Config:
    def __init__(self, alpha, res, batch, threads, target_kind, target):
        self.alpha, self.res, self.batch, self.threads = alpha, res, batch, threads
        self.target_kind, self.target = target_kind, target

    @property
    def model_name(self):
        return f"{self.alpha}-{self.res}"

    @property
    def name(self):
        return f"{self.alpha}-{self.res} b{self.batch} t{self.threads}"

    @property
    def key(self):
        return f"{self.alpha}-{self.res}-b{self.batch}-t{self.threads}"


# target_kind "latency": ours median / best peer median <= target.
# target_kind "throughput": ours images/s >= target x best peer images/s.
CONFIGS = [
    Config(1.0, 224, 1, 1, "latency", 0.95),
    Config(1.0, 224, 1, 2, "latency", 0.95),
    Config(0.25, 128, 1, 1, "latency", 0.90),
    Config(0.25, 128, 1, 2, "latency", 0.90),
    Config(1.0, 224, 8, 2, "throughput", 1.10),
]

# --int8: ours / TFLite (XNNPACK int8) on the same fully quantized .tflite.
INT8_CONFIGS = [
    Config(1.0, 224, 1, 1, "latency", 1.0),
    Config(1.0, 224, 1, 2, "latency", 1.0),
    Config(0.25, 128, 1, 1, "latency", 1.0),
    Config(0.25, 128, 1, 2, "latency", 1.0),
]
INT8_CALIBRATION_SEED = 515151  # representative dataset of the int8 conversion

OURS = "ours"
PEERS = ["tflite", "onnxruntime", "openvino", "torch"]
INT8_PEERS = ["tflite-int8"]
INT8_REFERENCE = "tflite-int8-ref"  # TFLite's reference kernels: the bit-exactness gate
ENGINES = [OURS] + PEERS
ENGINE_LABEL = {
    OURS: "ours (mobilenet)",
    "tflite": "TFLite (XNNPACK)",
    "onnxruntime": "ONNX Runtime",
    "openvino": "OpenVINO",
    "torch": "PyTorch eager",
    "tflite-int8": "TFLite int8 (XNNPACK)",
    INT8_REFERENCE: "TFLite int8 (reference kernels)",
}
VERSION_PACKAGES = ["tensorflow-cpu", "keras", "ai-edge-litert", "onnxruntime",
                    "openvino", "torch", "onnx", "onnxscript", "numpy", "safetensors"]


def quiet_env(threads: int | None = None) -> dict:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    env["CUDA_VISIBLE_DEVICES"] = ""
    env.setdefault("KERAS_BACKEND", "tensorflow")
    env["PYTHONHASHSEED"] = "0"
    if threads is not None:
        # No implicit OpenMP/BLAS pool may use more threads than the engine is given.
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[var] = str(threads)
    return env


def model_dir(alpha: float, res: int) -> Path:
    return WORK / f"mobilenet_v1_{alpha:g}_{res}"


def tflite_path(alpha, res) -> Path:
    return model_dir(alpha, res) / "model.tflite"


def int8_tflite_path(alpha, res) -> Path:
    return model_dir(alpha, res) / "model_int8.tflite"


def onnx_path(alpha, res, batch) -> Path:
    return model_dir(alpha, res) / f"model_b{batch}.onnx"


# --------------------------------------------------------------------------
# The PyTorch mirror: a list of layer specs (JSON) + arrays (npz), built into
# an nn.Sequential both by `prepare` (for ONNX export) and by the torch worker.
# --------------------------------------------------------------------------

def same_pads(size: int, k: int, s: int) -> tuple[int, int]:
    """TensorFlow SAME padding (before, after) along one axis."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def keras_to_spec(model):
    """Walk the (linear) Keras MobileNet and describe it layer by layer in
    PyTorch terms. Returns (spec list, arrays dict)."""
    import keras
    import numpy as np

    spec, arrays = [], {}
    prev = None
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            prev = layer
            continue
        # MobileNet v1 is a chain: every layer reads the previous one.
        inbound = layer._inbound_nodes[0].parent_nodes if hasattr(layer, "_inbound_nodes") else None
        if inbound is not None and prev is not None:
            names = [n.operation.name for n in inbound]
            assert names == [prev.name], (layer.name, names, prev.name)
        prev = layer
        shape = tuple(layer.input.shape)  # (N, H, W, C)
        cfg = layer.get_config()
        i = len(spec)
        if kind in ("Conv2D", "DepthwiseConv2D"):
            assert tuple(cfg["dilation_rate"]) == (1, 1), layer.name
            assert cfg["activation"] == "linear", layer.name
            k = np.asarray(layer.kernel, dtype=np.float32)
            kh, kw = k.shape[:2]
            sh, sw = cfg["strides"]
            if cfg["padding"] == "same":
                pt, pb = same_pads(shape[1], kh, sh)
                pl, pr = same_pads(shape[2], kw, sw)
            else:
                assert cfg["padding"] == "valid", layer.name
                pt = pb = pl = pr = 0
            if (pt, pl) != (pb, pr):
                # Asymmetric SAME (stride 2, even size): explicit zero pad, then VALID.
                spec.append({"type": "pad", "pad": [pl, pr, pt, pb], "keras": layer.name})
                pt = pb = pl = pr = 0
                i = len(spec)
            if kind == "Conv2D":
                assert cfg["groups"] == 1, layer.name
                w = k.transpose(3, 2, 0, 1)                       # HWIO -> OIHW
                groups = 1
            else:
                c, m = k.shape[2], k.shape[3]
                # [kh, kw, C, M] -> [C*M, 1, kh, kw]; TF orders outputs c*M + m.
                w = k.reshape(kh, kw, c * m).transpose(2, 0, 1)[:, None, :, :]
                groups = c
            arrays[f"{i}.weight"] = np.ascontiguousarray(w)
            has_bias = bool(cfg["use_bias"])
            if has_bias:
                arrays[f"{i}.bias"] = np.asarray(layer.bias, dtype=np.float32)
            spec.append({"type": "conv", "in": int(shape[3]), "out": int(w.shape[0]),
                         "kernel": [int(kh), int(kw)], "stride": [int(sh), int(sw)],
                         "padding": [pt, pl], "groups": int(groups), "bias": has_bias,
                         "keras": layer.name})
        elif kind == "BatchNormalization":
            assert cfg["axis"] in (-1, 3, [3], [-1]), (layer.name, cfg["axis"])
            assert abs(layer.epsilon - BN_EPSILON) < 1e-12, layer.epsilon
            for name, var in (("weight", layer.gamma), ("bias", layer.beta),
                              ("running_mean", layer.moving_mean),
                              ("running_var", layer.moving_variance)):
                arrays[f"{i}.{name}"] = np.asarray(var, dtype=np.float32)
            spec.append({"type": "bn", "channels": int(shape[3]), "eps": float(layer.epsilon),
                         "keras": layer.name})
        elif kind == "ReLU":
            assert float(cfg["max_value"]) == 6.0 and float(cfg["negative_slope"]) == 0.0 \
                and float(cfg["threshold"]) == 0.0, (layer.name, cfg)
            spec.append({"type": "relu6", "keras": layer.name})
        elif kind == "ZeroPadding2D":
            (pt, pb), (pl, pr) = cfg["padding"]
            spec.append({"type": "pad", "pad": [pl, pr, pt, pb], "keras": layer.name})
        elif kind == "GlobalAveragePooling2D":
            assert cfg.get("keepdims", False), layer.name
            spec.append({"type": "gap", "keras": layer.name})
        elif kind == "Dropout":
            continue  # identity at inference
        elif kind == "Reshape":
            assert tuple(shape[1:3]) == (1, 1) and tuple(cfg["target_shape"]) == (shape[3],), \
                (layer.name, shape, cfg["target_shape"])
            spec.append({"type": "flatten", "keras": layer.name})
        elif kind == "Activation":
            assert cfg["activation"] == "softmax", (layer.name, cfg["activation"])
            spec.append({"type": "softmax", "keras": layer.name})
        else:
            raise SystemExit(f"keras_to_spec: unhandled Keras layer {layer.name} ({kind})")
    return spec, arrays


def build_torch(spec, arrays):
    import numpy as np
    import torch
    from torch import nn

    class GlobalAvgPool(nn.Module):
        def forward(self, x):
            return x.mean(dim=(2, 3), keepdim=True)

    mods = []
    for i, s in enumerate(spec):
        t = s["type"]
        if t == "pad":
            mods.append(nn.ZeroPad2d(tuple(s["pad"])))        # (left, right, top, bottom)
        elif t == "conv":
            m = nn.Conv2d(s["in"], s["out"], tuple(s["kernel"]), stride=tuple(s["stride"]),
                          padding=tuple(s["padding"]), groups=s["groups"], bias=s["bias"])
            with torch.no_grad():
                m.weight.copy_(torch.from_numpy(np.asarray(arrays[f"{i}.weight"])))
                if s["bias"]:
                    m.bias.copy_(torch.from_numpy(np.asarray(arrays[f"{i}.bias"])))
            mods.append(m)
        elif t == "bn":
            m = nn.BatchNorm2d(s["channels"], eps=s["eps"])
            with torch.no_grad():
                for name in ("weight", "bias", "running_mean", "running_var"):
                    getattr(m, name).copy_(torch.from_numpy(np.asarray(arrays[f"{i}.{name}"])))
            mods.append(m)
        elif t == "relu6":
            mods.append(nn.ReLU6())
        elif t == "gap":
            mods.append(GlobalAvgPool())
        elif t == "flatten":
            mods.append(nn.Flatten(1))
        elif t == "softmax":
            mods.append(nn.Softmax(dim=1))
        else:
            raise ValueError(t)
    return nn.Sequential(*mods).eval()


def load_torch_mirror(alpha, res):
    import numpy as np
    d = model_dir(alpha, res)
    spec = json.loads((d / "torch_spec.json").read_text())
    with np.load(d / "torch_weights.npz") as z:
        arrays = {k: z[k] for k in z.files}
    return build_torch(spec, arrays)


# --------------------------------------------------------------------------
# prepare: Keras model -> .tflite, torch mirror, ONNX (per batch)
# --------------------------------------------------------------------------

def randomise_batchnorm(model, rng):
    import keras
    import numpy as np
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            c = layer.gamma.shape[0]
            layer.gamma.assign(rng.uniform(0.5, 1.5, c).astype(np.float32))
            layer.beta.assign(rng.normal(0.0, 0.2, c).astype(np.float32))
            layer.moving_mean.assign(rng.normal(0.0, 0.3, c).astype(np.float32))
            layer.moving_variance.assign(rng.uniform(0.5, 2.0, c).astype(np.float32))


def calibrate_conv_scale(model, calib):
    """As scripts/fixtures: one positive scalar per conv kernel so that its
    pre-BN output has std ~1 (conv_preds: logits std ~1.5), keeping Glorot's
    random directions; otherwise the random BN shifts would dominate and the
    softmax would be nearly uniform, making the correctness gate weak."""
    import keras
    import numpy as np
    for layer in model.layers:
        if not isinstance(layer, (keras.layers.Conv2D, keras.layers.DepthwiseConv2D)):
            continue
        probe = keras.Model(model.input, layer.output)
        y = np.asarray(probe(calib, training=False))
        target = 1.0
        if layer.name == "conv_preds":
            y = y - np.asarray(layer.bias)
            target = 1.5
        layer.kernel.assign(np.asarray(layer.kernel) * np.float32(target / float(y.std())))


def build_keras_model(alpha, res, seed):
    """The benchmark's seeded Keras MobileNet (random BN statistics, calibrated conv scales,
    random classifier bias). Returns (model, rng) with rng advanced past the construction, so
    every caller rebuilds exactly the same model."""
    for k, v in quiet_env().items():
        os.environ.setdefault(k, v)
    import warnings
    warnings.filterwarnings("ignore", message=".*structure of `inputs`.*")
    import numpy as np
    import tensorflow as tf
    import keras

    tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(seed)
    inp = keras.Input((res, res, 3), batch_size=None)
    model = keras.applications.MobileNet(input_tensor=inp, alpha=alpha, weights=None,
                                         include_top=True, classes=CLASSES)
    rng = np.random.default_rng(seed)
    randomise_batchnorm(model, rng)
    calib = rng.uniform(-1.0, 1.0, (8, res, res, 3)).astype(np.float32)
    calibrate_conv_scale(model, calib)
    for layer in model.layers:
        if layer.name == "conv_preds":
            layer.bias.assign(rng.normal(0.0, 0.3, layer.bias.shape[0]).astype(np.float32))
    return model, rng


def cmd_prepare_keras(args) -> int:
    """Keras model -> .tflite + the PyTorch mirror's spec/weights.
    (TensorFlow and torch's exporter each bring their own LLVM and cannot share
    a process, hence two prepare steps.)"""
    alpha, res, seed = args.alpha, args.res, args.seed
    model, rng = build_keras_model(alpha, res, seed)
    import numpy as np
    import tensorflow as tf
    out = model_dir(alpha, res)
    out.mkdir(parents=True, exist_ok=True)

    spec, arrays = keras_to_spec(model)
    (out / "torch_spec.json").write_text(json.dumps(spec, indent=0) + "\n")
    np.savez(out / "torch_weights.npz", **arrays)
    x = rng.uniform(-1.0, 1.0, (2, res, res, 3)).astype(np.float32)
    y = np.asarray(model(x, training=False), dtype=np.float32)
    np.savez(out / "keras_reference.npz", x=x, y=y)
    print(f"  [{alpha}-{res}] Keras MobileNet: {len(model.layers)} layers, "
          f"{model.count_params():,} params, seed {seed}; softmax max p={float(y.max()):.4f}, "
          f"max|p(img0) - p(img1)|={float(np.abs(y[0] - y[1]).max()):.2e}")

    # One float .tflite per model, batch dimension left dynamic as Keras exports it
    # (the reshape before the softmax is SHAPE/STRIDED_SLICE/PACK arithmetic):
    # TFLite resizes its input to the batch, ours takes --batch. (A static
    # batch-8 export is not used: ours rejects its RESHAPE [8, 1000].)
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = []
    converter.target_spec.supported_types = [tf.float32]
    with contextlib.redirect_stdout(io.StringIO()):
        tfl = converter.convert()
    path = tflite_path(alpha, res)
    path.write_bytes(tfl)
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    it = Interpreter(model_path=str(path),
                     experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    counts = {}
    for d in it._get_ops_details():
        counts[d["op_name"]] = counts.get(d["op_name"], 0) + 1
    inp = it.get_input_details()[0]
    print(f"  [{alpha}-{res}] {path.name} ({len(tfl) / 1e6:.1f} MB; input "
          f"{inp['shape_signature'].tolist()}; {', '.join(f'{k}x{v}' for k, v in counts.items())})")
    info = {"alpha": alpha, "res": res, "seed": seed, "params": int(model.count_params()),
            "tflite_ops": counts}
    (out / "keras_info.json").write_text(json.dumps(info, indent=1) + "\n")
    return 0


def cmd_prepare_torch(args) -> int:
    """PyTorch mirror (checked against Keras) -> ONNX per batch."""
    for k, v in quiet_env().items():
        os.environ.setdefault(k, v)
    import logging
    import numpy as np
    import onnx
    import torch

    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    alpha, res = args.alpha, args.res
    out = model_dir(alpha, res)
    torch.manual_seed(args.seed)
    model = load_torch_mirror(alpha, res)
    with np.load(out / "keras_reference.npz") as z:
        x, yk = z["x"], z["y"]
    with torch.inference_mode():
        yt = model(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))).numpy()
    diff = float(np.abs(yk - yt).max())
    print(f"  [{alpha}-{res}] PyTorch mirror: max|p_torch - p_keras| = {diff:.2e}")
    if not diff <= TOLERANCE:
        raise SystemExit(f"PyTorch mirror disagrees with Keras ({diff:.3g} > {TOLERANCE:g}): "
                         "the weight copy or the layer mapping is wrong")
    info = {"torch_vs_keras": diff, "onnx_ops": {}}
    for b in sorted(set(args.batches)):
        path = onnx_path(alpha, res, b)
        with contextlib.redirect_stdout(io.StringIO()):
            torch.onnx.export(model, (torch.zeros((b, 3, res, res)),), str(path),
                              input_names=["input"], output_names=["output"],
                              opset_version=18, dynamo=True, external_data=False)
        om = onnx.load(str(path))
        onnx.checker.check_model(om)
        counts = {}
        for n in om.graph.node:
            counts[n.op_type] = counts.get(n.op_type, 0) + 1
        info["onnx_ops"][str(b)] = counts
        print(f"  [{alpha}-{res}] batch {b}: {path.name} (opset "
              f"{max(o.version for o in om.opset_import if o.domain in ('', 'ai.onnx'))}; "
              f"{', '.join(f'{k}x{v}' for k, v in counts.items())})")
    (out / "torch_info.json").write_text(json.dumps(info, indent=1) + "\n")
    return 0


def int8_tflite_bytes(model, res) -> bytes:
    """The Keras model fully quantized by the TFLite converter (representative dataset seeded by
    INT8_CALIBRATION_SEED; int8 input and output). Also bench/arm/make_mobilenet_224_int8.py."""
    import numpy as np
    import tensorflow as tf
    calibration = np.random.default_rng(INT8_CALIBRATION_SEED).uniform(
        -1.0, 1.0, (16, res, res, 3)).astype(np.float32)
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([x[None]] for x in calibration)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return converter.convert()


def cmd_prepare_int8(args) -> int:
    """The same Keras model -> a fully quantized int8 .tflite (int8 input and output)."""
    alpha, res, seed = args.alpha, args.res, args.seed
    model, _ = build_keras_model(alpha, res, seed)
    out = model_dir(alpha, res)
    out.mkdir(parents=True, exist_ok=True)
    tfl = int8_tflite_bytes(model, res)
    path = int8_tflite_path(alpha, res)
    path.write_bytes(tfl)
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    it = Interpreter(model_path=str(path),
                     experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    counts = {}
    for d in it._get_ops_details():
        counts[d["op_name"]] = counts.get(d["op_name"], 0) + 1
    inp = it.get_input_details()[0]
    print(f"  [{alpha}-{res}] {path.name} ({len(tfl) / 1e6:.1f} MB; int8 input "
          f"{inp['shape_signature'].tolist()}, scale {inp['quantization'][0]:.6g}, zero point "
          f"{inp['quantization'][1]}; {', '.join(f'{k}x{v}' for k, v in counts.items())})")
    return 0


def quantize_input(x, alpha, res):
    """Float NHWC input quantized with the int8 model's input scale and zero point (round
    half away from zero, as TFLite's QUANTIZE)."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    it = Interpreter(model_path=str(int8_tflite_path(alpha, res)),
                     experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    scale, zero_point = it.get_input_details()[0]["quantization"]
    q = np.sign(x / scale) * np.floor(np.abs(x / scale) + 0.5) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


# --------------------------------------------------------------------------
# worker: one engine, one model, in its own process
# --------------------------------------------------------------------------

def make_engine(engine, alpha, res, batch, threads):
    """Returns (run(x) -> np.ndarray, layout 'NHWC'|'NCHW', info dict)."""
    import numpy as np
    info = {}
    if engine in ("tflite-int8", INT8_REFERENCE):
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
        resolver = (OpResolverType.BUILTIN_REF if engine == INT8_REFERENCE
                    else OpResolverType.AUTO)
        it = Interpreter(model_path=str(int8_tflite_path(alpha, res)), num_threads=threads,
                         experimental_op_resolver_type=resolver)
        i_det = it.get_input_details()[0]
        want = [batch, res, res, 3]
        if i_det["shape"].tolist() != want:
            it.resize_tensor_input(i_det["index"], want, strict=False)
        it.allocate_tensors()
        ops = [d["op_name"] for d in it._get_ops_details()]
        info["XNNPACK partitions"] = ops.count("DELEGATE")
        i_idx = it.get_input_details()[0]["index"]
        o_idx = it.get_output_details()[0]["index"]

        def run(x):
            it.set_tensor(i_idx, x)
            it.invoke()
            return it.get_tensor(o_idx)
        return run, "NHWC", info
    if engine == "tflite":
        from ai_edge_litert.interpreter import Interpreter
        it = Interpreter(model_path=str(tflite_path(alpha, res)), num_threads=threads)
        i_det = it.get_input_details()[0]
        want = [batch, res, res, 3]
        if i_det["shape"].tolist() != want:
            it.resize_tensor_input(i_det["index"], want, strict=False)
        it.allocate_tensors()
        ops = [d["op_name"] for d in it._get_ops_details()]
        info["XNNPACK partitions"] = ops.count("DELEGATE")
        i_idx = it.get_input_details()[0]["index"]
        o_idx = it.get_output_details()[0]["index"]

        def run(x):
            it.set_tensor(i_idx, x)
            it.invoke()
            return it.get_tensor(o_idx)
        return run, "NHWC", info
    if engine == "onnxruntime":
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(str(onnx_path(alpha, res, batch)), so,
                                    providers=["CPUExecutionProvider"])
        info["providers"] = sess.get_providers()
        name = sess.get_inputs()[0].name

        def run(x):
            return sess.run(None, {name: x})[0]
        return run, "NCHW", info
    if engine == "openvino":
        import openvino as ov
        core = ov.Core()
        m = core.read_model(str(onnx_path(alpha, res, batch)))
        cm = core.compile_model(m, "CPU", {"INFERENCE_NUM_THREADS": threads,
                                           "PERFORMANCE_HINT": "LATENCY",
                                           # fp32 like every other engine (Zen 4 has
                                           # AVX512-BF16, so never let it pick bf16).
                                           "INFERENCE_PRECISION_HINT": "f32"})
        for prop in ("INFERENCE_NUM_THREADS", "PERFORMANCE_HINT", "INFERENCE_PRECISION_HINT",
                     "NUM_STREAMS"):
            with contextlib.suppress(Exception):
                v = cm.get_property(prop)
                info[prop] = v.get_type_name() if hasattr(v, "get_type_name") else str(v)
        req = cm.create_infer_request()

        def run(x):
            req.infer({0: x})
            return req.get_output_tensor(0).data
        return run, "NCHW", info
    if engine == "torch":
        import torch
        torch.set_num_threads(threads)
        torch.set_num_interop_threads(1)
        model = load_torch_mirror(alpha, res)
        info["num_threads"] = torch.get_num_threads()

        def run(x):
            with torch.inference_mode():
                return model(torch.from_numpy(x)).numpy()
        return run, "NCHW", info
    raise SystemExit(f"unknown engine {engine}")


def cmd_worker(args) -> int:
    import numpy as np
    run, layout, info = make_engine(args.engine, args.alpha, args.res, args.batch, args.threads)
    x = np.load(args.input)                      # NHWC float32
    if layout == "NCHW":
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    result = {"engine": args.engine, "info": info}
    if args.output:
        np.save(args.output, np.array(run(x), dtype=np.float32, copy=True))
    if args.runs > 0:
        for _ in range(args.warmup):
            run(x)
        samples = []
        clock = time.perf_counter_ns
        for _ in range(args.runs):
            t = clock()
            run(x)
            samples.append((clock() - t) / 1e6)
        result["samples_ms"] = samples
    Path(args.result).write_text(json.dumps(result))
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


def wait_for_idle(max_seconds: float) -> None:
    """Up to max_seconds, wait until other processes use < BUSY_WARN cores
    over a 1 s window (nothing of ours runs while this is called)."""
    deadline = time.monotonic() + max_seconds
    while time.monotonic() < deadline:
        b0 = cpu_busy_seconds()
        time.sleep(1.0)
        b1 = cpu_busy_seconds()
        if b0 is None or b1 is None or b1 - b0 < BUSY_WARN:
            return


# Per child: CPU cores used by OTHER processes while it ran (machine noise).
FOREIGN_LOAD: dict[str, float] = {}


def vm_hwm_mb(pid: int) -> float:
    """The process's own peak RSS (VmHWM of /proc/PID/status) in MB; 0 when unreadable."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def run_child(cmd, env, log: Path) -> tuple[int, float]:
    """Runs cmd to completion; returns (exit code, peak RSS in MB of that child).
    The peak is the child's own high-water mark (VmHWM), polled every 20 ms until it
    exits: wait4's ru_maxrss would not do, as Linux carries the forking process's
    peak over exec, so every child would report at least this Python driver's RSS
    (~57 MB here, more than ours). Falls back to ru_maxrss where /proc is missing.
    Also records in FOREIGN_LOAD how many cores other processes kept busy meanwhile
    (all busy CPU time minus the child's own, over its wall time)."""
    busy0, t0 = cpu_busy_seconds(), time.monotonic()
    peak = 0.0
    with open(log, "wb") as f:
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid != 0:
                break
            peak = max(peak, vm_hwm_mb(p.pid))
            time.sleep(0.02)
        p.returncode = os.waitstatus_to_exitcode(status)
    wall, busy1 = time.monotonic() - t0, cpu_busy_seconds()
    if busy0 is not None and busy1 is not None and wall > 0:
        FOREIGN_LOAD[str(log)] = max(0.0, (busy1 - busy0 - ru.ru_utime - ru.ru_stime) / wall)
    return p.returncode, peak if peak > 0 else ru.ru_maxrss / 1024.0


def fail(msg: str, log: Path | None = None):
    if log is not None and log.exists():
        tail = log.read_text(errors="replace").splitlines()[-25:]
        msg += "\n--- last lines of " + str(log) + " ---\n" + "\n".join(tail)
    raise SystemExit("error: " + msg)


def bench_has_warmup_flag(mobilenet: str) -> bool:
    h = subprocess.run([mobilenet, "bench", "--help"], capture_output=True, text=True)
    return "--warmup" in h.stdout


def worker_cmd(engine, cfg, inp, result, runs=0, warmup=0, output=None):
    cmd = [sys.executable, str(Path(__file__).resolve()), "worker", "--engine", engine,
           "--alpha", repr(cfg.alpha), "--res", str(cfg.res), "--batch", str(cfg.batch),
           "--threads", str(cfg.threads), "--input", str(inp), "--result", str(result),
           "--runs", str(runs), "--warmup", str(warmup)]
    if output:
        cmd += ["--output", str(output)]
    return cmd


def correctness_gate(cfg, mobilenet, scratch) -> dict:
    import numpy as np
    from safetensors.numpy import load_file, save_file
    rng = np.random.default_rng(CHECK_SEED + cfg.batch)
    x = rng.uniform(-1.0, 1.0, (cfg.batch, cfg.res, cfg.res, 3)).astype(np.float32)
    npy = scratch / f"check_{cfg.key}.npy"
    np.save(npy, x)
    st_in = scratch / f"check_{cfg.key}_in.safetensors"
    st_out = scratch / f"check_{cfg.key}_out.safetensors"
    save_file({"input": x}, str(st_in))
    st_out.unlink(missing_ok=True)
    log = scratch / f"check_{cfg.key}_ours.log"
    cmd = [mobilenet, "run", "--model", str(tflite_path(cfg.alpha, cfg.res)),
           "--input", str(st_in), "--output", str(st_out), "--threads", str(cfg.threads)]
    rc, _ = run_child(cmd, quiet_env(), log)
    if rc != 0:
        fail(f"`{shlex.join(cmd)}` exited with {rc}", log)
    ours = load_file(str(st_out))["output"].reshape(cfg.batch, -1)
    if ours.shape != (cfg.batch, CLASSES):
        fail(f"ours: output shape {ours.shape}, expected {(cfg.batch, CLASSES)}")
    diffs = {}
    for engine in PEERS:
        out = scratch / f"check_{cfg.key}_{engine}.npy"
        res = scratch / f"check_{cfg.key}_{engine}.json"
        log = scratch / f"check_{cfg.key}_{engine}.log"
        out.unlink(missing_ok=True)
        res.unlink(missing_ok=True)
        rc, _ = run_child(worker_cmd(engine, cfg, npy, res, output=out),
                          quiet_env(cfg.threads), log)
        if rc != 0:
            fail(f"{engine} (correctness run, {cfg.name}) exited with {rc}", log)
        y = np.load(out).reshape(cfg.batch, -1)
        d = float(np.abs(y - ours).max())
        same_top1 = bool((y.argmax(1) == ours.argmax(1)).all())
        diffs[engine] = {"max_abs_diff": d, "same_top1": same_top1}
        if not d <= TOLERANCE:
            raise SystemExit(
                f"error: correctness gate failed for {cfg.name}: {ENGINE_LABEL[engine]} differs "
                f"from ours by {d:.3g} (> {TOLERANCE:g}) on the same input "
                f"(top-1 {'agrees' if same_top1 else 'DISAGREES'}). The engines are not running "
                "the same model (weight copy, padding or layout); no timing is reported.")
    print(f"  {cfg.name:>15}: max|p - p_ours|  " + "  ".join(
        f"{e}={v['max_abs_diff']:.1e}" for e, v in diffs.items())
        + f"  (softmax max p={float(ours.max()):.4f}, top-1 {ours.argmax(1).tolist()[:8]})")
    return {"diffs": diffs, "ours_max_p": float(ours.max())}


def time_config(cfg, mobilenet, scratch, args, warmup_flag, peers=PEERS, int8=False) -> dict:
    """Times ours and `peers` on cfg, interleaved; int8=True times the int8 .tflite on an
    int8 input (the float rows are the default)."""
    import numpy as np
    engines = [OURS] + peers
    rng = np.random.default_rng(TIMING_SEED + cfg.batch)
    x = rng.uniform(-1.0, 1.0, (cfg.batch, cfg.res, cfg.res, 3)).astype(np.float32)
    if int8:
        x = quantize_input(x, cfg.alpha, cfg.res)
    tag = "time_int8" if int8 else "time"
    model = int8_tflite_path(cfg.alpha, cfg.res) if int8 else tflite_path(cfg.alpha, cfg.res)
    npy = scratch / f"{tag}_{cfg.key}.npy"
    np.save(npy, x)
    per_round = max(1, math.ceil(args.runs / args.rounds))
    samples = {e: [] for e in peers}
    round_medians = {e: [] for e in engines}
    rss = {e: 0.0 for e in engines}
    load = {e: [] for e in engines}
    info = {}
    for r in range(args.rounds):
        order = engines[r % len(engines):] + engines[:r % len(engines)]
        for engine in order:
            log = scratch / f"{tag}_{cfg.key}_{engine}_r{r}.log"
            if args.wait_idle > 0:
                wait_for_idle(args.wait_idle)
            if engine == OURS:
                cmd = [mobilenet, "bench", "--model", str(model),
                       "--batch", str(cfg.batch), "--threads", str(cfg.threads),
                       "--runs", str(per_round), "--json"]
                if warmup_flag:
                    cmd += ["--warmup", str(args.warmup)]
                rc, peak = run_child(cmd, quiet_env(), log)
                if rc != 0:
                    fail(f"`{shlex.join(cmd)}` exited with {rc}", log)
                lines = [l for l in log.read_text().splitlines() if l.strip().startswith("{")]
                if not lines:
                    fail("`mobilenet bench --json` printed no JSON", log)
                result = json.loads(lines[-1])
                round_medians[OURS].append(float(result["median_ms"]))
                if result.get("kernels"):
                    info[OURS] = {"kernels": result["kernels"]}
                    if r == 0:
                        print(f"  {cfg.name:>15}: ours runs kernels {', '.join(result['kernels'])}")
            else:
                res = scratch / f"{tag}_{cfg.key}_{engine}_r{r}.json"
                res.unlink(missing_ok=True)
                rc, peak = run_child(worker_cmd(engine, cfg, npy, res, per_round, args.warmup),
                                     quiet_env(cfg.threads), log)
                if rc != 0:
                    fail(f"{engine} ({cfg.name}, round {r + 1}) exited with {rc}", log)
                out = json.loads(res.read_text())
                samples[engine] += out["samples_ms"]
                round_medians[engine].append(statistics.median(out["samples_ms"]))
                info[engine] = out["info"]
            rss[engine] = max(rss[engine], peak)
            if str(log) in FOREIGN_LOAD:
                load[engine].append(FOREIGN_LOAD[str(log)])
    med = {OURS: statistics.median(round_medians[OURS])}
    for e in peers:
        med[e] = statistics.median(samples[e])
    line = "  ".join(f"{e}={med[e]:.2f}" for e in engines)
    all_load = [v for e in engines for v in load[e]]
    max_load = max(all_load) if all_load else 0.0
    print(f"  {cfg.name:>15}: median ms  {line}  (other processes: up to {max_load:.2f} cores busy)")
    return {"median_ms": med, "round_medians_ms": round_medians, "rss_mb": rss,
            "per_round": per_round, "engine_info": info, "foreign_load": load}


def correctness_gate_int8(cfg, mobilenet, scratch) -> dict:
    """One int8 input through ours (`mobilenet run --raw`) and TFLite's reference kernels: the
    outputs must be identical. TFLite's XNNPACK int8 output is compared for information (its
    requantization is float-based, so it may differ by a step)."""
    import numpy as np
    from safetensors.numpy import load_file, save_file
    rng = np.random.default_rng(CHECK_SEED + cfg.batch)
    x = quantize_input(rng.uniform(-1.0, 1.0, (cfg.batch, cfg.res, cfg.res, 3)).astype(np.float32),
                       cfg.alpha, cfg.res)
    npy = scratch / f"check_int8_{cfg.key}.npy"
    np.save(npy, x)
    st_in = scratch / f"check_int8_{cfg.key}_in.safetensors"
    st_out = scratch / f"check_int8_{cfg.key}_out.safetensors"
    save_file({"input": x}, str(st_in))
    st_out.unlink(missing_ok=True)
    log = scratch / f"check_int8_{cfg.key}_ours.log"
    cmd = [mobilenet, "run", "--model", str(int8_tflite_path(cfg.alpha, cfg.res)), "--raw",
           "--input", str(st_in), "--output", str(st_out), "--threads", str(cfg.threads)]
    rc, _ = run_child(cmd, quiet_env(), log)
    if rc != 0:
        fail(f"`{shlex.join(cmd)}` exited with {rc}", log)
    ours = load_file(str(st_out))["output"].reshape(cfg.batch, -1).astype(np.int32)
    result = {}
    for engine in [INT8_REFERENCE] + INT8_PEERS:
        out = scratch / f"check_int8_{cfg.key}_{engine}.npy"
        res = scratch / f"check_int8_{cfg.key}_{engine}.json"
        log = scratch / f"check_int8_{cfg.key}_{engine}.log"
        out.unlink(missing_ok=True)
        rc, _ = run_child(worker_cmd(engine, cfg, npy, res, output=out), quiet_env(cfg.threads), log)
        if rc != 0:
            fail(f"{engine} (correctness run, {cfg.name}) exited with {rc}", log)
        y = np.load(out).reshape(cfg.batch, -1).astype(np.int32)
        result[engine] = {"differing": int((y != ours).sum()), "max_step": int(np.abs(y - ours).max()),
                          "same_top1": bool((y.argmax(1) == ours.argmax(1)).all())}
    ref = result[INT8_REFERENCE]
    if ref["differing"] != 0:
        raise SystemExit(f"error: int8 bit-exactness gate failed for {cfg.name}: {ref['differing']} "
                         f"of {ours.size} outputs differ from TFLite's reference kernels (by up to "
                         f"{ref['max_step']}); no timing is reported.")
    print(f"  {cfg.name:>15}: int8 outputs identical to TFLite's reference kernels; XNNPACK int8 "
          f"differs in {result['tflite-int8']['differing']} of {ours.size} (by up to "
          f"{result['tflite-int8']['max_step']} steps)")
    return result


def render_int8(cfgs, checks, timings, args, meta) -> str:
    engines = [OURS] + INT8_PEERS
    L = [f"# MobileNet v1 int8 inference benchmark — {meta['date']}", ""]
    if args.quick:
        L += ["**Quick (smoke) run: too few runs for conclusions.**", ""]
    loads = [v for cfg in cfgs for e in engines for v in timings[cfg.key]["foreign_load"][e]]
    worst = max(loads) if loads else 0.0
    if worst > BUSY_WARN:
        L += [f"**Warning: other processes kept up to {worst:.2f} of {os.cpu_count()} cores busy "
              "while engines were timed; numbers from such rounds, especially with 2 threads, "
              "are not trustworthy. Re-run on an idle machine.**", ""]
    L.append(f"- Command: `{meta['command']}`")
    L.append(f"- CPU: {meta['cpu']}; {os.cpu_count()} logical CPUs; SIMD flags: {meta['flags']}")
    L.append(f"- ours: `mobilenet` built with `{meta['swift_build']}`; {meta['swift']}; commit {meta['git']}")
    L.append(f"- TFLite: ai-edge-litert {meta['versions']['ai-edge-litert']} (XNNPACK, its default "
             f"delegate); model made by tensorflow-cpu {meta['versions']['tensorflow-cpu']}")
    L.append("- Same model: each seeded Keras MobileNet of the float benchmark, fully quantized by "
             "the TFLite converter (16 random calibration images, per-channel int8 weights, int8 "
             "activations, int8 input and output). Input: random, quantized with the model's "
             "input scale and zero point.")
    L.append(f"- Timing: {args.rounds} interleaved rounds x {meta['per_round']} timed runs per "
             f"engine (total {args.rounds * meta['per_round']}), fresh process per round, "
             f"{args.warmup} warm-up runs; TFLite: median of all runs; ours: median of the "
             "per-round medians of `mobilenet bench --json`.")
    L += ["", "## Bit-exactness gate", "",
          "| config | ours vs TFLite reference kernels | ours vs TFLite XNNPACK int8 |",
          "|---|---|---|"]
    for cfg in cfgs:
        c = checks[cfg.key]
        x = c["tflite-int8"]
        L.append(f"| {cfg.name} | identical | {x['differing']} outputs differ, by up to "
                 f"{x['max_step']} step(s); top-1 {'agrees' if x['same_top1'] else 'DIFFERS'} |")
    L += ["", "## Timing", "",
          "| config | engine | threads | median ms | images/s | ours / TFLite int8 | target |",
          "|---|---|---:|---:|---:|---:|---|"]
    for cfg in cfgs:
        med = timings[cfg.key]["median_ms"]
        ratio = med[OURS] / med["tflite-int8"]
        for e in engines:
            verdict = ""
            if e == OURS:
                verdict = f"≤ {cfg.target:.2f}: {'met' if ratio <= cfg.target else 'NOT met'}"
            L.append(f"| {cfg.name} | {ENGINE_LABEL[e]} | {cfg.threads} | {med[e]:.2f} | "
                     f"{cfg.batch * 1000 / med[e]:.1f} | {f'{ratio:.2f}' if e == OURS else ''} | {verdict} |")
    L += ["", "## Per-round medians (ms) and machine load (cores busy with other processes)", "",
          "| config | " + " | ".join(ENGINE_LABEL[e] for e in engines) + " | load |",
          "|---|" + "---|" * len(engines) + "---|"]
    for cfg in cfgs:
        t = timings[cfg.key]
        fl = [v for e in engines for v in t["foreign_load"][e]]
        L.append(f"| {cfg.name} | " + " | ".join(" / ".join(f"{v:.2f}" for v in t["round_medians_ms"][e])
                                                 for e in engines)
                 + f" | up to {max(fl) if fl else 0:.2f} |")
    L.append("")
    return "\n".join(L)


def cmd_run_int8(args, mobilenet, scratch, t_start) -> int:
    cfgs = INT8_CONFIGS
    if args.configs:
        wanted = set(args.configs)
        cfgs = [c for c in INT8_CONFIGS if c.key in wanted]
        unknown = wanted - {c.key for c in INT8_CONFIGS}
        if unknown:
            raise SystemExit(f"error: unknown int8 config(s) {sorted(unknown)}; known: "
                             + ", ".join(c.key for c in INT8_CONFIGS))
    print("== preparing int8 models (Keras -> fully quantized .tflite)")
    for (alpha, res), seed in MODELS.items():
        if not any((c.alpha, c.res) == (alpha, res) for c in cfgs):
            continue
        log = scratch / f"prepare-int8_{alpha:g}_{res}.log"
        cmd = [sys.executable, str(Path(__file__).resolve()), "prepare-int8", "--alpha", repr(alpha),
               "--res", str(res), "--seed", str(seed), "--batches", "1"]
        rc, _ = run_child(cmd, quiet_env(), log)
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("  ["):
                print(line)
        if rc != 0:
            fail(f"prepare-int8 for the {alpha:g}-{res} model failed ({rc})", log)
    print("== int8 bit-exactness gate (ours vs TFLite's reference kernels)")
    checks = {cfg.key: correctness_gate_int8(cfg, mobilenet, scratch) for cfg in cfgs}
    warmup_flag = bench_has_warmup_flag(mobilenet)
    per_round = max(1, math.ceil(args.runs / args.rounds))
    print(f"== int8 timing: {args.rounds} rounds x {per_round} runs, {args.warmup} warm-up runs")
    timings = {cfg.key: time_config(cfg, mobilenet, scratch, args, warmup_flag,
                                    peers=INT8_PEERS, int8=True) for cfg in cfgs}
    now = _dt.datetime.now()
    meta = {
        "date": now.strftime("%Y-%m-%d %H:%M"),
        "command": args.command or shlex.join([sys.argv[0]] + sys.argv[1:]),
        "cpu": cpu_model(), "flags": cpu_flags(),
        "swift_build": args.swift_build or "swift build -c release",
        "swift": swift_version(), "git": git_describe(),
        "versions": {p: version(p) for p in VERSION_PACKAGES},
        "per_round": per_round,
    }
    text = render_int8(cfgs, checks, timings, args, meta)
    text += f"\nTotal wall time: {time.time() - t_start:.0f} s.\n"
    print()
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = ("-quick" if args.quick else "") + ("-partial" if args.configs else "")
    out = Path(args.out) if args.out else RESULTS / f"inference-int8-{now.strftime('%Y-%m-%d')}{suffix}.md"
    out.write_text(text)
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


def baseline_rss(scratch) -> float:
    """Peak RSS of a bare `python -c 'import numpy'`: the floor under every
    Python peer's number."""
    rc, peak = run_child([sys.executable, "-c", "import numpy; numpy.zeros(1)"], quiet_env(1),
                         scratch / "baseline.log")
    return peak


def render(cfgs, checks, timings, args, meta) -> str:
    L = []
    L.append(f"# MobileNet v1 inference benchmark — {meta['date']}")
    L.append("")
    if args.quick:
        L.append("**Quick (smoke) run: too few runs for conclusions.**")
        L.append("")
    loads = [v for cfg in cfgs for e in ENGINES for v in timings[cfg.key]["foreign_load"][e]]
    worst = max(loads) if loads else 0.0
    if worst > BUSY_WARN:
        L.append(f"**Warning: other processes kept up to {worst:.2f} of {os.cpu_count()} cores busy "
                 "while engines were timed (see 'Machine load'); numbers from such rounds, "
                 "especially with 2 threads, are not trustworthy. Re-run on an idle machine.**")
        L.append("")
    L.append(f"- Command: `{meta['command']}`")
    L.append(f"- CPU: {meta['cpu']}; {os.cpu_count()} logical CPUs; SIMD flags: {meta['flags']}")
    L.append(f"- OS: {platform.platform()}; Python {platform.python_version()}")
    L.append(f"- ours: `mobilenet` built with `{meta['swift_build']}`"
             + (f" (MOBILENET_TARGET_CPU={meta['target_cpu']})" if meta['target_cpu'] else "")
             + f"; {meta['swift']}; commit {meta['git']}")
    L.append("- Engines: " + ", ".join(f"{p} {meta['versions'][p]}" for p in VERSION_PACKAGES))
    L.append(f"- Timing: {args.rounds} interleaved rounds x {meta['per_round']} timed runs "
             f"per engine and config (total {args.rounds * meta['per_round']}), each round a fresh "
             f"process with {args.warmup} warm-up runs (ours: "
             + ("`--warmup` passed" if meta["warmup_flag"] else
                "`mobilenet bench` does its own warm-up, max(3, runs/10)")
             + "). Peers: median of all timed runs; ours: median of the per-round medians "
             "printed by `mobilenet bench --json` (it reports no single samples).")
    L.append("- Same model everywhere: one seeded Keras MobileNet v1 per (α, size) → one float "
             ".tflite (dynamic batch; TFLite and ours); PyTorch mirror with the same weights → "
             "ONNX with static shapes per batch "
             "(ONNX Runtime, OpenVINO). fp32 everywhere. Peak RSS = max over rounds of the "
             "engine's own process (its VmHWM, polled); Python peers include the interpreter "
             f"(bare `python -c 'import numpy'`: {meta['baseline_rss']:.0f} MB).")
    L.append("")
    L.append(f"## Correctness gate (max |p_engine − p_ours| over softmax outputs, limit {TOLERANCE:g})")
    L.append("")
    L.append("| config | " + " | ".join(ENGINE_LABEL[e] for e in PEERS) + " | top-1 agrees |")
    L.append("|---|" + "---:|" * len(PEERS) + "---|")
    for cfg in cfgs:
        c = checks[cfg.key]["diffs"]
        L.append(f"| {cfg.name} | " + " | ".join(f"{c[e]['max_abs_diff']:.1e}" for e in PEERS)
                 + f" | {'yes' if all(c[e]['same_top1'] for e in PEERS) else 'NO'} |")
    L.append("")
    L.append("## Timing")
    L.append("")
    L.append("ratio = engine median / ours (> 1: we are faster); ours/best = our median / best "
             "peer's median (< 1: we are faster).")
    L.append("")
    L.append("| config | engine | threads | batch | median ms | images/s | ratio | ours/best peer | peak RSS MB |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    summary = []
    for cfg in cfgs:
        t = timings[cfg.key]
        med = t["median_ms"]
        ours = med[OURS]
        best = min(PEERS, key=lambda e: med[e])
        ob = ours / med[best]
        for e in ENGINES:
            L.append(f"| {cfg.name} | {ENGINE_LABEL[e]} | {cfg.threads} | {cfg.batch} | "
                     f"{med[e]:.2f} | {cfg.batch * 1000 / med[e]:.1f} | {med[e] / ours:.2f} | "
                     f"{f'{ob:.2f}' if e == OURS else ''} | {t['rss_mb'][e]:.0f} |")
        if cfg.target_kind == "latency":
            ok = ob <= cfg.target
            summary.append(f"- {cfg.name}: ours / best peer ({ENGINE_LABEL[best]}) = {ob:.2f} "
                           f"(target ≤ {cfg.target:.2f}) — {'met' if ok else 'NOT met'}")
        else:
            ips = 1 / ob
            ok = ips >= cfg.target
            summary.append(f"- {cfg.name}: ours / best peer ({ENGINE_LABEL[best]}) = {ob:.2f}; "
                           f"images/s ours {cfg.batch * 1000 / ours:.1f} vs "
                           f"{cfg.batch * 1000 / med[best]:.1f} = {ips:.2f}x "
                           f"(target ≥ {cfg.target:.2f}x) — {'met' if ok else 'NOT met'}")
    L.append("")
    L.append("## Targets")
    L.append("")
    L.append("Targets: ours / best peer ≤ 0.95 for 1.0-224, ≤ 0.9 for 0.25-128, "
             "batch-8 images/s ≥ 1.1× best peer.")
    L.append("")
    L += summary
    L.append("")
    L.append("## Per-round medians (ms)")
    L.append("")
    L.append("| config | " + " | ".join(ENGINE_LABEL[e] for e in ENGINES) + " |")
    L.append("|---|" + "---|" * len(ENGINES))
    for cfg in cfgs:
        rm = timings[cfg.key]["round_medians_ms"]
        L.append(f"| {cfg.name} | " + " | ".join(" / ".join(f"{v:.2f}" for v in rm[e])
                                                 for e in ENGINES) + " |")
    L.append("")
    L.append("## Machine load")
    L.append("")
    L.append("CPU cores kept busy by other processes while each engine's process ran (all busy "
             "CPU time from /proc/stat minus the process's own, over its wall time), per round. "
             f"Above ~{BUSY_WARN:g} the timings of that round are disturbed.")
    L.append("")
    L.append("| config | " + " | ".join(ENGINE_LABEL[e] for e in ENGINES) + " |")
    L.append("|---|" + "---|" * len(ENGINES))
    for cfg in cfgs:
        fl = timings[cfg.key]["foreign_load"]
        L.append(f"| {cfg.name} | " + " | ".join(" / ".join(f"{v:.2f}" for v in fl[e])
                                                 for e in ENGINES) + " |")
    L.append("")
    L.append("## Engine settings seen at run time")
    L.append("")
    # Ours: the kernel variants of the build (int8 models, `bench --json`'s "kernels").
    for e in [OURS] + PEERS:
        if e == OURS and not any(timings[c.key]["engine_info"].get(OURS) for c in cfgs):
            continue
        groups = {}  # settings string -> configs showing it
        for cfg in cfgs:
            inf = timings[cfg.key]["engine_info"].get(e, {})
            groups.setdefault(", ".join(f"{k}={v}" for k, v in inf.items()), []).append(cfg.name)
        L.append(f"- {ENGINE_LABEL[e]}: " + "; ".join(f"{v} ({', '.join(c)})" for v, c in groups.items()))
    L.append("")
    return "\n".join(L)


def cmd_run(args) -> int:
    if args.quick:
        args.runs = args.runs if args.runs_given else 6
        args.warmup = args.warmup if args.warmup_given else 3
        args.rounds = args.rounds if args.rounds_given else 2
    if args.rounds < 1 or args.runs < 1 or args.warmup < 0:
        raise SystemExit("error: --runs and --rounds must be >= 1, --warmup >= 0")
    cfgs = CONFIGS
    if args.configs and not args.int8:
        wanted = set(args.configs)
        cfgs = [c for c in CONFIGS if c.key in wanted]
        unknown = wanted - {c.key for c in CONFIGS}
        if unknown:
            raise SystemExit(f"error: unknown config(s) {sorted(unknown)}; known: "
                             + ", ".join(c.key for c in CONFIGS))
    mobilenet = str(Path(args.mobilenet).resolve())
    if not os.access(mobilenet, os.X_OK):
        raise SystemExit(f"error: {mobilenet} is not an executable (build it first)")
    WORK.mkdir(parents=True, exist_ok=True)
    scratch = WORK / "scratch"
    scratch.mkdir(exist_ok=True)
    t_start = time.time()
    if args.int8:
        return cmd_run_int8(args, mobilenet, scratch, t_start)

    print("== preparing models (Keras -> .tflite, PyTorch mirror -> ONNX)")
    for (alpha, res), seed in MODELS.items():
        batches = sorted({c.batch for c in cfgs if (c.alpha, c.res) == (alpha, res)})
        if not batches:
            continue
        for step in ("prepare-keras", "prepare-torch"):
            log = scratch / f"{step}_{alpha:g}_{res}.log"
            cmd = [sys.executable, str(Path(__file__).resolve()), step, "--alpha", repr(alpha),
                   "--res", str(res), "--seed", str(seed), "--batches", *map(str, batches)]
            rc, _ = run_child(cmd, quiet_env(), log)
            for line in log.read_text(errors="replace").splitlines():
                if line.startswith("  ["):
                    print(line)
            if rc != 0:
                fail(f"{step} for the {alpha:g}-{res} model failed ({rc})", log)

    print(f"== correctness gate (tolerance {TOLERANCE:g}, each engine in its own process)")
    checks = {cfg.key: correctness_gate(cfg, mobilenet, scratch) for cfg in cfgs}

    warmup_flag = bench_has_warmup_flag(mobilenet)
    per_round = max(1, math.ceil(args.runs / args.rounds))
    print(f"== timing: {args.rounds} rounds x {per_round} runs, {args.warmup} warm-up runs per "
          f"process, engines interleaved")
    timings = {cfg.key: time_config(cfg, mobilenet, scratch, args, warmup_flag) for cfg in cfgs}

    now = _dt.datetime.now()
    meta = {
        "date": now.strftime("%Y-%m-%d %H:%M"),
        "command": args.command or shlex.join([sys.argv[0]] + sys.argv[1:]),
        "cpu": cpu_model(),
        "flags": cpu_flags(),
        "swift_build": args.swift_build or "swift build -c release",
        "target_cpu": os.environ.get("MOBILENET_TARGET_CPU", ""),
        "swift": swift_version(),
        "git": git_describe(),
        "versions": {p: version(p) for p in VERSION_PACKAGES},
        "per_round": per_round,
        "warmup_flag": warmup_flag,
        "baseline_rss": baseline_rss(scratch),
    }
    text = render(cfgs, checks, timings, args, meta)
    text += f"\nTotal wall time: {time.time() - t_start:.0f} s.\n"
    print()
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if args.quick else ""
    if args.configs:
        suffix += "-partial"
    out = Path(args.out) if args.out else RESULTS / f"inference-{now.strftime('%Y-%m-%d')}{suffix}.md"
    out.write_text(text)
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd")

    r = sub.add_parser("run", help="the whole benchmark (default)")
    r.add_argument("--mobilenet", default=str(ROOT / ".build" / "release" / "mobilenet"),
                   help="our release binary")
    r.add_argument("--runs", type=int, default=None, help="timed runs per engine and config (default 60)")
    r.add_argument("--warmup", type=int, default=None, help="warm-up runs per process (default 10)")
    r.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 3)")
    r.add_argument("--quick", action="store_true", help="smoke check: 6 runs, 3 warm-up, 2 rounds")
    r.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                   help="before each timed process, wait up to SECONDS for the other "
                        "processes on the machine to go (nearly) idle (default 0: don't wait)")
    r.add_argument("--configs", nargs="*", metavar="KEY",
                   help="subset of: " + " ".join(c.key for c in CONFIGS)
                        + " (with --int8: " + " ".join(c.key for c in INT8_CONFIGS) + ")")
    r.add_argument("--int8", action="store_true",
                   help="int8 mode: fully quantized .tflite, ours vs TFLite int8 (XNNPACK), "
                        "bit-exactness gate against TFLite's reference kernels; writes "
                        "bench/results/inference-int8-DATE.md")
    r.add_argument("--out", help="markdown file to write (default bench/results/inference-DATE.md)")
    r.add_argument("--command", help="the user's command line, for the report")
    r.add_argument("--swift-build", help="the Swift build command used, for the report")

    for step in ("prepare-keras", "prepare-torch", "prepare-int8"):
        p = sub.add_parser(step, help="(internal) build the models of one (alpha, size)")
        p.add_argument("--alpha", type=float, required=True)
        p.add_argument("--res", type=int, required=True)
        p.add_argument("--seed", type=int, required=True)
        p.add_argument("--batches", type=int, nargs="+", required=True)

    w = sub.add_parser("worker", help="(internal) one engine in its own process")
    w.add_argument("--engine", choices=PEERS + INT8_PEERS + [INT8_REFERENCE], required=True)
    w.add_argument("--alpha", type=float, required=True)
    w.add_argument("--res", type=int, required=True)
    w.add_argument("--batch", type=int, required=True)
    w.add_argument("--threads", type=int, required=True)
    w.add_argument("--input", required=True)
    w.add_argument("--result", required=True)
    w.add_argument("--output")
    w.add_argument("--runs", type=int, default=0)
    w.add_argument("--warmup", type=int, default=0)

    argv = sys.argv[1:]
    if not argv or argv[0] not in ("run", "prepare-keras", "prepare-torch", "prepare-int8", "worker",
                                   "-h", "--help"):
        argv = ["run"] + argv
    args = ap.parse_args(argv)
    if args.cmd == "prepare-keras":
        return cmd_prepare_keras(args)
    if args.cmd == "prepare-torch":
        return cmd_prepare_torch(args)
    if args.cmd == "prepare-int8":
        return cmd_prepare_int8(args)
    if args.cmd == "worker":
        return cmd_worker(args)
    args.runs_given = args.runs is not None
    args.warmup_given = args.warmup is not None
    args.rounds_given = args.rounds is not None
    args.runs = 60 if args.runs is None else args.runs
    args.warmup = 10 if args.warmup is None else args.warmup
    args.rounds = 3 if args.rounds is None else args.rounds
    return cmd_run(args)


if __name__ == "__main__":
    sys.exit(main())
