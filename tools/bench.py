"""Benchmark: what each model of the series costs and reaches on this CPU, over seeds.

    python tools/bench.py [--models NAME ...] [--seeds 1 2 3] [--float32] [--feed KIND]
                          [--quick] [--out DIR]
    python tools/bench.py --compare OLD.json NEW.json

(``make bench`` runs it with the defaults.) Every model trains on a fixed
schedule (its epochs, batch size and learning rates are set beforehand), once
per seed, each run in its own process, one after the other; the test set is
read once, at the end of each run. Nothing here looks at the test set during
training, so "99.25 % in 20 s" means: the schedule that takes 20 s of training
ends, on average over the seeds, at 99.25 % on the test set.

- ``dense``, ``cnn``: the original dense network and CNN exactly as notebooks
  05 and 06 train them: 54,000 training images, the other 6,000 for validation
  after every epoch, batch 128, float32, ``fit`` on the NumPy arrays.
- ``fast_cnn_1``, ``fast_cnn_2``, ``fast_cnn_3``: notebook 11's fast CNN
  (``build_fast_cnn``: Adam with a one-cycle schedule over the whole run,
  label smoothing), 1, 2 or 3 epochs on all 60,000 training images, batch 128.
- ``fast_cnn_s2_1``: the fast CNN with a strided first convolution (notebook
  14), peak learning rate 0.01, 1 epoch.
- ``fast_cnn_s2_aug_4``: the same with notebook 11's augmentation, 4 epochs.
- ``fast_cnn_s2bn_1`` (not in the default run): stride 2 and batch
  normalization, peak learning rate 0.015, 1 epoch.
- ``fast_cnn_aug`` (not in the default run): notebook 11's wider model with
  augmentation, 8 epochs, batch 256.
The fast models compute in mixed bfloat16 where the CPU has native bfloat16
and oneDNN is on, else in float32 (notebook 11 trains them in float32;
notebook 14 measures what bfloat16 changes); ``--float32`` forces float32.

For each model the table gives the mean over the seeds of the seconds per
epoch (each run's median epoch, validation included where there is one) and
of the training seconds (the whole ``fit``), the final test accuracy (mean,
lowest, highest), the same with test-time shifts for the CNNs
(``predict_with_shifts``: the mean prediction over each test image and its 4
one-pixel shifts, no training), the peak memory of the run's process, and the compute
bound: the multiply-adds of one epoch (forward pass of every training image
times 3 for the backward pass, plus the forward pass of the validation
images), as floating-point operations, divided by the float32 matrix-multiply
rate NumPy reaches here (2048 x 2048 matrices, best of 5). No model can train
faster than its bound on this CPU; "x bound" says how far each run is from it.

The machine (CPU, its vector flags, oneDNN, threads, load, versions) is
printed with the table and saved with every run in
``build/bench/bench-<time>.json``; ``--compare`` prints two of those side by
side. ``--quick`` (10,000 images, 1 seed, 1-2 epochs) only checks that the
benchmark runs: its numbers are not comparable with a full run. Data: the
full MNIST from MNIST_DATA or Keras' cache (``make data``); with only the
bundled sample, the table says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
QUICK_IMAGES = 10_000
TARGETS = (0.9925, 0.995)
VECTOR_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")

# name -> its fixed schedule. "validation": the notebook's 10 % held out, read every epoch.
MODELS = {
    "dense": {"title": "original dense network, notebook 05", "epochs": 20, "quick": 2,
              "batch_size": 128, "validation": True, "precision": "float32"},
    "cnn": {"title": "original CNN, notebook 06", "epochs": 12, "quick": 1,
            "batch_size": 128, "validation": True, "precision": "float32"},
    **{f"fast_cnn_{n}": {"title": f"fast CNN, {n} epoch{'s' * (n > 1)}", "epochs": n, "quick": 1,
                         "batch_size": 128, "validation": False, "precision": "auto",
                         "filters": (16, 32, 64), "augment": False} for n in (1, 2, 3)},
    "fast_cnn_s2_1": {"title": "fast CNN, stride 2, 1 epoch", "epochs": 1, "quick": 1,
                      "batch_size": 128, "validation": False, "precision": "auto",
                      "filters": (16, 32, 64), "augment": False, "first_stride": 2,
                      "peak_learning_rate": 0.01},
    "fast_cnn_s2_aug_4": {"title": "fast CNN, stride 2 + augm., 4 ep.", "epochs": 4,
                          "quick": 1, "batch_size": 128, "validation": False,
                          "precision": "auto", "filters": (16, 32, 64), "augment": True,
                          "first_stride": 2, "peak_learning_rate": 0.01},
    "fast_cnn_s2bn_1": {"title": "fast CNN, stride 2 + BN, 1 epoch", "epochs": 1, "quick": 1,
                      "batch_size": 128, "validation": False, "precision": "auto",
                      "filters": (16, 32, 64), "augment": False, "first_stride": 2,
                      "batch_norm": True, "peak_learning_rate": 0.015},
    "fast_cnn_aug": {"title": "fast CNN x2 + augmentation, 8 ep.", "epochs": 8, "quick": 2,
                     "batch_size": 256, "validation": False, "precision": "auto",
                     "filters": (32, 64, 128), "augment": True},
}  # fmt: skip
DEFAULT_MODELS = [
    "fast_cnn_1", "fast_cnn_2", "fast_cnn_3", "fast_cnn_s2_1", "fast_cnn_s2_aug_4", "dense", "cnn"
]  # fmt: skip


def matmul_gflops(size: int = 2048, repeats: int = 5) -> float:
    """NumPy's float32 matrix-multiply rate here, in GFLOP/s (the best of ``repeats``)."""
    import numpy as np

    a, b = np.random.default_rng(0).random((2, size, size), dtype=np.float32)
    a @ b  # warm-up
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * size**3 / best / 1e9


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def multiply_adds(model) -> int:
    """Multiply-adds of one image's forward pass through the Conv2D and Dense layers."""
    import math

    import keras

    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            height, width, channels, _ = layer.kernel.shape
            total += math.prod(layer.output.shape[1:]) * height * width * channels
        elif isinstance(layer, keras.layers.Dense):
            total += layer.kernel.shape[0] * layer.kernel.shape[1]
    return total


# ---------------------------------------------------------------------------
# One run, in its own process
# ---------------------------------------------------------------------------


def train_one(name: str, seed: int, quick: bool, float32: bool, feed: str) -> dict:
    """Train model ``name`` once with ``seed``; return what was measured."""
    import resource

    import keras

    from mnist_helpers import load_mnist, make_dataset, to_cnn_input, to_dense_input
    from mnist_helpers.models import (
        build_cnn,
        build_fast_cnn,
        build_simple_nn,
        cpu_supports_bfloat16,
        one_cycle_schedule,
        predict_with_shifts,
    )

    spec = MODELS[name]
    precision = spec["precision"]
    if precision == "auto":
        precision = "mixed_bfloat16" if cpu_supports_bfloat16() and not float32 else "float32"
    keras.mixed_precision.set_global_policy(precision)
    keras.utils.set_random_seed(seed)

    (x_train, y_train), (x_test, y_test) = load_mnist("auto")
    if quick:
        x_train, y_train = x_train[:QUICK_IMAGES], y_train[:QUICK_IMAGES]
    x_valid = y_valid = None
    if spec["validation"]:  # as notebooks 05 and 06: the last 10 % held out
        n_valid = int(len(x_train) * 0.1)
        x_train, x_valid = x_train[:-n_valid], x_train[-n_valid:]
        y_train, y_valid = y_train[:-n_valid], y_train[-n_valid:]
    epochs, batch_size = spec["quick" if quick else "epochs"], spec["batch_size"]
    data_format = keras.backend.image_data_format()
    if name == "dense":
        model, prepare = build_simple_nn(), to_dense_input
    else:
        if name == "cnn":
            model = build_cnn(data_format)
        else:
            steps = -(-len(x_train) // batch_size) * epochs
            model = build_fast_cnn(
                data_format,
                filters=spec["filters"],
                augment=spec["augment"],
                first_stride=spec.get("first_stride", 1),
                batch_norm=spec.get("batch_norm", False),
                learning_rate=one_cycle_schedule(
                    steps, peak_learning_rate=spec.get("peak_learning_rate", 5e-3)
                ),
            )

        def prepare(images):
            return to_cnn_input(images, data_format)

    def onehot(labels):
        return keras.utils.to_categorical(labels, 10)

    x_train, y_train = prepare(x_train), onehot(y_train)
    if feed == "dataset":
        train = {"x": make_dataset(x_train, y_train, batch_size, shuffle=True, seed=seed)}
    else:
        train = {"x": x_train, "y": y_train, "batch_size": batch_size}
    if x_valid is not None:
        train["validation_data"] = (prepare(x_valid), onehot(y_valid))

    epoch_seconds: list[float] = []

    class EpochTimes(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_seconds.append(time.perf_counter() - self.start)

    start = time.perf_counter()
    model.fit(**train, epochs=epochs, verbose=0, callbacks=[EpochTimes()])
    training_seconds = time.perf_counter() - start
    x_test = prepare(x_test)
    _, accuracy = model.evaluate(x_test, onehot(y_test), batch_size=1000, verbose=0)
    shifted_accuracy = shifted_seconds = None
    if name != "dense":
        start = time.perf_counter()
        shifted = predict_with_shifts(model, x_test, data_format)
        shifted_seconds = time.perf_counter() - start
        shifted_accuracy = float((shifted.argmax(axis=1) == y_test).mean())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return {
        "name": name,
        "seed": seed,
        "precision": precision,
        "epochs": epochs,
        "train_images": len(x_train),
        "valid_images": 0 if x_valid is None else len(x_valid),
        "multiply_adds": multiply_adds(model),
        "epoch_seconds": epoch_seconds,
        "training_seconds": training_seconds,
        "test_accuracy": float(accuracy),
        "shifted_accuracy": shifted_accuracy,
        "shifted_seconds": shifted_seconds,
        "peak_mb": peak / (1024**2 if sys.platform == "darwin" else 1024),
    }


def run_worker(name: str, seed: int, args: argparse.Namespace) -> dict:
    """Run one model and seed in a fresh Python process; return its measurements."""
    with tempfile.TemporaryDirectory(prefix="mnist-bench-") as folder:
        result = Path(folder) / "result.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            name,
            "--seeds",
            str(seed),
        ]
        command += ["--result", str(result), "--feed", args.feed]
        command += ["--quick"] * args.quick + ["--float32"] * args.float32
        env = {**os.environ, "PYTHONPATH": str(PROJECT)}
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        completed = subprocess.run(command, env=env, capture_output=True, text=True)
        if completed.returncode != 0 or not result.is_file():
            tail = "\n".join(completed.stderr.splitlines()[-25:])
            raise RuntimeError(f"{name}, seed {seed}, failed ({completed.returncode}):\n{tail}")
        return json.loads(result.read_text())


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------


def summarise(runs: list[dict], gflops: float) -> list[dict]:
    """One row per model: the means and spread over its seeds, and its compute bound."""
    rows = []
    for name in dict.fromkeys(run["name"] for run in runs):
        mine = [run for run in runs if run["name"] == name]
        first, accuracies = mine[0], [run["test_accuracy"] for run in mine]
        flops = 2 * first["multiply_adds"] * (3 * first["train_images"] + first["valid_images"])
        per_epoch = statistics.mean(statistics.median(run["epoch_seconds"]) for run in mine)
        bound = flops / (gflops * 1e9)
        rows.append({
            "name": name, "title": MODELS[name]["title"], "seeds": [run["seed"] for run in mine],
            "precision": first["precision"], "epochs": first["epochs"],
            "seconds_per_epoch": per_epoch,
            "training_seconds": statistics.mean(run["training_seconds"] for run in mine),
            "accuracy_mean": statistics.mean(accuracies),
            "accuracy_min": min(accuracies), "accuracy_max": max(accuracies),
            "shifted_mean": None if mine[0].get("shifted_accuracy") is None
            else statistics.mean(run["shifted_accuracy"] for run in mine),
            "peak_mb": max(run["peak_mb"] for run in mine),
            "bound_seconds_per_epoch": bound, "times_bound": per_epoch / bound,
        })  # fmt: skip
    return rows


def machine(gflops: float) -> dict:
    """What the figures depend on: the CPU, oneDNN, threads, load and versions."""
    import keras
    import tensorflow as tf

    from mnist_helpers.models import cpu_flags, cpu_name, onednn_enabled

    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "flags": cpu_flags(VECTOR_FLAGS),
        "onednn": onednn_enabled(),
        "threads": {
            key: os.environ.get(key, "default")
            for key in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")
        },  # fmt: skip
        "tf_env": {key: value for key, value in os.environ.items() if key.startswith("TF_")},
        "matmul_gflops": round(gflops, 1),
        "load": [round(value, 2) for value in os.getloadavg()]
        if hasattr(os, "getloadavg")
        else None,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "python": platform.python_version(),
    }


def table(report: dict) -> str:
    """The report as a text table, headed by the machine and the data."""
    m = report["machine"]
    lines = [
        f"MNIST benchmark {report['created']}"
        + ("  QUICK: not comparable" if report["quick"] else ""),
        f"CPU: {m['cpu']}, {m['cores']} cores, flags: {', '.join(m['flags']) or 'none listed'}; "
        f"oneDNN {'on' if m['onednn'] else 'off'}; threads: {m['threads']}",
        f"float32 matmul (NumPy, 2048 x 2048): {m['matmul_gflops']} GFLOP/s; TensorFlow "
        f"{m['tensorflow']}, Keras {m['keras']}, Python {m['python']}; load {m['load']}",
        f"Data: {report['data']}; batches fed as {report['feed']}; seeds {report['seeds']}",
        "",
        f"{'model':<36}{'precision':<10}{'ep':>3}{'s/epoch':>9}{'bound':>7}{'x bound':>8}"
        f"{'train s':>9}{'test accuracy: mean (min-max)':>32}{'shifted':>9}{'peak MB':>9}",
    ]
    lines.append("-" * len(lines[-1]))
    for row in report["rows"]:
        lines.append(
            f"{row['title']:<36}{row['precision'].replace('mixed_', ''):<10}{row['epochs']:>3}"
            f"{row['seconds_per_epoch']:>9.1f}{row['bound_seconds_per_epoch']:>7.1f}"
            f"{row['times_bound']:>7.1f}x{row['training_seconds']:>9.1f}"
            f"{row['accuracy_mean']:>17.2%} ({row['accuracy_min']:.2%}-{row['accuracy_max']:.2%})"
            + (f"{row['shifted_mean']:>9.2%}" if row.get("shifted_mean") is not None else " " * 9)
            + f"{row['peak_mb']:>9.0f}"
        )
    lines.append("")
    for target in TARGETS:
        for key, how in (("accuracy_mean", ""), ("shifted_mean", ", with test-time shifts")):
            reached = [row for row in report["rows"] if (row.get(key) or 0) >= target]
            best = min(reached, key=lambda row: row["training_seconds"], default=None)
            lines.append(
                f"fastest to {target:.2%} (mean over the seeds{how}): "
                + (f"{best['title']}, {best['training_seconds']:.1f} s" if best else "none")
            )
    lines.append(
        "s/epoch: the median epoch of each run (validation included), mean over the seeds; "
        "bound: the epoch's floating-point operations / the matmul rate; train s: the whole fit;\n"
        "shifted: mean test accuracy with predict_with_shifts (5 predictions per image)."
    )
    return "\n".join(lines)


def compare(old: dict, new: dict) -> str:
    """Two reports, then each model's change in seconds per epoch, training seconds, accuracy."""
    lines = ["=== OLD", table(old), "", "=== NEW", table(new), "", "=== NEW vs OLD"]
    before = {row["name"]: row for row in old["rows"]}
    for row in new["rows"]:
        was = before.get(row["name"])
        if was is None:
            lines.append(f"{row['title']:<36}only in the new run")
            continue
        ratio = row["seconds_per_epoch"] / was["seconds_per_epoch"]
        lines.append(
            f"{row['title']:<36}s/epoch {was['seconds_per_epoch']:.1f} -> "
            f"{row['seconds_per_epoch']:.1f} ({ratio:.2f}x); "
            f"train s {was['training_seconds']:.1f} -> {row['training_seconds']:.1f}; "
            f"accuracy {was['accuracy_mean']:.2%} -> {row['accuracy_mean']:.2%}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--models",
        nargs="+",
        choices=list(MODELS),
        default=DEFAULT_MODELS,
        metavar="NAME",
        help=f"models to run (default: {' '.join(DEFAULT_MODELS)})",
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3], help="default: 1 2 3")
    parser.add_argument("--float32", action="store_true", help="no mixed bfloat16 anywhere")
    parser.add_argument(
        "--feed",
        choices=["arrays", "dataset"],
        default="arrays",
        help="NumPy arrays to fit (default, as the notebooks) or make_dataset",
    )
    parser.add_argument("--quick", action="store_true", help="a short run that checks it works")
    parser.add_argument("--out", default=str(PROJECT / "build" / "bench"), help="folder for JSON")
    parser.add_argument("--compare", nargs=2, metavar=("OLD", "NEW"), help="compare two runs")
    parser.add_argument("--worker", choices=list(MODELS), help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)  # fmt: skip

    if args.worker:
        result = train_one(args.worker, args.seeds[0], args.quick, args.float32, args.feed)
        Path(args.result).write_text(json.dumps(result))
        return 0
    if args.compare:
        try:
            old, new = (json.loads(Path(path).read_text()) for path in args.compare)
        except (OSError, json.JSONDecodeError) as error:
            parser.error(f"cannot read {error}")
        print(compare(old, new))
        return 0

    seeds = args.seeds[:1] if args.quick else args.seeds
    created = dt.datetime.now().astimezone()
    gflops = matmul_gflops()
    print(f"float32 matmul: {gflops:.0f} GFLOP/s. Runs: {args.models} x seeds {seeds}", flush=True)
    runs = []
    for name in args.models:
        for seed in seeds:
            try:
                run = run_worker(name, seed, args)
            except RuntimeError as error:
                print(error, file=sys.stderr)
                return 1
            runs.append(run)
            print(f"  {name} seed {seed}: {run['training_seconds']:.1f} s, "
                  f"{run['test_accuracy']:.2%}", flush=True)  # fmt: skip
    data = f"{runs[0]['train_images'] + runs[0]['valid_images']:,} training images"
    if runs[0]["train_images"] + runs[0]["valid_images"] < 60_000 and not args.quick:
        data += " -- NOT the full MNIST: run `make data` or set MNIST_DATA"
    report = {
        "created": created.isoformat(timespec="seconds"),
        "quick": args.quick,
        "feed": args.feed,
        "seeds": seeds,
        "data": data,
        "machine": machine(gflops),
        "rows": summarise(runs, gflops),
        "runs": runs,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{created:%Y%m%d-%H%M%S}{'-quick' * args.quick}.json"
    path.write_text(json.dumps(report, indent=1))
    print(f"\n{table(report)}\n\nSaved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
