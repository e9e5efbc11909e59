"""Run the tutorial's notebooks the way a learner does: JupyterLab in a real browser.

Used by tests/test_browser.py (and, for `make lab`'s settings and the server,
by tests/test_faults.py). The pieces:

- ``lab_flags()``: the flags of `make lab`, from tools/make.py, so that the
  tests start the same server a learner gets;
- ``LabServer``: that JupyterLab on a free port, in its own process group, with
  its settings, workspaces and runtime files in a temporary folder;
- ``launch_chromium()``: Debian's Chromium driven by Playwright (never
  Playwright's own browser download);
- ``run_in_lab()``: open it in JupyterLab, run all cells, save, read it back;
- ``problems_of()``: what a learner would see go wrong in the saved notebook;
- ``changed_checked_outputs()``: the cells whose printed output the lesson
  explains (tagged ``nbval-check-output``) that printed something else.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tools.make import lab_command, venv_bin

PROJECT = Path(__file__).resolve().parent.parent
NOTEBOOKS = PROJECT / "notebooks"
JUPYTER = venv_bin("jupyter")
CHROMIUM = Path("/usr/bin/chromium")
KERNEL = "python3"  # Jupyter's own kernel: the environment's Python under `make lab`, and Colab's
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Calls that draw a figure: a notebook that makes them must show an image.
PLOT_CALL = re.compile(r"\b(plot_digits|plot_history|plt\.subplots|savefig)\s*\(")


# ---------------------------------------------------------------------------
# What is needed, and what is missing
# ---------------------------------------------------------------------------


def missing_prerequisite() -> str | None:
    """Say what the browser tests lack (Chromium, Playwright), or None."""
    if not CHROMIUM.is_file():
        return (
            "Debian package 'chromium' is not installed: apt-get install chromium "
            f"(the browser tests drive {CHROMIUM})"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return (
            "Python package 'playwright' is not installed: "
            "`make dev` (requirements-dev.txt; never `playwright install`)"
        )
    if not JUPYTER.is_file():
        return f"{JUPYTER} is missing: run `make setup`"
    return None


# ---------------------------------------------------------------------------
# `make lab`'s settings
# ---------------------------------------------------------------------------


def lab_flags(token: str) -> list[str]:
    """The `jupyter lab` flags of `make lab` (tools/make.py), with ``token``.

    Raises AssertionError if they have no 127.0.0.1 address or no token: the
    tests start only a server a learner could safely get.
    """
    flags = [flag for flag in lab_command(token)[2:] if flag != "--allow-root"]
    if "--ServerApp.ip=127.0.0.1" not in flags:
        raise AssertionError(f"`make lab` does not set --ServerApp.ip=127.0.0.1: {flags}")
    if f"--IdentityProvider.token={token}" not in flags or not token:
        raise AssertionError(f"`make lab` starts JupyterLab without a token: {flags}")
    return flags


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------


@dataclass
class LabServer:
    """JupyterLab started with `make lab`'s flags; stop() ends it and its kernels."""

    state_dir: Path
    port: int
    extra_env: dict[str, str] = field(default_factory=dict)
    extra_args: list[str] = field(default_factory=list)
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    process: subprocess.Popen | None = None
    info: dict = field(default_factory=dict)

    @property
    def log(self) -> Path:
        return self.state_dir / "jupyter.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.info.get('port', self.port)}"

    def command(self) -> list[str]:
        flags = lab_flags(self.token)
        for extra in (
            "--allow-root",
            f"--ServerApp.port={self.port}",
            "--LabApp.expose_app_in_browser=True",
            f"--ServerApp.root_dir={PROJECT}",
            *self.extra_args,
        ):
            name = extra.partition("=")[0]
            flags = [flag for flag in flags if flag.partition("=")[0] != name] + [extra]
        return [str(JUPYTER), "lab", *flags]

    def start(self, timeout: float = 90) -> LabServer:
        """Start the server and wait until /api/status answers with the token."""
        shutil.rmtree(self.state_dir, ignore_errors=True)
        for name in ("runtime", "config", "settings", "workspaces"):
            (self.state_dir / name).mkdir(parents=True)
        # No news or update checks: the tests run offline.
        quiet = self.state_dir / "settings" / "@jupyterlab" / "apputils-extension"
        quiet.mkdir(parents=True)
        (quiet / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        env = {
            **os.environ,
            "JUPYTER_RUNTIME_DIR": str(self.state_dir / "runtime"),
            "JUPYTER_CONFIG_DIR": str(self.state_dir / "config"),
            "JUPYTERLAB_SETTINGS_DIR": str(self.state_dir / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.state_dir / "workspaces"),
            **self.extra_env,
        }
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=PROJECT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as one in stop()
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"JupyterLab exited with code {self.process.returncode} before "
                    f"answering; its log:\n{self.log_tail()}"
                )
            self.info = self._server_info()
            if self.info:
                try:
                    self.get("/api/status")
                    return self
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
            time.sleep(0.5)
        raise RuntimeError(f"JupyterLab did not answer within {timeout} s:\n{self.log_tail()}")

    def _server_info(self) -> dict:
        """The server's own jpserver-<pid>.json: its real port, url and token."""
        assert self.process is not None
        path = self.state_dir / "runtime" / f"jpserver-{self.process.pid}.json"
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return {}

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def request(
        self, method: str, path: str, token: bool = True, timeout: float = 30
    ) -> tuple[int, bytes]:
        """One HTTP request to the server: (status, body); errors give their status."""
        url = self.base_url + path
        if token:
            url += ("&" if "?" in url else "?") + f"token={self.token}"
        request = urllib.request.Request(url, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def get(self, path: str) -> object:
        status, body = self.request("GET", path)
        if status != 200:
            raise ConnectionError(f"GET {path}: HTTP {status}")
        return json.loads(body)

    def session_for(self, path: str) -> dict | None:
        for session in self.get("/api/sessions"):
            if session.get("path") == path:
                return session
        return None

    def stop(self) -> None:
        """Shut the kernels down, then end the server's process group."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(Exception):
            for session in self.get("/api/sessions"):
                self.request("DELETE", f"/api/sessions/{session['id']}", timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


# ---------------------------------------------------------------------------
# The browser
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def launch_chromium():
    """Debian's Chromium, headless, driven by Playwright; closed on leaving."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


# ---------------------------------------------------------------------------
# Notebooks: a small copy, a run in JupyterLab, and the check
# ---------------------------------------------------------------------------


def draws_figures(notebook: dict) -> bool:
    """True if the notebook's code calls plot_digits, plot_history, plt.subplots or savefig."""
    return any(
        PLOT_CALL.search("".join(cell["source"]))
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
    )


@dataclass
class LabRun:
    """What happened when a notebook ran in JupyterLab."""

    path: str
    kernel: str | None = None
    notebook: dict | None = None
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)  # problems of the run itself
    drawn: str | None = None  # what the drawing pad answered (notebook 12)


OPEN_JS = """
(path) => {
  const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  return Boolean(widget && widget.context && widget.context.path === path
    && widget.sessionContext && widget.sessionContext.session
    && widget.sessionContext.session.kernel);
}
"""

RUN_ALL_JS = """
() => {
  window.__mnistRun = {done: false};
  Promise.resolve(window.jupyterapp.commands.execute('notebook:run-all-cells')).then(
    (result) => { window.__mnistRun = {done: true, result: String(result)}; },
    (error) => { window.__mnistRun = {done: true, error: String(error)}; });
}
"""

TO_LAST_CELL_JS = """
async () => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  notebook.activeCellIndex = notebook.widgets.length - 1;
  if (notebook.scrollToItem) {
    await notebook.scrollToItem(notebook.activeCellIndex, 'end');
  } else {
    notebook.activeCell.node.scrollIntoView(false);
  }
}
"""


def run_in_lab(
    browser,
    server: LabServer,
    notebook_path: Path,
    screenshot: Path,
    timeout: float = 300,
    after_run=None,
) -> LabRun:
    """Open a notebook in JupyterLab, run all its cells, save it, and read it back.

    ``browser`` is a Playwright browser context (or browser), whose viewport the
    page gets. ``notebook_path`` must be under the project (the server's root). The page
    is closed and the notebook's kernel shut down at the end, whatever happens.
    ``after_run(page, run)``, if given, is called once all cells have run, with
    the kernel still alive (to use a widget the notebook shows).
    """
    relative = notebook_path.resolve().relative_to(PROJECT).as_posix()
    run = LabRun(path=relative)
    start = time.monotonic()
    page = browser.new_page()
    try:
        page.goto(f"{server.base_url}/lab/tree/{relative}?token={server.token}&reset")
        page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
        try:
            page.wait_for_function(OPEN_JS, arg=relative, timeout=90_000, polling=500)
        except Exception as error:  # noqa: BLE001 - Playwright's TimeoutError
            run.failures.append(f"the notebook opened with no kernel within 90 s ({error})")
        session = server.session_for(relative)
        run.kernel = session["kernel"]["name"] if session else None
        if run.kernel != KERNEL:
            run.failures.append(f"opened with kernel {run.kernel!r}, not the project's {KERNEL!r}")
            page.screenshot(path=str(screenshot), full_page=True)
            return run
        page.evaluate(RUN_ALL_JS)
        try:
            page.wait_for_function(
                "() => window.__mnistRun.done", timeout=timeout * 1000, polling=1000
            )
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError
            run.failures.append(f"run-all did not finish within {timeout:.0f} s")
        outcome = page.evaluate("() => window.__mnistRun")
        if outcome.get("error"):
            run.failures.append(f"notebook:run-all-cells failed: {outcome['error']}")
        wait_until_idle(server, relative, run)
        if after_run is not None and not run.failures:
            after_run(page, run)
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        page.evaluate(TO_LAST_CELL_JS)
        page.wait_for_timeout(500)  # let the last outputs paint
        page.screenshot(path=str(screenshot), full_page=True)
        status, body = server.request("GET", f"/api/contents/{relative}?content=1")
        if status == 200:
            run.notebook = json.loads(body)["content"]
        else:
            run.failures.append(f"could not read the saved notebook back: HTTP {status}")
    finally:
        run.seconds = time.monotonic() - start
        with contextlib.suppress(Exception):
            session = server.session_for(relative)
            if session:
                server.request("DELETE", f"/api/sessions/{session['id']}")
        page.close()
    return run


def wait_until_idle(server: LabServer, relative: str, run: LabRun, timeout: float = 60) -> None:
    """Wait until the notebook's kernel reports idle in /api/sessions."""
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        session = server.session_for(relative)
        state = session["kernel"].get("execution_state") if session else None
        if state == "idle":
            return
        time.sleep(0.5)
    run.failures.append(f"the kernel was still {state!r} {timeout:.0f} s after run-all ended")


def problems_of(run: LabRun, expect_figures: bool) -> list[str]:
    """Everything a learner would see go wrong in the saved notebook.

    An error output, anything printed to stderr (TensorFlow's log lines, a
    warning), a code cell that never ran, a kernel other than the project's,
    no image in a notebook that draws figures, and any failure of the run itself.
    """
    problems = list(run.failures)
    notebook = run.notebook
    if notebook is None:
        return problems or ["no saved notebook to check"]
    kernelspec = notebook.get("metadata", {}).get("kernelspec", {}).get("name")
    if kernelspec != KERNEL:
        problems.append(f"saved with kernelspec {kernelspec!r}, not {KERNEL!r}")
    images = 0
    for number, cell in enumerate(notebook["cells"], start=1):
        if cell["cell_type"] != "code":
            continue
        first_line = "".join(cell["source"]).strip().splitlines()[:1]
        where = f"cell {number} ({first_line[0][:60] if first_line else 'empty'!r})"
        if cell.get("execution_count") is None and "".join(cell["source"]).strip():
            problems.append(f"{where} never ran")
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"{where} raised {output['ename']}: {output['evalue']}")
            if output.get("name") == "stderr":
                text = "".join(output.get("text", "")).strip().splitlines()[:1]
                problems.append(f"{where} printed to stderr (red in JupyterLab): {text}")
            if "image/png" in output.get("data", {}):
                images += 1
    if expect_figures and images == 0:
        problems.append("no plot image (image/png output) in a notebook that draws figures")
    return problems


CHECKED = "nbval-check-output"  # the tag of cells whose printed output is part of the lesson


def stdout_of(cell: dict) -> str:
    """What a code cell printed, all its stdout outputs joined."""
    return "".join(
        "".join(output.get("text", ""))
        for output in cell.get("outputs", [])
        if output.get("name") == "stdout"
    )


def changed_checked_outputs(source: dict, executed: dict) -> list[str]:
    """The cells tagged ``nbval-check-output`` whose output in ``executed`` differs.

    ``source`` is the committed notebook, which keeps those cells' outputs (the
    text the prose explains); ``executed`` the same notebook after a run, with
    cells inserted or not (a parameters injection): cells are matched by source.
    """
    ran = {"".join(cell["source"]): cell for cell in executed["cells"]}
    problems = []
    for cell in source["cells"]:
        if CHECKED not in cell["metadata"].get("tags", []):
            continue
        code = "".join(cell["source"])
        first_line = code.strip().splitlines()[0][:60]
        if code not in ran:
            problems.append(f"the checked cell {first_line!r} is missing from the run")
        elif stdout_of(ran[code]) != stdout_of(cell):
            problems.append(
                f"the checked cell {first_line!r} printed\n{stdout_of(ran[code])}\n"
                f"instead of the committed\n{stdout_of(cell)}"
            )
    return problems


SCROLL_TO_PAD_JS = """
async () => {
  const panel = window.jupyterapp.shell.currentWidget.content;
  const index = panel.widgets.findIndex(cell => cell.model.sharedModel.getSource()
    .includes("DrawingPad(read_drawing)"));
  if (index < 0) return index;
  panel.activeCellIndex = index;
  if (panel.scrollToItem) { await panel.scrollToItem(index, "center"); }
  else { panel.activeCell.node.scrollIntoView(); }
  return index;
}
"""


def draw_a_one(page, run: LabRun) -> None:
    """Draw a vertical stroke (a 1) on the notebook's drawing pad; keep what it answers.

    The pad is the last ipycanvas canvas of the page; its answer is the HTML
    widget under it. ``run.drawn`` is that answer's text, or None.
    """
    run.drawn = None
    # JupyterLab renders only the cells near the view: go to the pad's cell first.
    page.evaluate(SCROLL_TO_PAD_JS)
    canvas = page.locator(".jp-OutputArea-output canvas").last
    try:
        canvas.wait_for(timeout=30_000)
        canvas.scroll_into_view_if_needed(timeout=30_000)
        box = canvas.bounding_box()
    except Exception as error:  # noqa: BLE001 - Playwright's TimeoutError
        count = page.evaluate("() => document.querySelectorAll('canvas').length")
        run.failures.append(f"no drawing pad to draw on ({count} canvases on the page; {error})")
        return
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    for step in range(1, 21):
        page.mouse.move(x, box["y"] + box["height"] * (0.15 + 0.7 * step / 20))
    page.mouse.up()
    answer = page.locator(".jp-OutputArea-output :text('predicted:')").last
    try:
        answer.wait_for(timeout=30_000)
        run.drawn = answer.inner_text()
    except Exception as error:  # noqa: BLE001 - Playwright's TimeoutError
        run.failures.append(f"the pad showed no prediction after a stroke ({error})")
