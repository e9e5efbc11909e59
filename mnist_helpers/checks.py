"""Check that a machine is ready for the workshop: one line per check, with the fix.

    python -m mnist_helpers.checks [--skip-training] [--requirements FILE]

(``make check`` runs this; ``notebooks/00_setup_check.ipynb`` runs the same
checks from Jupyter.) It prints ``OK   <name>: <detail>`` or
``FAIL <name>: <detail> -> fix: <fix>`` per check, then a summary line, and
exits with 0 when every check passed, 1 otherwise. The checks: the Python
version; the packages the notebooks need; Keras 3 on TensorFlow; Jupyter's
``python3`` kernel; the data ``load_mnist()`` would use (never downloaded); a
short training run that must learn; free memory; free disk space. Each takes
what it needs as parameters and returns a ``Check``; none raises.
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

# The project's folder in a checkout: requirements.txt, notebooks/ and build/ are there.
PROJECT = Path(__file__).resolve().parent.parent
GB = 1024**3
FIX_SETUP = "run `make setup` in the project folder (`py tools\\make.py setup` on Windows)"


@dataclass(frozen=True)
class Check:
    """One check's result: its ``name``, whether it passed (``ok``), what was found, the fix."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def _one_line(exc: BaseException, limit: int = 300) -> str:
    """``exc`` as ``Type: message`` on one line, cut to ``limit`` characters."""
    text = f"{type(exc).__name__}: {' '.join(str(exc).split()) or '(no message)'}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def supported_pythons(project: str | os.PathLike = PROJECT) -> list[tuple[int, int]]:
    """The supported Pythons, from ``requires-python`` (``>=3.11,<3.14``: 3.11 to 3.13).

    Read from ``<project>/pyproject.toml`` in a checkout, else from the
    installed package's metadata.
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
    (_, low), *_, (_, high) = supported or supported_pythons()
    found = ".".join(str(part) for part in version)
    wanted = f"3.{low} to 3.{high} supported, 3.{low} tested in CI"
    if tuple(version[:2]) in [(3, minor) for minor in range(low, high + 1)]:
        return Check("python", True, f"Python {found} ({wanted})")
    return Check(
        "python",
        False,
        f"Python {found} ({wanted}; the pinned packages install on no other versions)",
        f"install Python 3.{high} and run `make setup` again (it finds it), "
        f"or `make setup PYTHON=/path/to/python3.{high}`",
    )


def check_packages(requirements: str | os.PathLike | None) -> Check:
    """Every exact pin (``name==version``) of ``requirements`` must be installed, compatibly.

    ``requirements`` is the project's ``requirements.txt`` (the notebooks'
    packages, not the test tools), or None outside a checkout (then it passes).
    A version is compatible when its major version is the pinned one (Keras
    3.13 for 3.15, as Colab has); those are named in the detail. Pins whose
    environment marker does not hold here are left out; JupyterLab is not
    needed inside a notebook (Colab has none).
    """
    if requirements is None:
        return Check("packages", True, "not in a checkout (no requirements.txt): not checked")
    path = Path(requirements)
    if not path.is_file():
        return Check("packages", False, f"{path}: file not found", FIX_SETUP)
    pin = re.compile(r"\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;#]+)\s*(?:;([^#]*))?(#.*)?")
    pins = [m for m in map(pin.fullmatch, path.read_text().splitlines()) if m and _here(m[3])]
    problems, others = [], []
    for name, pinned in (match.group(1, 2) for match in pins):
        if name == "jupyterlab" and "ipykernel" in sys.modules:
            continue
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


def _here(marker: str | None) -> bool:
    """Whether an environment marker (``sys_platform == "win32"`` ...) holds here."""
    try:
        from packaging.markers import Marker
    except ImportError:  # no packaging: check the line anyway
        return True
    return not (marker and marker.strip()) or Marker(marker.strip()).evaluate()


def check_keras() -> Check:
    """Keras must import, be version 3, and run on the TensorFlow backend."""
    try:
        import keras
    except Exception as exc:
        return Check("keras", False, f"cannot import keras ({_one_line(exc)})", FIX_SETUP)
    version = str(getattr(keras, "__version__", "unknown"))
    if not version.startswith("3."):
        fix = FIX_SETUP + " (an older system-wide Keras may come first)"
        return Check("keras", False, f"Keras {version}, but this tutorial needs Keras 3", fix)
    backend = keras.backend.backend()
    if backend != "tensorflow":
        return Check(
            "keras",
            False,
            f"Keras {version} runs on the {backend!r} backend, not 'tensorflow'",
            'unset KERAS_BACKEND (or set it to tensorflow), and check "backend" in '
            "~/.keras/keras.json",
        )
    tf_version = getattr(sys.modules.get("tensorflow"), "__version__", "?")
    return Check("keras", True, f"Keras {version} on TensorFlow {tf_version}")


def check_kernel(python: str = sys.executable, spec_argv: list[str] | None = None) -> Check:
    """Jupyter's ``python3`` kernel, the one the notebooks ask for, must run ``python``.

    ``spec_argv`` is that kernel's command (None: ask Jupyter). Plain
    ``python`` there means the Python that runs Jupyter: this one under ``make lab``.
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
    """Say which data ``load_mnist()`` would use, and check that it loads; never download.

    In ``load_mnist("auto")``'s order: the path ``mnist_data`` (MNIST_DATA's
    value) if not empty; else Keras' own ``mnist.npz`` in ``<cache_dir>/datasets``
    (``cache_dir`` defaults to ``keras_cache_dir()``); else the bundled
    sample, which is what an offline machine gets.
    """
    if mnist_data:
        try:
            return Check(
                "data", True, f"MNIST_DATA={mnist_data}: {_counts(load_mnist(Path(mnist_data)))}"
            )
        except Exception as exc:
            return Check(
                "data",
                False,
                f"MNIST_DATA={mnist_data} does not load: {_one_line(exc)}",
                "point MNIST_DATA at an .npz file or a folder with the four IDX files, "
                "or unset it to use Keras' cache or the bundled sample",
            )
    keras_file = Path(cache_dir or keras_cache_dir()) / "datasets" / "mnist.npz"
    try:
        full = cached_full_mnist(keras_file.parent.parent)
    except OSError as exc:
        fix = "fix that file's permissions, or delete it and run `make data`"
        return Check("data", False, f"{keras_file} cannot be read: {_one_line(exc)}", fix)
    if full is not None:
        detail = (
            f"full MNIST, Keras' own {full} (checksum OK): 60,000 training + 10,000 test images"
        )
        return Check("data", True, detail)
    try:
        sample = _counts(load_npz(sample_path()))
    except Exception as exc:
        return Check(
            "data", False, f"the bundled sample does not load: {_one_line(exc)}", FIX_SETUP
        )
    where = f"no full MNIST in {keras_file.parent} yet"
    if keras_file.exists():
        where = f"{keras_file} is not Keras' file (a partial download?)"
    return Check(
        "data",
        True,
        f"{where}, so offline the notebooks use the bundled sample ({sample}), enough for "
        f"every notebook; online, Keras downloads the full set. {GET_FULL_MNIST}",
    )


def check_training(
    n_train: int = 2000,
    n_test: int = 1000,
    epochs: int = 2,
    min_accuracy: float = 0.8,
    seed: int = 0,
) -> Check:
    """Train a tiny dense network on ``n_train`` sample digits (a few seconds); it must learn.

    Passes when its accuracy on ``n_test`` digits of the sample's test set is
    at least ``min_accuracy``.
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
        x_train, y_train, x_test, y_test = (
            x_train[:n_train],
            y_train[:n_train],
            x_test[:n_test],
            y_test[:n_test],
        )
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
        model.fit(to_dense_input(x_train), y_train, epochs=epochs, batch_size=32, verbose=0)
        _, accuracy = model.evaluate(to_dense_input(x_test), y_test, verbose=0)
    except Exception as exc:
        return Check("training", False, f"training failed: {_one_line(exc)}", fix)
    detail = (
        f"accuracy {accuracy:.2f} on {len(x_test):,} held-out digits after {epochs} "
        f"epoch{'s' * (epochs != 1)} on {len(x_train):,} training digits "
        f"({time.perf_counter() - start:.1f} s)"
    )
    if accuracy < min_accuracy:
        return Check("training", False, f"{detail}, below {min_accuracy:.2f}", fix)
    return Check("training", True, detail)


def check_memory(min_bytes: int = 2 * GB, meminfo: str | os.PathLike = "/proc/meminfo") -> Check:
    """At least ``min_bytes`` must be available to new programs.

    Reads ``MemAvailable`` from ``meminfo`` (Linux), else asks ``os.sysconf``.
    """
    available = None
    try:
        text = Path(meminfo).read_text()
        available = int(re.search(r"^MemAvailable:\s*(\d+)", text, re.M)[1]) * 1024
    except (OSError, TypeError):
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            pass
    need = f"{min_bytes / GB:.1f} GB needed"
    if available is None:
        return Check("memory", True, f"cannot be measured on this system ({need})")
    detail = f"{available / GB:.1f} GB available ({need})"
    if available < min_bytes:
        fix = "close other programs (browser tabs, other notebooks' kernels) and check again"
        return Check("memory", False, detail, fix)
    return Check("memory", True, detail)


def check_disk(folder: str | os.PathLike, min_bytes: int = 1 * GB) -> Check:
    """At least ``min_bytes`` must be free on the disk of ``folder`` (or its nearest parent)."""
    folder = existing = Path(folder).resolve()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        free = shutil.disk_usage(existing).free
    except OSError as exc:
        detail = f"cannot measure the free space for {folder} ({_one_line(exc)})"
        return Check("disk", False, detail, "check that the folder is readable")
    detail = f"{free / GB:.1f} GB free for {folder} ({min_bytes / GB:.1f} GB needed)"
    if free < min_bytes:
        fix = "free some disk space (`make clean` deletes build/), then check again"
        return Check("disk", False, detail, fix)
    return Check("disk", True, detail)


def iter_checks(
    *,
    training: bool = True,
    requirements: str | os.PathLike | None = None,
    project: str | os.PathLike = PROJECT,
) -> Iterator[Check]:
    """Run the checks one by one, yielding each ``Check`` as soon as it is done.

    ``requirements`` defaults to ``<project>/requirements.txt`` in a checkout;
    outside one, no pins are compared and the disk check measures the current
    folder. ``training=False`` leaves out the training check. MNIST_DATA is
    read from the environment.
    """
    pins = Path(project) / "requirements.txt"
    in_checkout = pins.is_file()
    requirements = requirements or (pins if in_checkout else None)
    steps = [
        ("python", lambda: check_python()),
        ("packages", lambda: check_packages(requirements)),
        ("keras", lambda: check_keras()),
        ("kernel", lambda: check_kernel()),
        ("data", lambda: check_data(os.environ.get("MNIST_DATA", ""))),
        ("training", lambda: check_training()),
        ("memory", lambda: check_memory()),
        ("disk", lambda: check_disk(Path(project) / "build" if in_checkout else Path.cwd())),
    ]
    for name, step in steps:
        if name == "training" and not training:
            continue
        try:
            yield step()
        except Exception as exc:  # a check should never raise; report it if one does
            yield Check(name, False, f"the check itself failed: {_one_line(exc)}", FIX_SETUP)


def run_checks(**options) -> list[Check]:
    """Every check's ``Check``, in a list; the options are those of :func:`iter_checks`."""
    return list(iter_checks(**options))


def format_check(check: Check) -> str:
    """``OK   name: detail`` or ``FAIL name: detail -> fix: fix``."""
    if check.ok:
        return f"OK   {check.name}: {check.detail}"
    return f"FAIL {check.name}: {check.detail} -> fix: {check.fix}"


def summary_line(checks: list[Check]) -> str:
    """``All 8 checks passed.`` or ``2 of 8 checks failed: data, disk.``."""
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
    parser.add_argument("--skip-training", action="store_true", help="no short training run")
    parser.add_argument("--requirements", metavar="FILE", help="pins (default: requirements.txt)")
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
