"""Every notebook, run as a learner runs it: in JupyterLab, in a real browser.

The project's JupyterLab (started with `make lab`'s flags: 127.0.0.1, a token)
serves small copies of the notebooks, written to build/test/browser/; Debian's
Chromium, driven by Playwright, opens each one, checks that it got the
project's kernel, runs all its cells and saves it. The saved notebook, read back
through the server's API, must have no error, no cell that never ran, and an
image wherever the notebook draws a figure. A screenshot of each notebook's end
is kept next to it, with the server's log and the time each notebook took.

Needs Debian's `chromium` and the `playwright` package (no `playwright install`);
where they are missing the tests are skipped, naming what to install, unless
MNIST_REQUIRE_BROWSER=1 is set, which makes that a failure.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from browser_support import (
    NOTEBOOKS,
    PROJECT,
    LabServer,
    draws_figures,
    free_port,
    launch_chromium,
    missing_prerequisite,
    problems_of,
    run_in_lab,
    small_copy,
)

OUT = PROJECT / "build" / "test" / "browser"
SMALL = {
    "data_source": "sample",
    "n_train_images": 2000,
    "epochs": 1,
    "min_test_accuracy": 0.5,
    "short_run_images": 1000,
    "short_run_epochs": 1,
}
TIMEOUT = 300  # seconds per notebook; about 10-40 s each on 2 cores
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def out_dir():
    missing = missing_prerequisite()
    if missing:
        if os.environ.get("MNIST_REQUIRE_BROWSER") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    return OUT


@pytest.fixture(scope="module")
def lab(out_dir):
    server = LabServer(
        state_dir=out_dir / "server",
        port=free_port(),
        # Whatever a notebook builds without a build_dir goes here, not to build/.
        extra_env={"MNIST_BUILD_DIR": str(out_dir / "build")},
    )
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(lab):
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def timings(out_dir):
    seconds = {}
    yield seconds
    (out_dir / "seconds.json").write_text(json.dumps(seconds, indent=1))


def run_small(source: Path, name: str, lab, browser, extra_cell_after=None):
    copy, _ = small_copy(
        source,
        OUT / f"{name}.ipynb",
        {**SMALL, "build_dir": str(OUT / "build")},
        extra_cell_after=extra_cell_after,
    )
    run = run_in_lab(browser, lab, copy, screenshot=OUT / f"{name}.png", timeout=TIMEOUT)
    expect_figures = draws_figures(json.loads(source.read_text()))
    return run, problems_of(run, expect_figures)


def test_there_are_notebooks_to_run():
    assert len(SOURCES) >= 6, f"no tutorial notebooks found in {NOTEBOOKS}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.stem)
def test_notebook_runs_in_jupyterlab_in_a_browser(source, lab, browser, timings):
    run, problems = run_small(source, source.stem, lab, browser)
    timings[source.stem] = round(run.seconds, 1)
    assert not problems, (
        f"{source.name} in JupyterLab ({run.path}, screenshot "
        f"{OUT / (source.stem + '.png')}, server log {lab.log}):\n- " + "\n- ".join(problems)
    )
    assert (OUT / f"{source.stem}.png").read_bytes()[:4] == b"\x89PNG"


def test_a_notebook_that_raises_is_caught(lab, browser, timings):
    source = NOTEBOOKS / "01_loading_data.ipynb"
    cells = json.loads(source.read_text())["cells"]
    parameters = next(
        i for i, cell in enumerate(cells) if "parameters" in cell["metadata"].get("tags", [])
    )
    run, problems = run_small(
        source,
        "01_planted_error",
        lab,
        browser,
        extra_cell_after=(parameters + 2, 'raise RuntimeError("planted")'),
    )
    timings["01_planted_error"] = round(run.seconds, 1)
    report = "\n".join(problems)
    assert run.kernel == "mnist-tutorial" and run.notebook is not None, report
    assert "raised RuntimeError: planted" in report, report
    # run-all stops at the error: the cells after it never ran, and so no digits were drawn.
    assert "never ran" in report, report
    assert "no plot image" in report, report
