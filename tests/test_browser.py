"""Every notebook, run as a learner runs it: in JupyterLab, in a real browser.

The project's JupyterLab (started with `make lab`'s flags: 127.0.0.1, a token)
serves small copies of the notebooks (tests/small_runs.py), written to
build/test/browser/; Debian's Chromium, driven by Playwright, opens each one
in order, checks that it got Jupyter's python3 kernel, runs all its cells and
saves it, two notebooks at a time (in two streams, each in order). They share
one build folder, as a learner's notebooks do: 08 reads what 05 and 06 saved,
12 what 11 saved. The saved notebook, read back through
the server's API, must have no error, nothing on stderr, no cell that never
ran, an image wherever the notebook draws a figure, and in the cells tagged
`nbval-check-output` (what the prose explains) the output that is committed.
This is the one run of most notebooks in `make test`; the notebooks that read
what others saved run once more, alone, under nbval (tests/plugin.py). A screenshot of each
notebook's end is kept next to it, with the server's log and the seconds each
notebook took. Then the executed copies become the website (`make html`),
whose every page, link and image is checked in the browser.

Needs Debian's `chromium` and the `playwright` package (no `playwright install`);
where they are missing the tests are skipped, naming what to install, unless
MNIST_REQUIRE_BROWSER=1 is set, which makes that a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import zipfile
from concurrent.futures import Future
from pathlib import Path

import pytest
from browser_support import (
    KERNEL,
    NOTEBOOKS,
    PROJECT,
    LabServer,
    changed_checked_outputs,
    draw_a_one,
    draws_figures,
    free_port,
    launch_chromium,
    missing_prerequisite,
    problems_of,
    run_in_lab,
    stdout_of,
)
from small_runs import SECOND_STREAM, sources, write_small_copy

from tools import handouts

OUT = PROJECT / "build" / "test" / "browser"
TIMEOUT = 300  # seconds per notebook; about 15-85 s each on 2 cores, two at a time
SOURCES = sources()
DRAWING_NOTEBOOK = "12_what_went_wrong"
PLANTED_IN, PLANTED = "01_loading_data", "planted_error_01"  # a fault planted in a small notebook
# What a notebook must print when it reads what an earlier one saved.
EXPECTED = {
    "08_history_plots": ["simple_nn: read", "cnn: read"],
    "12_what_went_wrong": ["loaded ", "the reloaded model predicts the same"],
}


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
        # What the notebooks save goes here, where the later ones read it.
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
    (out_dir / "seconds.json").write_text(json.dumps(dict(sorted(seconds.items())), indent=1))


def planted_error() -> tuple[int, str]:
    """Where to plant a fault in 01 (after its parameters cell), and the fault."""
    cells = json.loads((NOTEBOOKS / f"{PLANTED_IN}.ipynb").read_text())["cells"]
    parameters = next(
        i for i, cell in enumerate(cells) if "parameters" in cell["metadata"].get("tags", [])
    )
    return parameters + 1, 'raise RuntimeError("planted")'


def run_stream(jobs: list[tuple], lab, results: dict[str, Future], timings: dict) -> None:
    """Run ``jobs`` (name, source, planted cell) in order, in this thread's own Chromium."""
    try:
        with launch_chromium() as chromium:
            context = chromium.new_context(viewport={"width": 1280, "height": 1000})
            for name, source, extra_cell in jobs:
                # In the notebook with the drawing pad, a learner draws a 1 with the mouse.
                drawing = draw_a_one if name == DRAWING_NOTEBOOK else None
                try:
                    run = run_small(source, name, lab, context, extra_cell, after_run=drawing)
                except BaseException as error:  # noqa: BLE001 - reported by its test
                    results[name].set_exception(error)
                    continue
                timings[name] = round(run[0].seconds, 1)
                results[name].set_result(run)
    except BaseException as error:  # noqa: BLE001 - Chromium did not start
        for future in results.values():
            if not future.done():
                future.set_exception(error)


@pytest.fixture(scope="module")
def runs(lab, timings):
    """Every notebook's run, in two streams at once, each in order (small_runs.json).

    A kernel spends most of a small run starting and importing TensorFlow, on
    one core: two notebooks at a time use the second. The second stream holds
    notebooks that read nothing the first saves (12 reads what 11 saved). The
    first ends with 01 with a planted error.
    """
    first = [(s.stem, s, None) for s in SOURCES if s.stem not in SECOND_STREAM]
    first.append((PLANTED, NOTEBOOKS / f"{PLANTED_IN}.ipynb", planted_error()))
    second = [(s.stem, s, None) for s in SOURCES if s.stem in SECOND_STREAM]
    results = {name: Future() for name, _, _ in first + second}
    threads = [
        threading.Thread(target=run_stream, args=(jobs, lab, results, timings), daemon=True)
        for jobs in (first, second)
    ]
    for thread in threads:
        thread.start()
    yield results
    for thread in threads:
        thread.join(timeout=600)


def run_small(source: Path, name: str, lab, browser, extra_cell_after=None, after_run=None):
    """Write the small copy of ``source`` as ``name`` and run it in JupyterLab."""
    copy = write_small_copy(source, OUT / f"{name}.ipynb", extra_cell_after=extra_cell_after)
    run = run_in_lab(
        browser, lab, copy, screenshot=OUT / f"{name}.png", timeout=TIMEOUT, after_run=after_run
    )
    expect_figures = draws_figures(json.loads(source.read_text()))
    return run, problems_of(run, expect_figures)


def printed(notebook: dict) -> str:
    return "".join(stdout_of(cell) for cell in notebook["cells"])


def test_there_are_notebooks_to_run():
    assert len(SOURCES) >= 9, f"no tutorial notebooks found in {NOTEBOOKS}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.stem)
def test_notebook_runs_in_jupyterlab_in_a_browser(source, runs):
    run, problems = runs[source.stem].result(timeout=3600)
    if run.drawn is not None and "predicted: 1" not in run.drawn:  # the drawing pad of 12
        problems.append(f"a vertical stroke was not read as a 1: {run.drawn!r}")
    if run.notebook is not None:
        problems += changed_checked_outputs(json.loads(source.read_text()), run.notebook)
        for text in EXPECTED.get(source.stem, []):
            if text not in printed(run.notebook):
                problems.append(f"it did not print {text!r}")
    assert not problems, (
        f"{source.name} in JupyterLab ({run.path}, screenshot "
        f"{OUT / (source.stem + '.png')}, server log {lab.log}):\n- " + "\n- ".join(problems)
    )


def test_a_notebook_that_raises_is_caught(runs):
    run, problems = runs[PLANTED].result(timeout=3600)
    report = "\n".join(problems)
    assert run.kernel == KERNEL and run.notebook is not None, report
    assert "raised RuntimeError: planted" in report, report
    # run-all stops at the error: the cells after it never ran, and so no digits were drawn.
    assert "never ran" in report, report
    assert "no plot image" in report, report


def test_the_website_shows_every_executed_notebook(runs, browser):
    executed = [OUT / source.name for source in SOURCES]
    missing = [path.name for path in executed if not path.is_file()]
    assert not missing, f"not executed in the browser run: {missing}"
    index = handouts.make_html(OUT, OUT / "site")
    page = browser.new_page()
    try:
        pages = [index, *sorted((OUT / "site").glob("[0-9][0-9]_*.html"))]
        assert len(pages) == len(SOURCES) + 1
        for html in pages:
            page.goto(html.as_uri())
            # The figures are embedded in the page; the Colab and Binder badges
            # come from the web, which the tests do not reach.
            broken = page.evaluate(
                "() => [...document.images].filter(i => !i.src.startsWith('http'))"
                ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))"
            )
            assert not broken, f"{html.name}: images that do not load: {broken}"
            links = page.evaluate("() => [...document.links].map(a => a.getAttribute('href'))")
            local = [link for link in links if link and not link.startswith(("http", "#"))]
            dead = [link for link in local if not (html.parent / link.split("#")[0]).is_file()]
            assert not dead, f"{html.name}: links to pages that do not exist: {dead}"
            if html == index:
                continue
            assert "index.html" in local, f"{html.name} has no link back to the index"
            source = NOTEBOOKS / f"{html.stem}.ipynb"
            if draws_figures(json.loads(source.read_text())):
                images = page.evaluate(
                    "() => [...document.images].filter(i => i.src.startsWith('data:')).length"
                )
                assert images >= 1, f"{html.name}: the notebook draws figures, the page shows none"
    finally:
        page.close()


LAYER_SETTINGS = ("units", "filters", "kernel_size", "strides", "pool_size", "padding", "rate",
                  "activation", "height_factor", "width_factor", "factor", "fill_mode")  # fmt: skip


def layers_of(model_config: dict) -> list[tuple]:
    """(class, the settings that define the layer) for each layer of a Keras model config."""
    return [
        (layer["class_name"], {key: layer["config"].get(key) for key in LAYER_SETTINGS})
        for layer in model_config["config"]["layers"]
        if layer["class_name"] != "InputLayer"
    ]


def saved_config(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))


def test_the_notebooks_build_the_same_models_as_mnist_helpers():
    # The benchmark and the short runs of 06 and 08 use mnist_helpers.models;
    # the notebooks build the models cell by cell. They must stay the same.
    from mnist_helpers import load_history
    from mnist_helpers.models import build_cnn, build_fast_cnn, build_simple_nn

    models = OUT / "build" / "models"
    if not (models / "fast_cnn.keras").is_file():
        pytest.skip("the browser run did not save the models (see the tests above)")
    _, details = load_history(OUT / "build" / "histories" / "fast_cnn.json")
    fast = (
        build_fast_cnn(filters=(32, 64, 128), augment=True)
        if details["model"] == "augmented"
        else build_fast_cnn()
    )
    for name, helper in [("simple_nn", build_simple_nn()), ("cnn", build_cnn("channels_last")),
                         ("fast_cnn", fast)]:  # fmt: skip
        notebook_layers = layers_of(saved_config(models / f"{name}.keras"))
        as_saved = json.loads(json.dumps({"config": helper.get_config()}))  # tuples as lists
        assert notebook_layers == layers_of(as_saved), name
