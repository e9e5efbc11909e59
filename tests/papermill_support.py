"""Running a notebook with papermill for the tests, and reading what it printed."""

import json
from pathlib import Path

import papermill

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run_notebook(name: str, output: Path, **parameters) -> dict:
    """Execute notebooks/<name>.ipynb into ``output``; return the executed notebook's JSON.

    Fails if the run changed the source notebook.
    """
    source = NOTEBOOKS / f"{name}.ipynb"
    before = source.read_bytes()
    output.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(source), str(output), parameters=parameters, cwd=str(NOTEBOOKS), progress_bar=False
    )
    assert source.read_bytes() == before, "papermill changed the source notebook"
    return json.loads(output.read_text())


def stdout_of(notebook: dict) -> str:
    """Everything the notebook's cells printed to stdout."""
    return "".join(
        "".join(output.get("text", ""))
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if output.get("name") == "stdout"
    )
