"""The workshop kit: exercises with solutions, cloud links, handouts."""

import json
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest

from tools import handouts

PROJECT = Path(__file__).resolve().parent.parent
# The lessons; 00_setup_check is a local install check, with no exercises and no
# cloud links (in Colab its package checks would fail by design).
ALL_NOTEBOOKS = sorted((PROJECT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
NOTEBOOKS = [path for path in ALL_NOTEBOOKS if not path.stem.startswith("00_")]


def cells_of(path):
    return json.loads(path.read_text())["cells"]


def is_solution(cell):
    return "solution" in cell.get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_ends_with_two_or_more_exercises_each_with_a_hidden_solution(path):
    cells = cells_of(path)
    sources = ["".join(cell["source"]) for cell in cells]
    start = next(i for i, text in enumerate(sources) if text.startswith("## Exercises"))
    exercises = [text for text in sources[start:] if re.search(r"^### Exercise \d", text, re.M)]
    solutions = [
        cell for cell in cells[start:] if is_solution(cell) and cell["cell_type"] == "code"
    ]
    assert len(exercises) >= 2 and len(solutions) >= len(exercises)
    for cell in cells[start:]:
        if is_solution(cell):  # collapsed, its output too: Run All shows no answer
            hidden = cell["metadata"]["jupyter"]
            assert hidden["source_hidden"] is True, "".join(cell["source"])[:60]
            if cell["cell_type"] == "code":
                assert hidden["outputs_hidden"] is True, "".join(cell["source"])[:60]
        elif cell["cell_type"] == "markdown" and not re.search(
            r"^##+ Exercise", sources[cells.index(cell)], re.M
        ):
            text = "".join(cell["source"]).strip()
            assert text.startswith(("## Exercises", "Each exercise")), (
                f"visible under a question: {text[:80]!r}"
            )
    assert not any(is_solution(cell) for cell in cells[:start]), "a solution before the exercises"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_run_all_runs_the_solutions_without_showing_their_results(path):
    # JupyterLab shows a collapsed cell's new output after it runs: capture it.
    for cell in cells_of(path):
        if is_solution(cell) and cell["cell_type"] == "code":
            assert "".join(cell["source"]).startswith("%%capture solution_"), cell["source"][:2]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_exercise_asks_to_predict_or_to_design(path):
    questions = [
        "".join(cell["source"])
        for cell in cells_of(path)
        if re.search(r"^### Exercise \d", "".join(cell["source"]), re.M)
    ]
    assert any(re.search(r"\b(predict|guess|design)", text, re.I) for text in questions), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_cloud_links_point_at_this_notebook(path):
    first = "".join(cells_of(path)[0]["source"])
    colab = re.findall(r"\(https://colab\.research\.google\.com/github/([^)]+)\)", first)
    binder = re.findall(r"\(https://mybinder\.org/v2/gh/([^)]+)\)", first)
    assert len(colab) == 1 and len(binder) == 1
    repo, branch_path = colab[0].split("/blob/")
    assert branch_path == f"main/notebooks/{path.name}"
    binder_repo, query = binder[0].split("/main?labpath=")
    assert binder_repo == repo and unquote(query) == f"notebooks/{path.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_installs_mnist_helpers_when_missing(path):
    code = [cell for cell in cells_of(path) if cell["cell_type"] == "code"]
    first = "".join(code[0]["source"])
    assert "import mnist_helpers" in first and "%pip install" in first
    assert "except ModuleNotFoundError" in first


def test_student_copies_have_no_solutions_and_no_outputs(tmp_path):
    out = handouts.make_student_copies(PROJECT / "notebooks", tmp_path / "student")
    copies = sorted((tmp_path / "student" / "notebooks").glob("*.ipynb"))
    assert [c.name for c in copies] == [p.name for p in ALL_NOTEBOOKS]
    for copy in copies:
        cells = cells_of(copy)
        assert not any(is_solution(cell) for cell in cells)
        assert not any("**Solution**" in "".join(cell["source"]) for cell in cells)
        assert not any("jupyter" in cell["metadata"] for cell in cells)  # nothing collapsed
        for cell in cells:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None
        if not copy.stem.startswith("00_"):
            assert sum("### Exercise" in "".join(c["source"]) for c in cells) >= 2
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        assert {f"student/notebooks/{c.name}" for c in copies} <= names
        assert "student/mnist_helpers/__init__.py" in names
        for copy in copies:
            zipped = json.loads(archive.read(f"student/notebooks/{copy.name}"))
            assert zipped == json.loads(copy.read_text())


def test_html_has_one_page_per_notebook_and_an_index(tmp_path):
    index = handouts.make_html(PROJECT / "notebooks", tmp_path / "html")
    pages = sorted(p.name for p in (tmp_path / "html").glob("[0-9][0-9]_*.html"))
    assert pages == [p.stem + ".html" for p in ALL_NOTEBOOKS]
    links = re.findall(r'href="([^"]+\.html)"', index.read_text())
    assert links == pages
    assert "<title>" in (tmp_path / "html" / pages[0]).read_text()
