"""How the committed notebooks are written: the rules CI and learners rely on."""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
CHECK_TAG = "nbval-check-output"


def cells_of(path):
    return json.loads(path.read_text())["cells"]


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def source(cell):
    return "".join(cell["source"])


def test_the_series_is_complete_and_in_order():
    names = [path.stem for path in NOTEBOOKS]
    # The original tutorial's order, then what the series adds.
    assert names == [
        "00_setup_check",
        "01_loading_data",
        "02_reshaping",
        "03_one_hot_encoding",
        "04_how_a_network_learns",
        "05_simple_nn",
        "06_cnn",
        "07_what_the_cnn_sees",
        "08_history_plots",
        "09_overfitting",
        "10_baselines",
        "11_training_better",
        "12_what_went_wrong",
        "13_other_data",
        "14_fast_on_a_cpu",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_opens_with_what_it_teaches_and_how_long_it_takes(path):
    first = cells_of(path)[0]
    assert first["cell_type"] == "markdown"
    assert source(first).startswith(f"# {int(path.stem[:2])}. "), "its title names its number"
    # How long, and on what kind of CPU: timings differ several times between CPUs.
    assert "**Time:**" in source(first) and "CPU" in source(first)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_parameters_cell_of_plain_assignments(path):
    cells = [cell for cell in cells_of(path) if "parameters" in tags(cell)]
    assert len(cells) == 1
    for line in source(cells[0]).splitlines():
        name, equals, value = line.partition(" = ")
        assert equals and name.isidentifier(), f"not a plain assignment: {line!r}"
        # What a learner may change, each said what it means; nothing only the tests use.
        assert "  # " in value or path.stem.startswith("00_"), f"no comment: {line!r}"
        assert name not in {"build_dir"}, f"a setting for the tests, not the learner: {line!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_learner_cells_do_not_talk_about_the_tests(path):
    for cell in cells_of(path):
        text = source(cell)
        assert not re.search(r"(?i)\b(the tests\b|tests check|nbval|papermill)|\bCI\b", text), text[
            :200
        ]
        assert "\\x89PNG" not in text and 'b"\\x89PNG' not in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_prose_comes_before_every_code_cell(path):
    cells = cells_of(path)
    for before, cell in zip(cells, cells[1:], strict=False):
        if cell["cell_type"] == "code":
            assert before["cell_type"] == "markdown", f"no prose before: {source(cell)[:60]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_are_committed_only_in_the_checked_cells(path):
    for cell in cells_of(path):
        if cell["cell_type"] != "code":
            continue
        if CHECK_TAG in tags(cell):
            assert cell["outputs"] and cell["execution_count"], source(cell)[:60]
        else:
            assert not cell["outputs"] and cell["execution_count"] is None, source(cell)[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_training_notebooks_set_seeds_and_assert_results(path):
    text = "\n".join(source(cell) for cell in cells_of(path) if cell["cell_type"] == "code")
    assert "assert " in text
    if ".fit(" in text:
        assert "keras.utils.set_random_seed(" in text
    if "min_test_accuracy" in text:  # trains to a result: chosen on validation, tested once
        assert "validation_data=" in text or "validation_split=" in text
        assert "assert test_accuracy >= min_test_accuracy" in text
