"""Store fresh outputs in the notebooks' checked cells, and strip all others.

    python tools/refresh_checked_outputs.py [NB ...]

nbval compares the cells tagged `nbval-check-output` with the output stored in
the notebook. Run this after changing such a cell, or after an upgrade that
legitimately changes its output (read the diff first: that is what CI is
there to catch). Every notebook is executed on the bundled sample with its
build files in a temporary folder; then only the checked cells keep an output
and an execution count. This is the one tool that writes to notebooks/.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

PROJECT = Path(__file__).resolve().parent.parent
CHECK_TAG = "nbval-check-output"


def refresh(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    executed = nbformat.read(path, as_version=4)
    NotebookClient(
        executed, timeout=1800, resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    count = 0
    for cell, run in zip(notebook.cells, executed.cells, strict=True):
        if cell.cell_type != "code":
            continue
        if CHECK_TAG in cell.metadata.get("tags", []):
            count += 1
            cell.outputs = [o for o in run.outputs if o.get("name") != "stderr"]
            cell.execution_count = count
        else:
            cell.outputs, cell.execution_count = [], None
    nbformat.write(notebook, path)
    print(f"{path.name}: {count} checked cell(s) refreshed")


def main() -> int:
    names = sys.argv[1:]
    paths = sorted((PROJECT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if names:
        paths = [p for p in paths if p.stem in {n.removesuffix(".ipynb") for n in names}]
    sample = PROJECT / "mnist_helpers" / "sample_data" / "mnist-sample.npz"
    with tempfile.TemporaryDirectory() as build:
        os.environ.update(MNIST_DATA=str(sample), MNIST_BUILD_DIR=build)
        for path in paths:
            refresh(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
