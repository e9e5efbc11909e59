"""Store fresh outputs in the notebooks' checked cells, and strip all others.

    python tools/refresh_checked_outputs.py [NB ...]

The browser test compares the cells tagged `nbval-check-output` with the
output stored in the notebook. Run this after changing such a cell, or after an upgrade that
legitimately changes its output (read the diff first: that is what CI is
there to catch). Each notebook is executed at the small settings of the test
runs (tests/small_runs.json), on the bundled sample, with its build files in a
temporary folder; then only the checked cells keep an output and an execution
count. This is the one tool that writes to notebooks/.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
from tests.small_runs import sources, write_small_copy  # noqa: E402

CHECK_TAG = "nbval-check-output"


def refresh(path: Path, build: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    executed = nbformat.read(write_small_copy(path, build / path.name), as_version=4)
    NotebookClient(
        executed, timeout=1800, resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    runs = {cell.get("id"): cell for cell in executed.cells}
    count = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if CHECK_TAG in cell.metadata.get("tags", []):
            count += 1
            run = runs[cell.get("id")]
            cell.outputs = [o for o in run.outputs if o.get("name") != "stderr"]
            cell.execution_count = count
        else:
            cell.outputs, cell.execution_count = [], None
    nbformat.write(notebook, path)
    print(f"{path.name}: {count} checked cell(s) refreshed")


def main() -> int:
    names = {name.removesuffix(".ipynb") for name in sys.argv[1:]}
    paths = [path for path in sources() if not names or path.stem in names]
    sample = PROJECT / "mnist_helpers" / "sample_data" / "mnist-sample.npz"
    with tempfile.TemporaryDirectory() as build:
        os.environ.update(MNIST_DATA=str(sample), MNIST_BUILD_DIR=build)
        for path in paths:
            refresh(path, Path(build))
    return 0


if __name__ == "__main__":
    sys.exit(main())
