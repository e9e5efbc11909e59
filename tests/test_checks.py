"""Tests for mnist_helpers.checks: `make check` and the setup-check notebook."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from mnist_helpers import checks, data
from mnist_helpers.checks import (
    Check,
    check_data,
    check_disk,
    check_keras,
    check_kernel,
    check_memory,
    check_packages,
    check_python,
    check_training,
    format_check,
    main,
    run_checks,
    summary_line,
)
from mnist_helpers.data import GET_FULL_MNIST

NAMES = ["python", "packages", "keras", "kernel", "data", "training", "memory", "disk"]
SAMPLE = Path(__file__).resolve().parent.parent / "mnist_helpers" / "sample_data"


def lines_of(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


@pytest.fixture(autouse=True)
def no_mnist_data(monkeypatch, tmp_path):
    """No MNIST_DATA and an empty Keras cache, whatever the developer has set."""
    monkeypatch.delenv("MNIST_DATA", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))


# ---------------------------------------------------------------------------
# Everything together
# ---------------------------------------------------------------------------


def test_everything_passes_on_this_machine():
    results = run_checks()
    assert [check.name for check in results] == NAMES
    failed = [format_check(check) for check in results if not check.ok]
    assert not failed, failed
    assert summary_line(results) == "All 8 checks passed."
    # MNIST_DATA unset, Keras' cache empty: the sample, and how to get the full set.
    assert "bundled sample" in results[4].detail and "make data" in results[4].detail


def test_cli_prints_one_line_per_check_and_a_summary(capsys):
    assert main(["--skip-training"]) == 0
    lines = lines_of(capsys.readouterr().out)
    assert len(lines) == 8
    assert [line.split(":")[0] for line in lines[:7]] == [
        f"OK   {name}" for name in NAMES if name != "training"
    ]
    assert lines[-1] == "All 7 checks passed."


def test_cli_fails_when_the_data_is_missing(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("MNIST_DATA", str(tmp_path / "gone.npz"))
    assert main(["--skip-training"]) == 1
    lines = lines_of(capsys.readouterr().out)
    (data_line,) = [line for line in lines if line.startswith("FAIL data:")]
    assert "gone.npz" in data_line
    assert "-> fix: point MNIST_DATA at an .npz file" in data_line
    assert lines[-1] == "1 of 7 checks failed: data."


def test_cli_fails_when_a_package_is_missing_or_at_another_version(capsys, tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# pins\nnotapackage==1.0\n\nnumpy==0.0.1\n")
    assert main(["--skip-training", "--requirements", str(requirements)]) == 1
    lines = lines_of(capsys.readouterr().out)
    (line,) = [line for line in lines if line.startswith("FAIL packages:")]
    assert "notapackage not installed (1.0 is tested)" in line
    assert f"numpy {np.__version__} installed, 0.0.1 is tested" in line
    assert line.endswith("-> fix: " + checks.FIX_SETUP)
    assert "make setup" in line
    assert lines[-1] == "1 of 7 checks failed: packages."


def test_a_check_that_raises_is_reported_as_failed(monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(checks, "check_python", broken)
    results = run_checks(training=False)
    assert results[0] == Check(
        "python", False, "the check itself failed: RuntimeError: boom", checks.FIX_SETUP
    )
    assert summary_line(results) == "1 of 7 checks failed: python."


def test_outside_a_checkout_the_pins_are_not_compared(tmp_path):
    results = run_checks(training=False, project=tmp_path)
    packages = next(check for check in results if check.name == "packages")
    assert packages.ok and "not in a checkout" in packages.detail
    disk = next(check for check in results if check.name == "disk")
    assert disk.ok and str(Path.cwd()) in disk.detail


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def test_format_and_summary():
    good = Check("python", True, "3.11.7")
    bad = Check("disk", False, "0.1 GB free", "free some space")
    assert format_check(good) == "OK   python: 3.11.7"
    assert format_check(bad) == "FAIL disk: 0.1 GB free -> fix: free some space"
    assert summary_line([good, good]) == "All 2 checks passed."
    assert summary_line([bad, good, Check("data", False, "", "")]) == (
        "2 of 3 checks failed: disk, data."
    )


# ---------------------------------------------------------------------------
# Each check, failing
# ---------------------------------------------------------------------------


def test_python_version():
    assert checks.supported_pythons() == [(3, 11), (3, 12), (3, 13)]  # from pyproject.toml
    assert check_python((3, 11, 7)).ok
    assert check_python((3, 13, 0)).ok
    for too_old_or_new in [(3, 10, 13), (3, 14, 0)]:
        result = check_python(too_old_or_new)
        assert not result.ok and "3.11 to 3.13 supported" in result.detail, result
        assert "install on no other versions" in result.detail and "make setup" in result.fix


def test_packages(tmp_path):
    assert check_packages(None).ok
    missing = check_packages(tmp_path / "nope.txt")
    assert not missing.ok and "nope.txt: file not found" in missing.detail
    good = tmp_path / "good.txt"
    good.write_text(f"numpy=={np.__version__}  # comment\nsomething>=1\n")
    result = check_packages(good)
    assert result.ok and "all 1 packages" in result.detail


def test_a_compatible_version_passes_and_is_named(tmp_path):
    major = np.__version__.split(".")[0]
    other = tmp_path / "other.txt"
    other.write_text(f"numpy=={major}.0.0\n")
    result = check_packages(other)
    assert result.ok, result
    assert f"numpy {np.__version__} ({major}.0.0 tested)" in result.detail


def test_the_check_reads_only_the_learner_requirements():
    learner = (checks.PROJECT / "requirements.txt").read_text()
    assert "pytest" not in learner and "nbval" not in learner and "playwright" not in learner
    result = check_packages(checks.PROJECT / "requirements.txt")
    assert result.ok, result


def test_keras_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "keras", None)
    result = check_keras()
    assert not result.ok and "cannot import keras" in result.detail
    assert "make setup" in result.fix


def test_keras_2_is_refused(monkeypatch):
    old = SimpleNamespace(__version__="2.15.0", backend=SimpleNamespace(backend=lambda: "tf"))
    monkeypatch.setitem(sys.modules, "keras", old)
    result = check_keras()
    assert not result.ok and "Keras 2.15.0" in result.detail and "Keras 3" in result.detail


def test_keras_on_another_backend_is_refused(monkeypatch):
    jax = SimpleNamespace(__version__="3.15.1", backend=SimpleNamespace(backend=lambda: "jax"))
    monkeypatch.setitem(sys.modules, "keras", jax)
    result = check_keras()
    assert not result.ok and "'jax' backend" in result.detail
    assert "KERAS_BACKEND" in result.fix


def test_keras_here():
    result = check_keras()
    assert result.ok and result.detail.startswith("Keras 3.") and "TensorFlow 2." in result.detail


def test_kernel(tmp_path):
    assert check_kernel("/env/bin/python", ["python", "-m", "ipykernel_launcher"]).ok
    assert check_kernel(sys.executable, [sys.executable, "-m", "ipykernel_launcher"]).ok
    other = check_kernel(sys.executable, ["/somewhere/else/python", "-m", "ipykernel_launcher"])
    assert not other.ok and "/somewhere/else/python" in other.detail
    assert "make lab" in other.fix and "jupyter kernelspec list" in other.fix


def test_kernel_here():
    result = check_kernel()
    assert result.ok, result


def test_data_from_mnist_data():
    result = check_data(str(SAMPLE / "mnist-sample.npz"))
    assert result.ok and "8,000 training + 2,000 test" in result.detail


def test_data_with_a_missing_mnist_data(tmp_path):
    result = check_data(str(tmp_path / "gone.npz"))
    assert not result.ok and "gone.npz" in result.detail and "MNIST_DATA" in result.fix


def test_data_with_only_the_sample_says_how_to_get_more(tmp_path):
    result = check_data("", tmp_path)
    assert result.ok and "bundled sample" in result.detail and "8,000 training" in result.detail
    assert f"no full MNIST in {tmp_path / 'datasets'} yet" in result.detail
    assert GET_FULL_MNIST in result.detail  # the one text on getting the full data


def keras_file_in(cache: Path) -> Path:
    """Write a small MNIST-like mnist.npz where Keras keeps its file; return it."""
    (cache / "datasets").mkdir()
    arrays = {
        "x_train": np.zeros((3, 28, 28), np.uint8),
        "y_train": np.arange(3, dtype=np.uint8),
        "x_test": np.zeros((2, 28, 28), np.uint8),
        "y_test": np.arange(2, dtype=np.uint8),
    }
    np.savez(cache / "datasets" / "mnist.npz", **arrays)
    return cache / "datasets" / "mnist.npz"


def test_data_from_keras_own_file(monkeypatch, tmp_path):
    path = keras_file_in(tmp_path)
    monkeypatch.setattr(data, "KERAS_MNIST_SHA256", data.sha256_file(path))
    result = check_data("", tmp_path)
    assert result.ok and f"Keras' own {path} (checksum OK)" in result.detail
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # the default cache_dir
    assert check_data("") == result


def test_data_with_a_file_that_is_not_keras_own(tmp_path):
    path = keras_file_in(tmp_path)
    result = check_data("", tmp_path)  # Keras downloads it again online; offline: the sample
    assert result.ok and f"{path} is not Keras' file" in result.detail
    assert "bundled sample" in result.detail


def test_data_with_an_unreadable_keras_file(monkeypatch, tmp_path):
    keras_file_in(tmp_path)

    def refuse(path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(data, "sha256_file", refuse)
    result = check_data("", tmp_path)
    assert not result.ok and "cannot be read" in result.detail and "make data" in result.fix


def test_data_with_a_broken_sample(monkeypatch, tmp_path):
    monkeypatch.setattr(checks, "sample_path", lambda: tmp_path / "missing.npz")
    result = check_data("", tmp_path)
    assert not result.ok and "the bundled sample does not load" in result.detail
    assert result.fix == checks.FIX_SETUP


def test_training_that_does_not_reach_the_threshold():
    result = check_training(n_train=200, n_test=200, epochs=1, min_accuracy=1.01)
    assert not result.ok and "below 1.01" in result.detail
    assert "200 training digits" in result.detail and " s)" in result.detail


def test_training_that_crashes(monkeypatch, tmp_path):
    monkeypatch.setattr(checks, "sample_path", lambda: tmp_path / "missing.npz")
    result = check_training()
    assert not result.ok and result.detail.startswith("training failed: MnistDataError")


def test_memory(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 8000000 kB\nMemAvailable:    1048576 kB\n")
    result = check_memory(meminfo=meminfo)
    assert not result.ok and "1.0 GB available (2.0 GB needed)" in result.detail
    assert "close other programs" in result.fix
    assert check_memory(min_bytes=1, meminfo=tmp_path / "absent").ok  # os.sysconf


def test_disk(tmp_path):
    assert check_disk(tmp_path / "not" / "made" / "yet", min_bytes=1).ok
    result = check_disk(tmp_path, min_bytes=10**18)
    assert not result.ok and str(tmp_path) in result.detail and "make clean" in result.fix


BLOCK_DEV_TOOLS = """
import importlib.abc, sys

class NoDevTools(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"pytest", "nbval", "papermill", "playwright", "ruff"}:
            raise ModuleNotFoundError(f"No module named {name!r} (a learner has no dev tools)")

sys.meta_path.insert(0, NoDevTools())
from mnist_helpers.checks import main
sys.exit(main(["--skip-training"]))
"""


def test_make_check_needs_none_of_the_development_tools():
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", BLOCK_DEV_TOOLS], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All 7 checks passed." in done.stdout, done.stdout


def test_inside_a_notebook_jupyterlab_is_not_needed(tmp_path, monkeypatch):
    # Colab runs the setup-check notebook without JupyterLab: that is fine there.
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("jupyterlab==4.6.6\n")
    real_version = checks.importlib.metadata.version

    def no_jupyterlab(name):
        if name == "jupyterlab":
            raise checks.importlib.metadata.PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(checks.importlib.metadata, "version", no_jupyterlab)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    assert not check_packages(requirements).ok  # in a terminal: `make lab` needs it
    monkeypatch.setitem(sys.modules, "ipykernel", SimpleNamespace())
    assert check_packages(requirements).ok
