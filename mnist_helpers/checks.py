"""Check that a machine is ready for the workshop: one line per check, with the fix.

    python -m mnist_helpers.checks [--skip-training] [--requirements FILE]

(``make check`` runs this; ``notebooks/00_setup_check.ipynb`` runs the same
checks from Jupyter.) It prints ``OK   <name>: <detail>`` or
``FAIL <name>: <detail> -> fix: <fix>`` for each check, then a summary line,
and exits with 0 when every check passed, 1 otherwise.

The checks: the Python version; the packages the notebooks need (compatible
versions accepted); Keras 3 on TensorFlow; Jupyter's ``python3`` kernel; the
data ``load_mnist()`` would use (looked at, never downloaded); a short
training run that must learn; free memory; free disk space. Each is a
function that takes what it needs as parameters and returns a ``Check``;
none raises.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mnist_helpers.data import (
    GET_FULL_MNIST,
    cached_full_mnist,
    keras_cache_dir,
    load_mnist,
    load_npz,
    sample_path,
)

# The project's folder when this package runs from a checkout (or an editable
# install): requirements.txt, notebooks/ and build/ sit next to mnist_helpers/.
PROJECT = Path(__file__).resolve().parent.parent
GB = 1024**3
MIN_MEMORY = 2 * GB
MIN_DISK = 1 * GB

FIX_SETUP = "run `make setup` in the project folder (`py tools\\make.py setup` on Windows)"


@dataclass(frozen=True)
class Check:
    """The result of one check.

    ``name``: short name (``"python"``, ``"packages"`` ...); ``ok``: passed or
    not; ``detail``: what was found; ``fix``: what to do when it failed.
    """

    name: str
    ok: bool
    detail: str
    fix: str = ""


def _one_line(exc: BaseException, limit: int = 300) -> str:
    """Return ``exc`` as ``Type: message``, on one line, cut to ``limit`` characters."""
    text = " ".join(str(exc).split()) or "(no message)"
    text = f"{type(exc).__name__}: {text}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------


def supported_pythons(project: str | os.PathLike = PROJECT) -> list[tuple[int, int]]:
    """The Python versions the tutorial supports, from ``requires-python``.

    Read from the project's pyproject.toml in a checkout, else from the
    installed package's metadata: ``>=3.11,<3.14`` gives 3.11, 3.12 and 3.13.
    """
    path = Path(project) / "pyproject.toml"
    if path.is_file():
        text = path.read_text()
    else:
        text = importlib.metadata.metadata("mnist-helpers").get("Requires-Python") or ""
    low, high = re.search(r">=\s*3\.(\d+)", text), re.search(r"<\s*3\.(\d+)", text)
    if not (low and high):
        raise ValueError(f"no requires-python of the form '>=3.X,<3.Y' in {path}")
    return [(3, minor) for minor in range(int(low[1]), int(high[1]))]


def check_python(
    version: tuple[int, ...] = tuple(sys.version_info[:3]),
    supported: list[tuple[int, int]] | None = None,
) -> Check:
    """Python must be one of the ``supported`` versions (default: :func:`supported_pythons`)."""
    supported = supported or supported_pythons()
    found = ".".join(str(part) for part in version)
    low, high = supported[0], supported[-1]
    wanted = f"{low[0]}.{low[1]} to {high[0]}.{high[1]} supported, {low[0]}.{low[1]} tested in CI"
    if tuple(version[:2]) not in supported:
        return Check(
            "python",
            False,
            f"Python {found} ({wanted}; TensorFlow 2.21 has no wheels for other versions)",
            f"install Python {high[0]}.{high[1]} and run `make setup` again (it finds it), "
            f"or `make setup PYTHON=/path/to/python{high[0]}.{high[1]}`",
        )
    return Check("python", True, f"Python {found} ({wanted})")


def check_packages(requirements: str | os.PathLike | None) -> Check:
    """Every package of ``requirements`` must be installed, at a compatible version.

    ``requirements`` is the project's ``requirements.txt`` (what the notebooks
    need; the test tools are not checked), or None outside a checkout, where
    there are no pins to compare with (then the check passes). A version is
    compatible when its major version is the pinned one (Keras 3.13 for 3.15,
    as Colab has); the others are named in the detail. Lines that are not
    exact pins (``name==version``) are not checked.
    """
    if requirements is None:
        return Check("packages", True, "not in a checkout (no requirements.txt): not checked")
    path = Path(requirements)
    if not path.is_file():
        return Check("packages", False, f"{path}: file not found", FIX_SETUP)

    pins = []
    for line in path.read_text().splitlines():
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;#]+)\s*(?:;([^#]*))?(#.*)?", line)
        if match and for_this_platform(match[3]):
            pins.append((match[1], match[2]))
    problems, others = [], []
    for name, pinned in pins:
        if name == "jupyterlab" and "ipykernel" in sys.modules:
            continue  # inside a notebook already (Colab has no JupyterLab): it is not needed
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            problems.append(f"{name} not installed ({pinned} is tested)")
            continue
        if installed.split(".")[0] != pinned.split(".")[0]:
            problems.append(f"{name} {installed} installed, {pinned} is tested")
        elif installed != pinned:
            others.append(f"{name} {installed} ({pinned} tested)")
    if problems:
        return Check("packages", False, "; ".join(problems), FIX_SETUP)
    detail = f"all {len(pins)} packages of {path.name} installed"
    if others:
        detail += f"; compatible versions other than the tested ones: {', '.join(others)}"
    return Check("packages", True, detail)


def for_this_platform(marker: str | None) -> bool:
    """Whether a requirement's environment marker (``sys_platform == "win32"`` ...) holds here."""
    if not marker or not marker.strip():
        return True
    try:
        from packaging.markers import Marker
    except ImportError:  # no packaging: check the line anyway
        return True
    return Marker(marker.strip()).evaluate()


def check_keras() -> Check:
    """Keras must import, be version 3, and run on the TensorFlow backend."""
    try:
        import keras
    except Exception as exc:
        return Check("keras", False, f"cannot import keras ({_one_line(exc)})", FIX_SETUP)
    version = str(getattr(keras, "__version__", "unknown"))
    if not version.startswith("3."):
        return Check(
            "keras",
            False,
            f"Keras {version}, but this tutorial needs Keras 3",
            FIX_SETUP + " (an older system-wide Keras may come first)",
        )
    backend = keras.backend.backend()
    if backend != "tensorflow":
        return Check(
            "keras",
            False,
            f"Keras {version} runs on the {backend!r} backend, not 'tensorflow'",
            "unset KERAS_BACKEND (or set it to tensorflow), and check "
            '"backend" in ~/.keras/keras.json',
        )
    tensorflow = sys.modules.get("tensorflow")
    tf_version = getattr(tensorflow, "__version__", "?")
    return Check("keras", True, f"Keras {version} on TensorFlow {tf_version}")


def check_kernel(python: str = sys.executable, spec_argv: list[str] | None = None) -> Check:
    """Jupyter's ``python3`` kernel, the one the notebooks ask for, must run ``python``.

    ``spec_argv`` is that kernel's command; None asks Jupyter. A command that
    starts with plain ``python`` means "the Python that runs Jupyter", which
    is this one when JupyterLab comes from the same environment (``make lab``).
    """
    fix = (
        "start JupyterLab with `make lab` (or from the environment that has the "
        "tutorial's packages); `jupyter kernelspec list` shows which python3 kernel wins"
    )
    if spec_argv is None:
        try:
            from jupyter_client.kernelspec import KernelSpecManager

            spec_argv = KernelSpecManager().get_kernel_spec("python3").argv
        except Exception as exc:
            return Check(
                "kernel", False, f"cannot find Jupyter's python3 kernel ({_one_line(exc)})", fix
            )
    command = spec_argv[0] if spec_argv else ""
    if command in ("python", "python3") or (
        command and Path(command).resolve() == Path(python).resolve()
    ):
        return Check("kernel", True, f"Jupyter's python3 kernel runs {python}")
    return Check("kernel", False, f"Jupyter's python3 kernel runs {command}, not {python}", fix)


def _counts(arrays) -> str:
    (x_train, _), (x_test, _) = arrays
    return f"{len(x_train):,} training + {len(x_test):,} test images"


def check_data(mnist_data: str = "", cache_dir: str | os.PathLike | None = None) -> Check:
    """Say which data ``load_mnist()`` would use, and check that it loads.

    In ``load_mnist("auto")``'s order: the path in ``mnist_data`` (the value
    of MNIST_DATA) if not empty; else Keras' own ``mnist.npz`` (its sha256
    checked, as Keras does) in ``<cache_dir>/datasets`` (``cache_dir``
    defaults to ``keras_cache_dir()``); else the bundled sample. Nothing is
    downloaded: without Keras' file, the check reports the sample, which is
    what an offline machine gets (online, Keras would download the full set).
    """
    if mnist_data:
        try:
            arrays = load_mnist(Path(mnist_data))
        except Exception as exc:
            return Check(
                "data",
                False,
                f"MNIST_DATA={mnist_data} does not load: {_one_line(exc)}",
                "point MNIST_DATA at an .npz file or a folder with the four IDX files, "
                "or unset it to use Keras' cache or the bundled sample",
            )
        return Check("data", True, f"MNIST_DATA={mnist_data}: {_counts(arrays)}")

    datasets = Path(cache_dir or keras_cache_dir()) / "datasets"
    try:
        full = cached_full_mnist(datasets.parent)
    except OSError as exc:
        return Check(
            "data",
            False,
            f"{datasets / 'mnist.npz'} cannot be read: {_one_line(exc)}",
            "fix that file's permissions, or delete it and run `make data`",
        )
    if full is not None:
        detail = (
            f"full MNIST, Keras' own {full} (checksum OK): 60,000 training + 10,000 test images"
        )
        return Check("data", True, detail)
    try:
        arrays = load_npz(sample_path())
    except Exception as exc:
        detail = f"the bundled sample does not load: {_one_line(exc)}"
        return Check("data", False, detail, FIX_SETUP)
    where = f"no full MNIST in {datasets} yet"
    if (datasets / "mnist.npz").exists():
        where = f"{datasets / 'mnist.npz'} is not Keras' file (a partial download?)"
    return Check(
        "data",
        True,
        f"{where}, so offline the notebooks use the bundled sample ({_counts(arrays)}), "
        f"enough for every notebook; online, Keras downloads the full set. {GET_FULL_MNIST}",
    )


def check_training(
    n_train: int = 2000,
    n_test: int = 1000,
    epochs: int = 2,
    min_accuracy: float = 0.8,
    seed: int = 0,
) -> Check:
    """Train a tiny dense network on ``n_train`` sample digits; it must learn.

    Passes when the accuracy on ``n_test`` held-out sample digits (from the
    sample's test set) is at least ``min_accuracy``. Takes a few seconds.
    """
    fix = (
        f"{FIX_SETUP}; if it still fails, show this line and the output of "
        "`python -m mnist_helpers.checks` to your instructor"
    )
    start = time.perf_counter()
    try:
        import keras

        from mnist_helpers.preprocessing import to_dense_input

        (x_train, y_train), (x_test, y_test) = load_npz(sample_path())
        keras.utils.set_random_seed(seed)
        model = keras.Sequential(
            [
                keras.Input(shape=(784,)),
                keras.layers.Dense(64, activation="relu"),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
        model.compile(
            optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
        )
        model.fit(
            to_dense_input(x_train[:n_train]),
            y_train[:n_train],
            epochs=epochs,
            batch_size=32,
            verbose=0,
        )
        _, accuracy = model.evaluate(to_dense_input(x_test[:n_test]), y_test[:n_test], verbose=0)
    except Exception as exc:
        return Check("training", False, f"training failed: {_one_line(exc)}", fix)
    seconds = time.perf_counter() - start
    detail = (
        f"accuracy {accuracy:.2f} on {min(n_test, len(x_test)):,} held-out digits after "
        f"{epochs} epoch{'s' if epochs != 1 else ''} on {min(n_train, len(x_train)):,} "
        f"training digits ({seconds:.1f} s)"
    )
    if accuracy < min_accuracy:
        return Check("training", False, f"{detail}, below {min_accuracy:.2f}", fix)
    return Check("training", True, detail)


def available_memory(meminfo: str | os.PathLike = "/proc/meminfo") -> int | None:
    """Return the memory available to new programs, in bytes, or None if unknown.

    Reads ``MemAvailable`` from ``meminfo`` (Linux); elsewhere asks
    ``os.sysconf`` for the free physical pages.
    """
    try:
        for line in Path(meminfo).read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(
    min_bytes: int = MIN_MEMORY, meminfo: str | os.PathLike = "/proc/meminfo"
) -> Check:
    """At least ``min_bytes`` of memory must be available."""
    available = available_memory(meminfo)
    need = f"{min_bytes / GB:.1f} GB needed"
    if available is None:
        return Check("memory", True, f"cannot be measured on this system ({need})")
    detail = f"{available / GB:.1f} GB available ({need})"
    if available < min_bytes:
        return Check(
            "memory",
            False,
            detail,
            "close other programs (browser tabs, other notebooks' kernels) and check again",
        )
    return Check("memory", True, detail)


def check_disk(folder: str | os.PathLike, min_bytes: int = MIN_DISK) -> Check:
    """At least ``min_bytes`` must be free on the disk that holds ``folder``.

    ``folder`` need not exist yet: its nearest existing parent is measured.
    """
    folder = Path(folder).resolve()
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        free = shutil.disk_usage(existing).free
    except OSError as exc:
        detail = f"cannot measure the free space for {folder} ({_one_line(exc)})"
        return Check("disk", False, detail, "check that the folder is readable")
    detail = f"{free / GB:.1f} GB free for {folder} ({min_bytes / GB:.1f} GB needed)"
    if free < min_bytes:
        return Check(
            "disk",
            False,
            detail,
            "free some disk space (`make clean` deletes build/), then check again",
        )
    return Check("disk", True, detail)


# ---------------------------------------------------------------------------
# Running them
# ---------------------------------------------------------------------------


def iter_checks(
    *,
    training: bool = True,
    requirements: str | os.PathLike | None = None,
    project: str | os.PathLike = PROJECT,
) -> Iterator[Check]:
    """Run the checks one by one, yielding each ``Check`` as soon as it is done.

    ``requirements`` defaults to ``<project>/requirements.txt`` when that file
    exists (a checkout), else no package pins are compared. ``training=False``
    leaves out the training check. MNIST_DATA is read from the environment.
    """
    project = Path(project)
    if requirements is None and (project / "requirements.txt").is_file():
        requirements = project / "requirements.txt"
    in_checkout = (project / "requirements.txt").is_file()
    disk_folder = project / "build" if in_checkout else Path.cwd()

    steps = [
        ("python", check_python),
        ("packages", lambda: check_packages(requirements)),
        ("keras", check_keras),
        ("kernel", check_kernel),
        ("data", lambda: check_data(os.environ.get("MNIST_DATA", ""))),
    ]
    if training:
        steps.append(("training", check_training))
    steps += [("memory", check_memory), ("disk", lambda: check_disk(disk_folder))]
    for name, step in steps:
        try:
            yield step()
        except Exception as exc:  # a check should never raise; report it if one does
            yield Check(name, False, f"the check itself failed: {_one_line(exc)}", FIX_SETUP)


def run_checks(
    *,
    training: bool = True,
    requirements: str | os.PathLike | None = None,
    project: str | os.PathLike = PROJECT,
) -> list[Check]:
    """Run every check and return the list of ``Check`` results (see ``iter_checks``)."""
    return list(iter_checks(training=training, requirements=requirements, project=project))


def format_check(check: Check) -> str:
    """Return ``OK   name: detail`` or ``FAIL name: detail -> fix: fix``."""
    if check.ok:
        return f"OK   {check.name}: {check.detail}"
    return f"FAIL {check.name}: {check.detail} -> fix: {check.fix}"


def summary_line(checks: list[Check]) -> str:
    """Return ``All 8 checks passed.`` or ``2 of 8 checks failed: data, disk.``."""
    failed = [check.name for check in checks if not check.ok]
    if not failed:
        return f"All {len(checks)} checks passed."
    return f"{len(failed)} of {len(checks)} checks failed: {', '.join(failed)}."


def main(argv: list[str] | None = None) -> int:
    """Print one line per check and a summary; return 0 if all passed, else 1."""
    parser = argparse.ArgumentParser(
        prog="python -m mnist_helpers.checks",
        description="Check that this machine is ready for the MNIST tutorial.",
    )
    parser.add_argument(
        "--skip-training", action="store_true", help="leave out the short training run"
    )
    parser.add_argument(
        "--requirements",
        metavar="FILE",
        help="pinned versions to compare with (default: requirements.txt of the project)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    checks = []
    for check in iter_checks(training=not args.skip_training, requirements=args.requirements):
        print(format_check(check), flush=True)
        checks.append(check)
    print(summary_line(checks))
    return 0 if all(check.ok for check in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
