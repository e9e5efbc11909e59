"""Benchmark: the original models against the fast CNN of notebook 11, on one machine.

    python tools/bench.py [--quick] [--models NAME ...] [--float32] [--feed KIND] [--out DIR]
    python tools/bench.py --compare OLD.json [NEW.json]

(``make bench`` runs it; ``make bench QUICK=1`` adds ``--quick``.) Each model
trains in its own subprocess, one after the other, on all the training images
(no validation split: nothing is tuned here) and is tested on the whole test
set after every epoch, in batches of 2,000. That evaluation is not counted as
training time: "training seconds" are the wall-clock seconds spent inside
``model.fit`` (data set-up and graph tracing included) less the time spent in
the evaluation callback.

Every model is compiled with ``steps_per_execution=8`` (TensorFlow runs 8
batches per call from Python; the weights come out the same) and gets its
batches the same way: by default from
``mnist_helpers.make_dataset`` (a ``tf.data`` pipeline with TensorFlow's
autotuning off, as the notebooks do). ``--feed arrays`` passes the NumPy arrays
to ``fit`` instead, as the 2018 examples did; with TensorFlow 2.21 that often
adds a pause of about one epoch's length at the end of an epoch (see
``mnist_helpers/feeding.py``), so the two are worth comparing.

The models, as trained here:

- ``dense``: the original dense network (``build_simple_nn``), RMSprop,
  20 epochs, batch 128, float32 -- as the 2018 Keras example.
- ``cnn``: the original CNN (``build_cnn``), Adadelta with learning_rate=1.0,
  12 epochs, batch 128, float32 -- as the 2018 Keras example.
- ``fast_cnn``: notebook 11's fast CNN (``build_fast_cnn``), Adam with a
  one-cycle schedule, label smoothing, 3 epochs, batch 128; mixed bfloat16
  when the CPU has native bfloat16 (AVX512_BF16 / AMX), else float32.
- ``fast_cnn_aug``: notebook 11's model for 99.5 %: twice the filters, small
  random shifts and rotations, 8 epochs, batch 256, same precision rule.

The table shows, for each model: seconds per epoch (the median epoch, so one
epoch slowed by another program does not skew it), the training seconds until
the test accuracy first reached 98.4 %, 99.0 %, 99.25 % and 99.5 %, the final
test accuracy, the peak memory of the model's process (its ru_maxrss: Python,
TensorFlow and the data included), and the speed-up over the original CNN:

    speed-up = (seconds the original CNN needs to reach its own final accuracy A)
               / (seconds this model needs to reach A)

and the same ratio for 99.25 % when both reach it. The results also go to
``build/bench/bench-<timestamp>.json`` and ``build/bench/latest.json``, with
the machine (CPU, cores, load, TensorFlow and Keras versions, precision).

``--quick`` trains on 10,000 images for 2-3 epochs per model (about 1-2
minutes): it checks that the benchmark runs, and its numbers are NOT
comparable with a full run. Data come from MNIST_DATA, as for ``load_mnist()``
(else Keras' cache, else the bundled sample: then the table says so).
The machine may be shared: read the load averages printed with the table, and
compare runs made under similar load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
THRESHOLDS = (0.984, 0.99, 0.9925, 0.995)
TEST_BATCH = 2000
QUICK_IMAGES = 10_000
# Batches per call into TensorFlow, the same for every model (as notebooks 05
# and 07 compile): it changes no weight, only the Python overhead per batch.
STEPS_PER_EXECUTION = 8
FEEDS = {
    "dataset": "mnist_helpers.make_dataset (tf.data, autotuning off), as in the notebooks",
    "arrays": "NumPy arrays passed to fit, as in the 2018 examples (Keras' own pipeline)",
}

# name -> how it is trained (full run, and the quick run's epochs)
MODELS = {
    "dense": {
        "title": "original dense network (RMSprop)",
        "epochs": 20,
        "quick_epochs": 3,
        "batch_size": 128,
        "precision": "float32",
    },
    "cnn": {
        "title": "original CNN (Adadelta lr=1.0)",
        "epochs": 12,
        "quick_epochs": 2,
        "batch_size": 128,
        "precision": "float32",
    },
    "fast_cnn": {
        "title": "fast CNN, 07 (Adam one-cycle)",
        "epochs": 3,
        "quick_epochs": 2,
        "batch_size": 128,
        "precision": "auto",
        "filters": (16, 32, 64),
        "augment": False,
        "peak_learning_rate": 5e-3,
    },
    "fast_cnn_aug": {
        "title": "fast CNN x2 + augmentation, 07",
        "epochs": 8,
        "quick_epochs": 3,
        "batch_size": 256,
        "precision": "auto",
        "filters": (32, 64, 128),
        "augment": True,
        "peak_learning_rate": 5e-3,
    },
}


# ---------------------------------------------------------------------------
# Machine information
# ---------------------------------------------------------------------------


def load_average() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):
        return None


# ---------------------------------------------------------------------------
# The worker: trains one model in its own process
# ---------------------------------------------------------------------------


def train_one(name: str, quick: bool, float32: bool, feed: str, result_path: Path) -> None:
    """Train the model ``name`` and write what was measured to ``result_path`` (JSON)."""
    import resource

    spec = MODELS[name]
    import keras
    import numpy as np

    import mnist_helpers
    from mnist_helpers import load_mnist, make_dataset, to_cnn_input, to_dense_input
    from mnist_helpers.models import (
        build_cnn,
        build_fast_cnn,
        build_simple_nn,
        cpu_supports_bfloat16,
        one_cycle_schedule,
    )

    precision = spec["precision"]
    if precision == "auto":
        precision = "mixed_bfloat16" if cpu_supports_bfloat16() and not float32 else "float32"
    if precision == "mixed_bfloat16":
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    keras.utils.set_random_seed(42)

    (x_train, y_train), (x_test, y_test) = load_mnist("auto")
    if quick:
        x_train, y_train = x_train[:QUICK_IMAGES], y_train[:QUICK_IMAGES]
    epochs = spec["quick_epochs"] if quick else spec["epochs"]
    batch_size = spec["batch_size"]
    data_format = keras.backend.image_data_format()
    if name == "dense":
        model = build_simple_nn(steps_per_execution=STEPS_PER_EXECUTION)
        x_train, x_test = to_dense_input(x_train), to_dense_input(x_test)
    elif name == "cnn":
        model = build_cnn(data_format, steps_per_execution=STEPS_PER_EXECUTION)
        x_train, x_test = to_cnn_input(x_train, data_format), to_cnn_input(x_test, data_format)
    else:
        steps = math.ceil(len(x_train) / batch_size) * epochs
        model = build_fast_cnn(
            data_format,
            filters=spec["filters"],
            augment=spec["augment"],
            learning_rate=one_cycle_schedule(steps, spec["peak_learning_rate"]),
            steps_per_execution=STEPS_PER_EXECUTION,
        )
        x_train, x_test = to_cnn_input(x_train, data_format), to_cnn_input(x_test, data_format)
    y_train = keras.utils.to_categorical(y_train, 10)
    y_test = keras.utils.to_categorical(y_test, 10)
    if feed == "dataset":
        train_data = {"x": make_dataset(x_train, y_train, batch_size, shuffle=True, seed=42)}
        test_data = {"x": make_dataset(x_test, y_test, TEST_BATCH)}
    else:
        train_data = {"x": x_train, "y": y_train, "batch_size": batch_size}
        test_data = {"x": x_test, "y": y_test, "batch_size": TEST_BATCH}

    class TestEveryEpoch(keras.callbacks.Callback):
        """Test accuracy after each epoch; the time it takes is not training time."""

        def __init__(self, fit_start: float):
            super().__init__()
            self.fit_start = fit_start
            self.evaluating = 0.0
            self.epoch_start = fit_start
            self.epoch_seconds: list[float] = []
            self.training_seconds: list[float] = []
            self.test_accuracy: list[float] = []

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch_start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            now = time.perf_counter()
            start = self.fit_start if epoch == 0 else self.epoch_start
            self.epoch_seconds.append(now - start)
            self.training_seconds.append(now - self.fit_start - self.evaluating)
            _, accuracy = self.model.evaluate(**test_data, verbose=0)
            self.test_accuracy.append(float(accuracy))
            self.evaluating += time.perf_counter() - now
            print(
                f"  {name}: epoch {epoch + 1}/{epochs}  {self.epoch_seconds[-1]:6.1f} s  "
                f"test accuracy {accuracy:.2%}  (training {self.training_seconds[-1]:.1f} s)",
                flush=True,
            )

    fit_start = time.perf_counter()
    callback = TestEveryEpoch(fit_start)
    model.fit(**train_data, epochs=epochs, verbose=0, callbacks=[callback])

    import tensorflow as tf

    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    if sys.platform == "darwin":
        peak_kb /= 1024  # bytes on macOS
    result = {
        "name": name,
        "title": spec["title"],
        "precision": precision,
        "epochs": epochs,
        "batch_size": batch_size,
        "feed": feed,
        "parameters": model.count_params(),
        "train_images": len(x_train),
        "test_images": len(x_test),
        "epoch_seconds": callback.epoch_seconds,
        "training_seconds": callback.training_seconds,
        "test_accuracy": callback.test_accuracy,
        "peak_rss_mb": peak_kb / 1024,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "data_format": data_format,
        "mnist_helpers": str(Path(mnist_helpers.__file__).parent),
    }
    result_path.write_text(json.dumps(result, indent=1))


# ---------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------


def seconds_to_reach(result: dict, accuracy: float) -> float | None:
    """Training seconds until the test accuracy first reached ``accuracy``, or None."""
    for seconds, reached in zip(result["training_seconds"], result["test_accuracy"], strict=True):
        if reached >= accuracy - 1e-9:
            return seconds
    return None


def summarise(results: list[dict]) -> list[dict]:
    """Add the per-model summary numbers (time to each threshold, speed-ups)."""
    for result in results:
        result["seconds_per_epoch"] = statistics.median(result["epoch_seconds"])
        result["final_accuracy"] = result["test_accuracy"][-1]
        result["seconds_to"] = {f"{t:.4f}": seconds_to_reach(result, t) for t in THRESHOLDS}
    reference = next((result for result in results if result["name"] == "cnn"), None)
    for result in results:
        result["speedup_vs_cnn"] = None
        result["speedup_at_99_25"] = None
        result["speedup_at_99_25_at_least"] = None
        if reference is None:
            continue
        target = reference["final_accuracy"]
        mine, theirs = seconds_to_reach(result, target), seconds_to_reach(reference, target)
        if mine and theirs:
            result["speedup_vs_cnn"] = theirs / mine
        mine, theirs = result["seconds_to"]["0.9925"], reference["seconds_to"]["0.9925"]
        if mine and theirs:
            result["speedup_at_99_25"] = theirs / mine
        elif mine:  # the original CNN never got there: its whole run is a lower bound
            result["speedup_at_99_25_at_least"] = reference["training_seconds"][-1] / mine
    return results


def table(report: dict) -> str:
    """The results as a text table, with the machine, the data and the notes."""
    results = report["results"]
    machine = report["machine"]
    quick = "  QUICK RUN: fewer images and epochs, NOT comparable with a full run"
    lines = [
        f"MNIST benchmark {report['created']}" + (quick if report["quick"] else ""),
        f"CPU: {machine['cpu']}, {machine['cores']} cores; bfloat16 flags: "
        f"{', '.join(machine['bfloat16_flags']) or 'none'}; oneDNN "
        f"{'on' if machine.get('onednn') else 'off'}; TensorFlow {machine['tensorflow']}, "
        f"Keras {machine['keras']}, Python {machine['python']}",
        f"Load average (1, 5, 15 min) before: {machine['load_before']}, after: "
        f"{machine['load_after']}",
        f"Data: {report['data']}",
        f"Batches fed from: {FEEDS[report.get('feed', 'arrays')]}",
        "",
    ]
    head = (
        f"{'model':<34}{'precision':<11}{'ep':>3}{'s/epoch':>9}"
        + "".join(f"{'to ' + format(t, '.2%'):>13}" for t in THRESHOLDS)
        + f"{'final':>9}{'peak MB':>9}{'speed-up':>10}{'at 99.25%':>11}"
    )
    lines += [head, "-" * len(head)]

    def seconds(value):
        return f"{value:.1f} s" if value is not None else "not reached"

    def ratio(value, at_least=None):
        if value is not None:
            return f"{value:.1f}x"
        return f"> {at_least:.1f}x" if at_least is not None else "-"

    for result in results:
        lines.append(
            f"{result['title']:<34}{result['precision'].replace('mixed_', ''):<11}"
            f"{result['epochs']:>3}{result['seconds_per_epoch']:>8.1f}s"
            + "".join(f"{seconds(result['seconds_to'][f'{t:.4f}']):>13}" for t in THRESHOLDS)
            + f"{result['final_accuracy']:>9.2%}{result['peak_rss_mb']:>9.0f}"
            f"{ratio(result['speedup_vs_cnn']):>10}"
            f"{ratio(result['speedup_at_99_25'], result.get('speedup_at_99_25_at_least')):>11}"
        )
    cnn = next((r for r in results if r["name"] == "cnn"), None)
    lines.append("")
    if cnn is not None:
        lines.append(
            f"speed-up = the original CNN's training seconds to reach its own final accuracy "
            f"({cnn['final_accuracy']:.2%}) / this model's seconds to reach it; "
            "'at 99.25%': the same ratio of the times to 99.25 % ('> N': the original CNN "
            "never got there, so its whole training time is a lower bound; '-': this model "
            "never got there)."
        )
    lines.append(
        "Training seconds exclude the test evaluation after each epoch; s/epoch is the median "
        "epoch (the first one includes tracing). Peak MB: the ru_maxrss of the model's process."
    )
    return "\n".join(lines)


def compare(old: dict, new: dict) -> str:
    """Both tables, then the change per model in s/epoch, time to 99.25 % and accuracy."""
    lines = ["=== OLD", table(old), "", "=== NEW", table(new), "", "=== NEW vs OLD"]
    old_by_name = {r["name"]: r for r in old["results"]}
    for result in new["results"]:
        before = old_by_name.get(result["name"])
        if before is None:
            lines.append(f"{result['title']:<34} only in the new run")
            continue
        parts = [
            f"s/epoch {before['seconds_per_epoch']:.1f} -> {result['seconds_per_epoch']:.1f} "
            f"({result['seconds_per_epoch'] / before['seconds_per_epoch']:.2f}x)"
        ]
        old_t, new_t = before["seconds_to"]["0.9925"], result["seconds_to"]["0.9925"]
        if old_t and new_t:
            parts.append(f"to 99.25% {old_t:.1f} -> {new_t:.1f} s")
        parts.append(f"final {before['final_accuracy']:.2%} -> {result['final_accuracy']:.2%}")
        lines.append(f"{result['title']:<34} " + "; ".join(parts))
    if old.get("feed", "arrays") != new.get("feed", "arrays"):
        lines.append("Note: the two runs feed the batches differently (see 'Batches fed from').")
    if old.get("quick") != new.get("quick"):
        lines.append("Note: one run is --quick and the other is not: they are not comparable.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------


def run_worker(name: str, quick: bool, float32: bool, feed: str) -> dict:
    """Run one model in a fresh Python process and return its measurements."""
    with tempfile.TemporaryDirectory(prefix="mnist-bench-") as folder:
        result_path = Path(folder) / "result.json"
        stderr_path = Path(folder) / "stderr.txt"
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", name]
        command += ["--result", str(result_path)]
        command += ["--quick"] if quick else []
        command += ["--float32"] if float32 else []
        command += ["--feed", feed]
        environment = dict(os.environ)
        environment.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        environment["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(PROJECT), environment.get("PYTHONPATH", "")])
        )
        with stderr_path.open("w") as stderr:
            completed = subprocess.run(command, env=environment, stderr=stderr, check=False)
        if completed.returncode != 0 or not result_path.is_file():
            tail = "\n".join(stderr_path.read_text(errors="replace").splitlines()[-25:])
            raise RuntimeError(
                f"The benchmark of {name!r} failed (exit code {completed.returncode}). "
                f"The end of its error output:\n{tail}"
            )
        return json.loads(result_path.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a 1-2 minute run, not comparable")
    parser.add_argument(
        "--models",
        nargs="+",
        choices=list(MODELS),
        default=list(MODELS),
        metavar="NAME",
        help=f"models to run, in order (default: all: {' '.join(MODELS)})",
    )
    parser.add_argument(
        "--float32", action="store_true", help="float32 for every model (no mixed bfloat16)"
    )
    parser.add_argument(
        "--feed",
        choices=list(FEEDS),
        default="dataset",
        help="how fit gets its batches (default: dataset, as in the notebooks)",
    )
    parser.add_argument(
        "--out", default=str(PROJECT / "build" / "bench"), help="folder for the JSON results"
    )
    parser.add_argument(
        "--compare",
        nargs="+",
        metavar="JSON",
        help="OLD.json: run, then compare with it; OLD.json NEW.json: only compare the two",
    )
    parser.add_argument("--worker", choices=list(MODELS), help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        train_one(args.worker, args.quick, args.float32, args.feed, Path(args.result))
        return 0

    if args.compare and len(args.compare) > 2:
        parser.error("--compare takes OLD.json, or OLD.json NEW.json")
    old = None
    if args.compare:
        try:
            old = json.loads(Path(args.compare[0]).read_text())
            if len(args.compare) == 2:
                print(compare(old, json.loads(Path(args.compare[1]).read_text())))
                return 0
        except (OSError, json.JSONDecodeError) as error:
            parser.error(f"cannot read {error}")

    from mnist_helpers.models import bfloat16_flags, cpu_name, onednn_enabled

    created = dt.datetime.now().astimezone()
    load_before = load_average()
    print(
        f"Benchmark{' (QUICK: not comparable with a full run)' if args.quick else ''}: "
        f"{', '.join(args.models)}; each model in its own process. Load average: {load_before}",
        flush=True,
    )
    results = []
    for name in args.models:
        print(f"--- {name}: {MODELS[name]['title']}", flush=True)
        try:
            results.append(run_worker(name, args.quick, args.float32, args.feed))
        except RuntimeError as error:
            print(error, file=sys.stderr)
            return 1
    summarise(results)
    first = results[0]
    data = (
        f"{first['train_images']:,} training images (all of them, no validation split), "
        f"{first['test_images']:,} test images"
    )
    if first["train_images"] < 60_000 and not args.quick:
        data += " -- NOT the full MNIST: set MNIST_DATA=/path/to/mnist.npz"
    report = {
        "created": created.isoformat(timespec="seconds"),
        "quick": args.quick,
        "feed": args.feed,
        "data": data,
        "data_source": os.environ.get("MNIST_DATA") or "auto (Keras' cache or the sample)",
        "machine": {
            "cpu": cpu_name(),
            "cores": os.cpu_count(),
            "bfloat16_flags": bfloat16_flags(),
            "onednn": onednn_enabled(),
            "bfloat16_used": any(r["precision"] == "mixed_bfloat16" for r in results),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "tensorflow": first["tensorflow"],
            "keras": first["keras"],
            "numpy": first["numpy"],
            "tf_env": {key: value for key, value in os.environ.items() if key.startswith("TF_")},
            "load_before": load_before,
            "load_after": load_average(),
        },
        "thresholds": list(THRESHOLDS),
        "results": results,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{created.strftime('%Y%m%d-%H%M%S')}{'-quick' if args.quick else ''}.json"
    path.write_text(json.dumps(report, indent=1))
    (out / "latest.json").write_text(json.dumps(report, indent=1))
    print()
    print(compare(old, report) if old is not None else table(report))
    print(f"\nSaved {path} and {out / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
