"""`make data`: have Keras download the full MNIST, or put a copy where Keras looks.

    python -m mnist_helpers.download [--from PATH]

No argument: ``keras.datasets.mnist.load_data()`` downloads Keras' ``mnist.npz``
once (11 MB; Keras checks its sha256, shows progress, keeps no partial file)
and this says where it is. ``--from`` Keras' own ``mnist.npz`` (same sha256):
it is copied into Keras' cache, so Keras finds it with no network. ``--from``
any other MNIST ``.npz`` or IDX folder: it is checked that it loads, not
copied, and the line that uses it is printed (``MNIST_DATA=/path/to/it make lab``).
Unlike mnist_helpers.data, which only reads, this module writes (that one copy).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
from pathlib import Path

from mnist_helpers.data import (
    KERAS_MNIST_SHA256,
    MnistDownloadError,
    keras_cache_dir,
    load_mnist,
    sha256_file,
)


def copy_to_keras_cache(source: Path) -> Path:
    """Copy ``source`` to ``<Keras cache>/datasets/mnist.npz``; return that path.

    The bytes go to ``mnist.npz.<pid>.part`` in the same folder, renamed over
    ``mnist.npz`` only when complete: if anything fails (Ctrl-C included), the
    temporary file is deleted and an existing ``mnist.npz`` is left as it was.
    """
    target = keras_cache_dir() / "datasets" / "mnist.npz"
    temporary = target.with_name(f"mnist.npz.{os.getpid()}.part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0: done, 1: failed, 130: Ctrl-C)."""
    parser = argparse.ArgumentParser(
        prog="python -m mnist_helpers.download",
        description="Have Keras download the full MNIST, or check a copy and say how to use it.",
    )
    parser.add_argument("--from", dest="source", metavar="PATH", help="an .npz or an IDX folder")
    source = parser.parse_args(argv).source
    try:
        if source is None:
            load_mnist("full")  # Keras downloads it unless it has it: MnistDownloadError offline
            where = keras_cache_dir() / "datasets" / "mnist.npz"
            print(f"The full MNIST is in {where} (checksum checked by Keras).")
            return 0
        path = Path(os.path.abspath(Path(source).expanduser()))  # as typed, but absolute
        readable = path.is_file() and os.access(path, os.R_OK)
        if readable and sha256_file(path) == KERAS_MNIST_SHA256:
            target = copy_to_keras_cache(path)
            print(f"Copied Keras' own mnist.npz (checksum OK) to {target}: Keras uses it.")
            return 0
        (x_train, _), (x_test, _) = load_mnist(path)  # MnistDataError if it is not MNIST
        print(
            f"{path} loads ({len(x_train):,} training + {len(x_test):,} test images) but "
            "is not Keras' own mnist.npz, so it was not copied. To use it, start with:\n"
            f"MNIST_DATA={shlex.quote(str(path))} make lab"
        )
        return 0
    except (ValueError, MnistDownloadError) as exc:  # MnistDataError is a ValueError
        print(exc, file=sys.stderr)
    except OSError as exc:  # from writing into Keras' cache
        print(
            f"Could not write into {keras_cache_dir() / 'datasets'} ({exc}); nothing was "
            "changed. Free some disk space, or set KERAS_HOME to a writable folder (and "
            "the same KERAS_HOME when you run the notebooks).",
            file=sys.stderr,
        )
    except KeyboardInterrupt:
        print("\nInterrupted: nothing was saved or changed.", file=sys.stderr)
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
