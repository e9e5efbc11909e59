"""Run notebooks 07 and 08 with papermill at small settings, and check what they did.

The executed copies are kept in build/test/papermill/ next to those of
test_papermill_runs.py (under other names); their build files (model,
history, figures) go to build/test/papermill-advanced/. The thresholds are
for these small runs on the bundled sample; the notebooks' own thresholds are
for full runs.
"""

import shutil
from pathlib import Path

import pytest
from papermill_support import run_notebook, stdout_of

from mnist_helpers import load_history

PROJECT = Path(__file__).resolve().parent.parent
NOTEBOOKS = PROJECT / "notebooks"
EXECUTED = PROJECT / "build" / "test" / "papermill-advanced" / "executed"
BUILD = PROJECT / "build" / "test" / "papermill-advanced"
# 07 on the sample's 8,000 training images (7,200 after the validation split),
# with short comparisons. Measured: fast model about 97 %, augmented about 95-96 %.
SMALL_07 = {
    "data_source": "sample",
    "epochs": 2,
    "augmented_epochs": 2,
    "compare_images": 2000,
    "compare_epochs": 1,
}
CI_THRESHOLD_07 = 0.93
SHIPPED = sorted(path.name for path in (NOTEBOOKS / "images").glob("digit_*.png"))


@pytest.fixture(scope="module")
def build_dir():
    shutil.rmtree(BUILD, ignore_errors=True)
    BUILD.mkdir(parents=True)
    EXECUTED.mkdir(parents=True, exist_ok=True)
    return BUILD


def run(name, output_name, **parameters):
    return run_notebook(name, EXECUTED / f"{output_name}.ipynb", **parameters)


def test_faster_cnn_reaches_its_ci_threshold_and_saves_the_model(build_dir):
    notebook = run(
        "07_faster_cnn",
        "07_faster_cnn",
        build_dir=str(build_dir),
        min_test_accuracy=CI_THRESHOLD_07,
        **SMALL_07,
    )
    printed = stdout_of(notebook)
    for step in ["0 original CNN", "1 pool early", "2b Adam, one-cycle", "5 + batch norm"]:
        assert step in printed
    history, details = load_history(build_dir / "histories" / "fast_cnn.json")
    epochs = SMALL_07["augmented_epochs"] if details["model"] == "augmented" else 2
    assert len(history["val_accuracy"]) == epochs
    assert details["train_images"] == 7200  # the sample's 8,000 less 10 % for validation
    assert details["test_accuracy"] >= CI_THRESHOLD_07
    assert details["fast_test_accuracy"] >= CI_THRESHOLD_07
    assert details["training_seconds"] > 0
    assert (build_dir / "models" / "fast_cnn.keras").stat().st_size > 100_000
    assert (build_dir / "figures" / "fast_cnn_steps.png").read_bytes()[:4] == b"\x89PNG"


def test_what_went_wrong_reloads_the_model_and_reads_the_shipped_digits(build_dir):
    if not (build_dir / "models" / "fast_cnn.keras").exists():
        pytest.skip("07_faster_cnn did not run (see the test above)")
    notebook = run(
        "08_what_went_wrong", "08_what_went_wrong", build_dir=str(build_dir), data_source="sample"
    )
    printed = stdout_of(notebook)
    assert f"loaded {build_dir / 'models' / 'fast_cnn.keras'}" in printed
    assert "the reloaded model predicts the same for all 2000 test images" in printed
    assert len(SHIPPED) >= 3
    for name in SHIPPED:
        digit = name.removeprefix("digit_").removesuffix(".png")
        assert f"{name}: {digit} (" in printed
    assert f"{len(SHIPPED)} shipped pictures read right" in printed
    assert (build_dir / "figures" / "fast_cnn_confusion.png").read_bytes()[:4] == b"\x89PNG"


def test_what_went_wrong_trains_a_short_run_when_the_model_is_missing(build_dir):
    alone = build_dir / "alone"
    notebook = run(
        "08_what_went_wrong",
        "08_what_went_wrong_alone",
        build_dir=str(alone),
        data_source="sample",
        short_run_images=4000,
        short_run_epochs=2,
    )
    printed = stdout_of(notebook)
    assert "No model at" in printed and "Run 07_faster_cnn for the best model" in printed
    assert f"{len(SHIPPED)} shipped pictures read right" in printed
    assert not (alone / "models" / "fast_cnn.keras").exists()  # a short run is not saved as it
