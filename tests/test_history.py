"""Tests of mnist_helpers.history: saving, reading and the build folder."""

import json
from pathlib import Path

import pytest

import mnist_helpers
from mnist_helpers.history import find_build_dir, load_history, save_history

HISTORY = {
    "accuracy": [0.9, 0.95],
    "loss": [0.3, 0.2],
    "val_accuracy": [0.92, 0.96],
    "val_loss": [0.25, 0.15],
}


def test_save_and_load_round_trip(tmp_path):
    path = save_history(HISTORY, tmp_path / "h" / "model.json", test_accuracy=0.97, epochs=2)
    assert path == tmp_path / "h" / "model.json"
    history, details = load_history(path)
    assert history == HISTORY
    assert details == {"test_accuracy": 0.97, "epochs": 2}
    assert [p.name for p in path.parent.iterdir()] == ["model.json"]  # no .partial left


def test_save_history_refuses_a_history_without_validation(tmp_path):
    training_only = {"accuracy": [0.9], "loss": [0.3]}
    with pytest.raises(ValueError, match="no val_accuracy, val_loss.*validation_data"):
        save_history(training_only, tmp_path / "model.json")
    assert not (tmp_path / "model.json").exists()


def test_load_history_of_a_missing_file_says_which_notebook_to_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="No training history at .*05_simple_nn"):
        load_history(tmp_path / "missing.json")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "is not a training history"),
        (json.dumps({"details": {}}), "is not a training history"),
        (json.dumps({"history": {**HISTORY, "loss": [0.3]}}), "incomplete or invalid"),
        (json.dumps({"history": {k: [] for k in HISTORY}}), "incomplete or invalid"),
    ],
)
def test_load_history_refuses_broken_files(tmp_path, content, problem):
    path = tmp_path / "model.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=problem) as error:
        load_history(path)
    assert "model.json" in str(error.value) and "run the training notebook" in str(error.value)


def test_find_build_dir_uses_the_argument_and_creates_it(tmp_path):
    wanted = tmp_path / "somewhere" / "build"
    assert find_build_dir(wanted) == wanted.resolve() and wanted.is_dir()


def test_find_build_dir_reads_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_BUILD_DIR", str(tmp_path / "from_env"))
    assert find_build_dir() == (tmp_path / "from_env").resolve()


def test_find_build_dir_defaults_to_the_project_build_folder(monkeypatch):
    monkeypatch.delenv("MNIST_BUILD_DIR", raising=False)
    project = Path(mnist_helpers.__file__).resolve().parent.parent
    build = find_build_dir()
    assert build == project / "build"
    assert "notebooks" not in build.parts
