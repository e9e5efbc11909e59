"""pytest settings for the suite (loaded with -p tests.plugin).

- the header says which CPU case the run covers: TensorFlow's oneDNN kernels
  on or off, native bfloat16 or not (`make test ONEDNN=0` switches oneDNN off);
- before collection, small copies (tests/small_runs.py) of the notebooks that
  read what others saved are written to build/test/small/; nbval runs those,
  each in a fresh kernel, with an empty MNIST_BUILD_DIR, so that each runs
  alone, as a learner who opens it first runs it. Every notebook runs in the
  browser test (tests/test_browser.py), in order; that run is the only one of
  the others;
- stderr is not compared: TensorFlow writes log lines there that depend on the
  machine;
- each output message may take up to a minute: nbval's default of 5 seconds
  times out while a model trains on a loaded 2-core machine;
- at the end, the notebooks whose browser run took longer than the budget of
  small_runs.json are listed.
"""

import json
import os
import shutil
from pathlib import Path

from tests.small_runs import BUDGET_SECONDS, READ_OTHERS, sources, write_small_copy

PROJECT = Path(__file__).resolve().parent.parent
SMALL = PROJECT / "build" / "test" / "small"
BROWSER_SECONDS = PROJECT / "build" / "test" / "browser" / "seconds.json"


def pytest_report_header(config):
    from mnist_helpers.models import bfloat16_flags, cpu_supports_bfloat16, onednn_enabled

    setting = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "not set: TensorFlow's default")
    return [
        f"TensorFlow oneDNN: {'on' if onednn_enabled() else 'off'} "
        f"(TF_ENABLE_ONEDNN_OPTS {setting}); native bfloat16 flags: "
        f"{', '.join(bfloat16_flags()) or 'none'}; mixed bfloat16 used: {cpu_supports_bfloat16()}"
    ]


def pytest_configure(config):
    # Once, in the process that starts pytest-xdist's workers, before they collect.
    if not getattr(config.option, "nbval_lax", False) or hasattr(config, "workerinput"):
        return
    shutil.rmtree(SMALL, ignore_errors=True)
    for source in sources():
        if source.stem in READ_OTHERS:
            write_small_copy(source, SMALL / source.name)
    BROWSER_SECONDS.unlink(missing_ok=True)  # reported at the end if the browser test ran
    build = os.environ.get("MNIST_BUILD_DIR")
    if build:
        shutil.rmtree(build, ignore_errors=True)  # so that the first notebooks run alone


def pytest_collectstart(collector):
    if hasattr(collector, "skip_compare"):
        collector.skip_compare = (*collector.skip_compare, "stderr")


def pytest_collection_modifyitems(items):
    for item in items:
        if hasattr(item, "output_timeout"):
            item.output_timeout = 60

    def longest_first(item):
        path = Path(str(item.fspath))
        return 0 if path.name == "test_browser.py" else 1 if path.parent == SMALL else 2

    # Two workers (make test runs pytest -n 2, each file on one worker): the browser
    # run, the longest, starts first on one; the rest share the other. Stable: the
    # cells of a notebook and the tests of a file stay in order.
    items.sort(key=longest_first)


def pytest_terminal_summary(terminalreporter):
    if not BROWSER_SECONDS.is_file():
        return
    seconds = json.loads(BROWSER_SECONDS.read_text())
    slow = {name: s for name, s in seconds.items() if s > BUDGET_SECONDS}
    terminalreporter.section("notebook run times (browser, small settings)")
    for name, value in seconds.items():
        flag = f"  OVER the budget of {BUDGET_SECONDS} s" if name in slow else ""
        terminalreporter.write_line(f"{name:<28} {value:6.1f} s{flag}")
