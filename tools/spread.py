"""Run a training notebook with several seeds and print the spread of what it reached.

    python tools/spread.py 05_simple_nn --seeds 1 2 3 [--data sample|full|PATH] [-p NAME VALUE]

Each run executes the notebook top to bottom with papermill (a new seed each
time, nothing else changed), reads the test accuracy and seconds per epoch
its history file records, and prints them with their mean, minimum and
maximum. The notebooks' thresholds are set well below the minimum, on the
sample and on the full MNIST (docs/instructor-guide.md keeps the table).
The executed copies and a JSON summary go to build/spread/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import papermill

from mnist_helpers import load_history

PROJECT = Path(__file__).resolve().parent.parent
# The history file each training notebook writes, under its build folder.
HISTORIES = {
    "05_simple_nn": "simple_nn.json",
    "06_cnn": "cnn.json",
    "11_training_better": "fast_cnn.json",
}


def run_once(name: str, seed: int, data: str, parameters: dict, out: Path) -> dict:
    """Execute notebook ``name`` with ``seed``; return what its history file says."""
    with tempfile.TemporaryDirectory() as build:
        os.environ["MNIST_BUILD_DIR"] = build
        start = time.perf_counter()
        papermill.execute_notebook(
            str(PROJECT / "notebooks" / f"{name}.ipynb"),
            str(out / f"{name}-seed{seed}.ipynb"),
            parameters={"data_source": data, "seed": seed, **parameters},
            cwd=str(PROJECT / "notebooks"),
            progress_bar=False,
        )
        seconds = time.perf_counter() - start
        _, details = load_history(Path(build) / "histories" / HISTORIES[name])
    return {"seed": seed, "notebook_seconds": round(seconds, 1), **details}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", choices=sorted(HISTORIES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--data", default="sample", help='"sample", "full" or a path')
    parser.add_argument("-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    args = parser.parse_args()
    parameters = {name: json.loads(value) for name, value in args.p}
    if args.data not in ("sample", "full", "auto"):
        args.data = str(Path(args.data).resolve())  # the notebook runs in notebooks/
    out = PROJECT / "build" / "spread"
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    for seed in args.seeds:
        run = run_once(args.notebook, seed, args.data, parameters, out)
        runs.append(run)
        print(
            f"seed {seed}: test accuracy {run['test_accuracy']:.2%}, "
            f"{run['seconds_per_epoch']:.1f} s per epoch, notebook {run['notebook_seconds']} s",
            flush=True,
        )
    accuracies = [run["test_accuracy"] for run in runs]
    print(
        f"{args.notebook} on {args.data}, {len(runs)} seeds: test accuracy mean "
        f"{statistics.mean(accuracies):.2%}, min {min(accuracies):.2%}, max {max(accuracies):.2%}"
    )
    label = Path(args.data).stem if args.data not in ("sample", "full") else args.data
    onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default")
    summary = out / f"{args.notebook}-{label}-onednn-{onednn}.json"
    summary.write_text(json.dumps({"data": args.data, "onednn": onednn, "runs": runs}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
