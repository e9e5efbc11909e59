"""Small copies of the notebooks, for the test runs (see small_runs.json).

- ``small_parameters(path)``: the small settings of one notebook, only those its
  parameters cell defines (papermill's own inspection);
- ``write_small_copy(source, destination)``: the notebook with those values
  injected by papermill (an `injected-parameters` cell after the parameters
  cell, as `papermill -p` does); the learner's cells are unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

PROJECT = Path(__file__).resolve().parent.parent
NOTEBOOKS = PROJECT / "notebooks"
SETTINGS = json.loads((Path(__file__).with_name("small_runs.json")).read_text())
# The notebooks that read what earlier ones saved: run alone under nbval too,
# so that their "run alone" branch is tested (tests/plugin.py).
READ_OTHERS = SETTINGS["read what others saved"]
BUDGET_SECONDS = SETTINGS["seconds per notebook"]
# The browser test runs two notebooks at a time: these, in order, beside the others.
SECOND_STREAM = SETTINGS["second browser stream"]


def sources() -> list[Path]:
    """The notebooks of the series, in order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def small_parameters(path: Path) -> dict[str, object]:
    """The small settings of the notebook at ``path`` that its parameters cell defines."""
    wanted = {**SETTINGS["every notebook"], **SETTINGS.get(path.stem, {})}
    defined = papermill.inspect_notebook(str(path))
    return {name: value for name, value in wanted.items() if name in defined}


def write_small_copy(
    source: Path, destination: Path, extra_cell_after: tuple[int, str] | None = None
) -> Path:
    """Write ``source`` with its small settings injected to ``destination``.

    ``extra_cell_after`` = (index, code) inserts a code cell after the cell at
    that index of the source (to plant a fault). The kernelspec is kept.
    """
    notebook = load_notebook_node(str(source))  # as papermill reads it: every cell has tags
    if extra_cell_after is not None:
        index, code = extra_cell_after
        notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(code, metadata={"tags": []}))
    # The committed notebooks keep outputs only in the cells whose output is compared.
    notebook = parameterize_notebook(notebook, small_parameters(source))
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        if not cell.metadata.get("tags"):
            cell.metadata.pop("tags", None)
    notebook.metadata.pop("papermill", None)
    destination.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, destination)
    return destination
