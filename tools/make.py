"""Set up, open and test the tutorial, on Linux, macOS or Windows, with or without make.

    python tools/make.py setup [--dev]   the environment in .venv (--dev: with the test tools)
    python tools/make.py lab             open the tutorial in JupyterLab
    python tools/make.py test [ARGS]     every check CI runs (ARGS go to pytest)
    python tools/make.py check           is this machine ready for the workshop?
    python tools/make.py data [--from F] the full MNIST, once (Keras' download or its file)

`make setup`, `make lab`, `make test`, `make check` and `make data` call this file; on
Windows, run it with the Python launcher: `py tools\\make.py lab`. It needs only
Python's standard library, so that any Python 3.8 or newer can start it: when
that Python is not one TensorFlow supports, it looks for one that is.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
VENV = PROJECT / ".venv"
LEARNER_REQUIREMENTS = PROJECT / "requirements.txt"
DEV_REQUIREMENTS = PROJECT / "requirements-dev.txt"
FIRST_NOTEBOOK = "notebooks/01_loading_data.ipynb"
SAMPLE = PROJECT / "mnist_helpers" / "sample_data" / "mnist-sample.npz"
CHROMIUM = Path("/usr/bin/chromium")
WINDOWS = os.name == "nt"


class SetupError(Exception):
    """A problem set-up cannot solve by itself; the message says what to do."""


def supported_pythons() -> list[tuple[int, int]]:
    """The Pythons the pinned packages install on: ``requires-python`` of pyproject.toml."""
    text = (PROJECT / "pyproject.toml").read_text()
    match = re.search(r'^requires-python = ">=3\.(\d+),<3\.(\d+)"', text, re.MULTILINE)
    if not match:
        raise SetupError("pyproject.toml has no requires-python of the form '>=3.X,<3.Y'")
    return [(3, minor) for minor in range(int(match[1]), int(match[2]))]


def supported() -> str:
    versions = supported_pythons()
    low, high = versions[0], versions[-1]
    return f"Python {low[0]}.{low[1]} to {high[0]}.{high[1]}"


def venv_bin(name: str) -> Path:
    """The path of a program inside .venv (Scripts\\name.exe on Windows)."""
    if WINDOWS:
        return VENV / "Scripts" / f"{name}.exe"
    return VENV / "bin" / name


def python_version(command: list[str]) -> tuple[int, int] | None:
    """Run ``command`` to ask its Python version; None if it does not run.

    A name on the PATH can exist and still fail (a pyenv shim for a version
    that is not selected, the Windows Store stub), so each one is run.
    """
    try:
        done = subprocess.run(
            [*command, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    parts = done.stdout.split()
    if done.returncode != 0 or len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def candidate_pythons(given: str | None) -> list[list[str]]:
    """Interpreters to try, best first: the one asked for, this one, then newest first.

    Besides the names on the PATH (and the `py` launcher on Windows), the
    Pythons that pyenv keeps in its versions folder, since its shims fail for
    a version that is installed but not selected.
    """
    if given:
        return [given.split()]
    found = [[sys.executable]]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for major, minor in reversed(supported_pythons()):
        if WINDOWS:
            found.append(["py", f"-{major}.{minor}"])
        found.append([f"python{major}.{minor}"])
        for folder in sorted(pyenv.glob(f"{major}.{minor}.*"), reverse=True):
            found.append([str(folder / "bin" / f"python{major}.{minor}")])
    found.append(["python3"])
    return found


def find_python(given: str | None = None, version: tuple[int, int] | None = None) -> list[str]:
    """The command of the first candidate Python that TensorFlow supports.

    ``version`` asks for that one only. Raises SetupError, naming what was
    found and what to install, when there is none.
    """
    wanted = [version] if version else supported_pythons()
    seen = []
    for command in candidate_pythons(given):
        found = python_version(command)
        if found in wanted:
            return command
        what = "does not run" if found is None else f"is Python {found[0]}.{found[1]}"
        seen.append(f"{' '.join(command)} {what}")
    needed = f"Python {version[0]}.{version[1]}" if version else supported()
    raise SetupError(
        f"This tutorial needs {needed} (the pinned packages install on no other "
        f"versions), and none was found: {'; '.join(seen)}. Install Python 3.12 "
        "(python.org, your package manager, or pyenv), then run this again, or name it: "
        "`make setup PYTHON=/path/to/python3.12` (`py tools\\make.py setup --python "
        "C:\\path\\to\\python.exe` on Windows). An Intel Mac has no TensorFlow 2.21: "
        "use Colab or Binder (links in each notebook)."
    )


def stamp_of(requirements: Path) -> str:
    """A fingerprint of what an install from ``requirements`` depends on."""
    digest = hashlib.sha256()
    for path in (LEARNER_REQUIREMENTS, requirements, PROJECT / "pyproject.toml"):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def setup(dev: bool = False, python: str | None = None) -> None:
    """Create .venv with a supported Python and install the pinned packages.

    Does nothing when .venv is already up to date with the requirement files.
    The learner environment has what the notebooks need; ``dev`` adds the
    test and build tools of requirements-dev.txt.
    """
    requirements = DEV_REQUIREMENTS if dev else LEARNER_REQUIREMENTS
    stamp = VENV / (".installed-dev" if dev else ".installed")
    if stamp.is_file() and stamp.read_text() == stamp_of(requirements):
        return
    venv_python = venv_bin("python")
    pip = [str(venv_python), "-m", "pip", "--disable-pip-version-check"]
    if venv_python.exists() and (
        python_version([str(venv_python)]) not in supported_pythons()
        or subprocess.run([*pip, "--version"], capture_output=True).returncode != 0
    ):
        print(
            f"{VENV} does not hold a working {supported()} with pip: making it again.", flush=True
        )
        shutil.rmtree(VENV)
    if not venv_python.exists():
        command = find_python(python)
        print(f"Creating {VENV} with {' '.join(command)}", flush=True)
        if subprocess.run([*command, "-m", "venv", str(VENV)]).returncode != 0:
            shutil.rmtree(VENV, ignore_errors=True)
            raise SetupError(
                f"`{' '.join(command)} -m venv` failed (its message is above), so {VENV} "
                "was removed. On Debian and Ubuntu, the ensurepip that venv needs comes in a "
                "package of its own: `sudo apt-get install python3.X-venv` (X: the minor "
                "version, e.g. python3.12-venv); then run this again."
            )
    print(f"Installing the packages of {requirements.name} (a few minutes, once)", flush=True)
    run([*pip, "install", "--quiet", "-r", str(requirements)])
    run([*pip, "install", "--quiet", "--no-deps", "--editable", str(PROJECT)])
    quiet_kernel_logs()
    stamp.write_text(stamp_of(requirements))
    if dev:  # requirements-dev.txt includes the learner's list
        (VENV / ".installed").write_text(stamp_of(LEARNER_REQUIREMENTS))
    print(f"Environment ready in {VENV}.", flush=True)


KERNEL_CONFIG = """\
# Written by tools/make.py. TensorFlow's C++ libraries print log lines when they
# load (CUDA not found, oneDNN on, absl); with this setting they go to the
# terminal that runs JupyterLab, not into the learner's notebook. Python's own
# warnings and errors still show in the notebook.
c.IPKernelApp.capture_fd_output = False
"""


def quiet_kernel_logs() -> None:
    """Keep TensorFlow's start-up log lines out of the notebooks run from .venv."""
    config = VENV / "etc" / "ipython" / "ipython_kernel_config.py"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(KERNEL_CONFIG)


def run(command: list[str], **kwargs) -> None:
    """Run ``command``; stop with its exit status if it fails."""
    done = subprocess.run(command, **kwargs)
    if done.returncode != 0:
        raise SystemExit(done.returncode)


def lab_command(token: str) -> list[str]:
    """The `jupyter lab` command of `make lab`: 127.0.0.1 only, with a login token."""
    command = [
        str(venv_bin("jupyter")),
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={PROJECT}",
        f"--LabApp.default_url=/lab/tree/{FIRST_NOTEBOOK}",
    ]
    if not WINDOWS and os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses root (a container) without it
    return command


def lab() -> None:
    setup()
    print(
        "Starting JupyterLab on 127.0.0.1 with a token; open the http://127.0.0.1:... "
        "link it prints. Stop it with Ctrl+C.",
        flush=True,
    )
    try:
        run(lab_command(secrets.token_urlsafe(24)), cwd=PROJECT)
    except KeyboardInterrupt:
        pass


def install_chromium() -> None:
    """Install Debian's chromium for the browser tests where apt-get can; else say so."""
    if CHROMIUM.exists() or not shutil.which("apt-get"):
        return
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    print("Installing Debian's chromium for the browser tests", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        if subprocess.run([*sudo, *command], env=env).returncode != 0:
            print("Could not install chromium: tests/test_browser.py will be skipped.")
            return


def test(pytest_args: list[str]) -> None:
    """ruff, then pytest: every notebook at small settings, and tests/; offline, on the sample."""
    setup(dev=True)
    if not WINDOWS:
        install_chromium()
    run([str(venv_bin("ruff")), "check", "."], cwd=PROJECT)
    run([str(venv_bin("ruff")), "format", "--check", "."], cwd=PROJECT)
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT),
        "MNIST_DATA": str(SAMPLE),
        "MNIST_BUILD_DIR": str(PROJECT / "build" / "test" / "nbval"),
        "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
        # Three processes share the cores (two notebooks and the other tests): OpenMP's
        # threads (NumPy's BLAS, scikit-learn, xgboost) would wait on each other's turns.
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
    }
    pytest = [str(venv_bin("python")), "-m", "pytest", "-p", "tests.plugin"]
    # tests/plugin.py writes the small copies that nbval runs to build/test/small.
    small = str(Path("build") / "test" / "small")
    # Two workers, each test file (and each notebook) whole on one: the browser run
    # on one, the rest on the other. --durations says where the time went.
    workers = ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder", "--durations=15"]
    run(
        [*pytest, *workers, "--nbval-lax", small, "tests", *pytest_args],
        cwd=PROJECT,
        env=env,
    )


def check() -> None:
    setup()
    run([str(venv_bin("python")), "-m", "mnist_helpers.checks"], cwd=PROJECT)


def data(copy: str | None) -> None:
    """Keras' download of the full MNIST, or a copy of Keras' file (`make data`)."""
    setup()
    run(
        [
            str(venv_bin("python")),
            "-m",
            "mnist_helpers.download",
            *(["--from", copy] if copy else []),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/make.py", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    setup_parser = commands.add_parser("setup", help="create .venv with the pinned packages")
    setup_parser.add_argument("--dev", action="store_true", help="add the test tools")
    setup_parser.add_argument("--python", help="the Python to build .venv with")
    commands.add_parser("lab", help="open the tutorial in JupyterLab")
    commands.add_parser("test", help="run every check CI runs (what follows goes to pytest)")
    commands.add_parser("check", help="check this machine is ready for the workshop")
    data_parser = commands.add_parser("data", help="download the full MNIST once (Keras)")
    data_parser.add_argument("--from", dest="copy", help="a copy of Keras' mnist.npz")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["test"]:  # everything after `test` goes to pytest, in its order
        argv, extra = ["test"], argv[1:]
    else:
        argv, extra = argv, []
    args = parser.parse_args(argv)
    try:
        if args.command == "setup":
            setup(dev=args.dev, python=args.python)
        elif args.command == "lab":
            lab()
        elif args.command == "test":
            test(extra)
        elif args.command == "data":
            data(args.copy)
        else:
            check()
    except SetupError as error:
        print(f"Setup stopped: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
