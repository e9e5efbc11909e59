"""Put the full MNIST into Keras' cache ahead of time: download it, or import a copy.

    python -m mnist_helpers.download [--from PATH] [--cache-dir DIR]

(``make data`` and ``make data FROM=<file or folder>`` run this.)

- With no ``--from``: download Keras' own ``mnist.npz`` (11 MB) into
  ``<keras cache>/datasets/mnist.npz``, exactly where
  ``keras.datasets.mnist.load_data()`` looks for it, and check its sha256.
- With ``--from PATH``: import a copy from a USB stick or another machine: an
  ``.npz`` in Keras' layout or a folder with the four IDX files (plain or .gz).
  It must be the full MNIST, 60,000 training and 10,000 test images with
  exactly MNIST's content (in any order). Keras' own file is copied to
  ``mnist.npz``; any other good copy is written to ``mnist-imported.npz``,
  which ``load_mnist()`` reads when Keras' file is not there.

The keras cache is ``$KERAS_HOME``, or ``~/.keras`` (``/tmp/.keras`` when the
home folder is not writable); ``--cache-dir`` replaces it. Every file is
written to a temporary file in the same folder, checked, and only then renamed
into place, so a failed or interrupted run leaves nothing behind and never
replaces a good file.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import hashlib
import http.client
import os
import secrets
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np

from mnist_helpers.data import (
    IMPORTED_MNIST_NAME,
    KERAS_MNIST_NAME,
    KERAS_MNIST_SHA256,
    KERAS_MNIST_URL,
    MnistDataError,
    MnistDownloadError,
    _download_advice,
    _shorten,
    keras_cache_dir,
    load_idx_folder,
    load_npz,
    sha256_file,
    validate_mnist,
)

# The number of training and test images of the full MNIST.
MNIST_COUNTS = (60_000, 10_000)

# content_fingerprint() of the full MNIST, computed once with
#   (x_train, y_train), (x_test, y_test) = load_npz("../shared/data/mnist.npz")
#   content_fingerprint(x_train, y_train, x_test, y_test)
# on the workshop's shared copy (file sha256 233b5a71...0334472a; not committed).
# That copy holds the official content: its test set and training labels are
# byte for byte the official IDX files, its training images are the official
# ones in another order within each digit. The fingerprint does not depend on
# the order of the images within a split, so Keras' own mnist.npz and the four
# original IDX files give the same value.
MNIST_FINGERPRINT = "a1157bac1c667ad8bc6773ccc9d4f4f4d9159e1bdd5cdf819bf8096bb073d037"

CHUNK_SIZE = 64 * 1024

FIX_IMPORT = (
    "Copy Keras' mnist.npz (sha256 731c5ac6...b673d1) or the four original "
    "MNIST IDX files (train-images-idx3-ubyte.gz and so on) again from a good "
    "source, and run `make data FROM=<that file or folder>`."
)


class CacheFolderError(OSError):
    """Keras' cache folder cannot be written to. The message names it and the fix."""


# ---------------------------------------------------------------------------
# Checking a copy of MNIST
# ---------------------------------------------------------------------------


def content_fingerprint(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray
) -> str:
    """Return a sha256 (64 hex digits) of MNIST's content, whatever the image order.

    ``x_*`` are uint8 images (N, 28, 28), ``y_*`` integer labels (N,) with values
    0..9 (cast to uint8). For each split, every image becomes one row of 785
    bytes (its label, then its 784 pixels); the rows are sorted as raw bytes and
    hashed. The result is the sha256 of ``"train:<N>:<hex>\\ntest:<N>:<hex>\\n"``.
    Reordering images (with their labels) within a split keeps the fingerprint;
    changing one pixel or label, or moving an image to the other split, does not.
    """
    validate_mnist(x_train, y_train, x_test, y_test, origin="content_fingerprint")
    combined = hashlib.sha256()
    for name, images, labels in (("train", x_train, y_train), ("test", x_test, y_test)):
        rows = np.empty((len(images), 785), dtype=np.uint8)
        rows[:, 0] = labels
        rows[:, 1:] = np.asarray(images).reshape(len(images), 784)
        sorted_rows = np.sort(rows.view(np.dtype((np.void, 785))).ravel())
        split_hash = hashlib.sha256(sorted_rows.tobytes()).hexdigest()
        combined.update(f"{name}:{len(images)}:{split_hash}\n".encode())
    return combined.hexdigest()


def check_full_mnist(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    origin: str,
    *,
    expected_counts: tuple[int, int] = MNIST_COUNTS,
    expected_fingerprint: str = MNIST_FINGERPRINT,
) -> None:
    """Raise MnistDataError unless the arrays are exactly the full MNIST.

    The arrays are as ``load_mnist`` returns them (uint8 images (N, 28, 28),
    labels (N,)). Checked: 60,000 training and 10,000 test images
    (``expected_counts``), then ``content_fingerprint`` against
    ``expected_fingerprint``. ``origin`` (usually a path) starts the message.
    """
    counts = (len(x_train), len(x_test))
    if counts != tuple(expected_counts):
        raise MnistDataError(
            f"{origin}: holds {counts[0]:,} training and {counts[1]:,} test images, "
            f"but the full MNIST has {expected_counts[0]:,} and {expected_counts[1]:,}: "
            f"not the full MNIST, so it was not imported. {FIX_IMPORT}"
        )
    if content_fingerprint(x_train, y_train, x_test, y_test) != expected_fingerprint:
        raise MnistDataError(
            f"{origin}: right shapes and counts, but the images or labels differ from "
            f"MNIST's: altered or not the full MNIST, so it was not imported. {FIX_IMPORT}"
        )


# ---------------------------------------------------------------------------
# Writing into the cache, safely
# ---------------------------------------------------------------------------


def _cache_error(folder: Path, exc: OSError) -> CacheFolderError:
    """Return the error for a cache folder that cannot be written to."""
    if exc.errno == errno.ENOSPC:
        fix = "Free some disk space, or set KERAS_HOME to a folder on another disk."
    else:
        fix = (
            "Set KERAS_HOME to a writable folder (e.g. `KERAS_HOME=$HOME/keras make data`, "
            "and the same KERAS_HOME when you run the notebooks), or fix the folder's "
            "permissions."
        )
    return CacheFolderError(
        exc.errno, f"{folder}: cannot write into Keras' cache folder ({_shorten(exc)}). {fix}"
    )


def datasets_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """Return ``<cache_dir>/datasets``, created if missing, after checking it is writable.

    ``cache_dir`` defaults to ``keras_cache_dir()``. Raises CacheFolderError
    (an OSError) naming the folder and the fix when it cannot be written to.
    """
    folder = Path(cache_dir if cache_dir is not None else keras_cache_dir()).expanduser()
    folder = folder / "datasets"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cache_error(folder, exc) from exc
    if not os.access(folder, os.W_OK):
        raise _cache_error(folder, PermissionError(errno.EACCES, "Permission denied"))
    return folder


def write_atomically(target: Path, write: Callable[[BinaryIO], object]) -> Path:
    """Write ``target`` through ``write(file)``, all or nothing; return ``target``.

    ``write`` receives a new temporary file ``<target>.part-<random>``, opened
    for binary writing in the same folder; when it returns, the file is renamed
    to ``target`` with ``os.replace``. If anything fails (including Ctrl-C), the
    temporary file is deleted and ``target`` is left as it was. Errors from the
    file system become CacheFolderError; any other error propagates.
    """
    temporary = target.with_name(f"{target.name}.part-{secrets.token_hex(6)}")
    try:
        file = open(temporary, "xb")  # "x": never opens an existing file
    except OSError as exc:
        raise _cache_error(target.parent, exc) from exc
    try:
        with file:
            write(file)
        os.replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError) and not isinstance(exc, ConnectionError | CacheFolderError):
            raise _cache_error(target.parent, exc) from exc
        raise
    return target


# ---------------------------------------------------------------------------
# Download
# ---------------------------------------------------------------------------


def has_valid_file(path: str | os.PathLike, sha256: str = KERAS_MNIST_SHA256) -> bool:
    """Tell whether ``path`` is a file whose sha256 (64 hex digits) is ``sha256``."""
    return Path(path).is_file() and sha256_file(path) == sha256


def _copy_response(
    response: http.client.HTTPResponse,
    url: str,
    file: BinaryIO,
    progress: Callable[[int, int], object] | None,
) -> str:
    """Copy an open ``urlopen`` response into ``file``; return the sha256 of the bytes.

    A failure to read raises MnistDownloadError (a ConnectionError) with the
    reason; a failure to write propagates as it is.
    """
    digest = hashlib.sha256()
    total = int(response.headers.get("Content-Length") or 0)
    done = 0
    while True:
        try:
            chunk = response.read(CHUNK_SIZE)
        except (OSError, http.client.HTTPException) as exc:
            raise MnistDownloadError(
                f"Could not download {url}: {_reason(exc)} (after {done:,} bytes)"
            ) from exc
        if not chunk:
            return digest.hexdigest()
        file.write(chunk)
        digest.update(chunk)
        done += len(chunk)
        if progress is not None:
            progress(done, total)


def _reason(exc: BaseException) -> str:
    """Return a one-line reason for a failed download."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"the server answered HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return _shorten(str(exc.reason) or type(exc).__name__)
    return _shorten(str(exc) or type(exc).__name__)


def download_mnist(
    cache_dir: str | os.PathLike | None = None,
    *,
    url: str = KERAS_MNIST_URL,
    sha256: str = KERAS_MNIST_SHA256,
    timeout: float = 30.0,
    progress: Callable[[int, int], object] | None = None,
) -> Path:
    """Download MNIST into ``<cache_dir>/datasets/mnist.npz``; return that path.

    ``cache_dir`` defaults to Keras' cache (``keras_cache_dir()``). If a file
    with the expected ``sha256`` is already there, nothing is done. Otherwise
    ``url`` is opened (``timeout`` seconds for connecting and for each read),
    and only then is the folder created and the file read into
    ``mnist.npz.part-<random>`` next to ``mnist.npz``; its sha256 is checked,
    and it is renamed into place. ``progress(bytes_done, bytes_total)`` is called
    after each chunk (``bytes_total`` is 0 when the server does not say).

    Raises MnistDownloadError (a ConnectionError) when the download fails,
    MnistDataError when the checksum differs, CacheFolderError (an OSError)
    when the folder cannot be written to. In every case, nothing is left behind.
    """
    cache_dir = Path(cache_dir if cache_dir is not None else keras_cache_dir()).expanduser()
    target = cache_dir / "datasets" / KERAS_MNIST_NAME
    if has_valid_file(target, sha256):
        return target

    # Connect first: with no network, nothing at all is created in the cache.
    try:
        response = urllib.request.urlopen(url, timeout=timeout)
    except (OSError, http.client.HTTPException) as exc:
        raise MnistDownloadError(f"Could not download {url}: {_reason(exc)}") from exc

    def copy_and_check(file: BinaryIO) -> None:
        got = _copy_response(response, url, file, progress)
        if got != sha256:
            raise MnistDataError(
                f"{url}: the downloaded file has sha256 {got}, but {sha256} was expected: "
                "it is incomplete or not the right file (a proxy or captive portal can "
                "cause this). Nothing was saved. Run `make data` again, or import a "
                "copy with `make data FROM=<file or folder>`."
            )

    with response:
        return write_atomically(datasets_dir(cache_dir) / KERAS_MNIST_NAME, copy_and_check)


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


def import_mnist(
    source: str | os.PathLike,
    cache_dir: str | os.PathLike | None = None,
    *,
    expected_counts: tuple[int, int] = MNIST_COUNTS,
    expected_fingerprint: str = MNIST_FINGERPRINT,
) -> Path:
    """Import a full MNIST from ``source`` into Keras' cache; return the file written.

    ``source`` is an ``.npz`` in Keras' layout or a folder with the four IDX
    files (plain or .gz), read with ``load_npz`` / ``load_idx_folder`` and checked
    with ``check_full_mnist``. Keras' own file (sha256 ``KERAS_MNIST_SHA256``)
    is copied to ``<cache_dir>/datasets/mnist.npz``; any other good copy is
    saved, compressed, as ``<cache_dir>/datasets/mnist-imported.npz`` with the
    arrays x_train uint8 (60000, 28, 28), y_train uint8 (60000,), x_test uint8
    (10000, 28, 28), y_test uint8 (10000,).

    Raises MnistDataError for a missing, malformed, partial or altered copy,
    CacheFolderError when the cache cannot be written to; in either case no
    file is written.
    """
    source = Path(source).expanduser()
    content = None
    if source.is_dir():
        (x_train, y_train), (x_test, y_test) = load_idx_folder(source)
    elif source.is_file():
        (x_train, y_train), (x_test, y_test) = load_npz(source)
        try:
            content = source.read_bytes()
        except OSError as exc:
            raise MnistDataError(f"{source}: could not be read ({_shorten(exc)}).") from exc
    else:
        raise MnistDataError(
            f"{source}: no such file or folder. Give an .npz in Keras' layout or a "
            "folder with the four MNIST IDX files: `make data FROM=<file or folder>`."
        )
    check_full_mnist(
        x_train,
        y_train,
        x_test,
        y_test,
        str(source),
        expected_counts=expected_counts,
        expected_fingerprint=expected_fingerprint,
    )

    folder = datasets_dir(cache_dir)
    if content is not None and hashlib.sha256(content).hexdigest() == KERAS_MNIST_SHA256:
        return write_atomically(folder / KERAS_MNIST_NAME, lambda file: file.write(content))

    def save(file: BinaryIO) -> None:
        np.savez_compressed(file, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)

    return write_atomically(folder / IMPORTED_MNIST_NAME, save)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def _progress_printer() -> Callable[[int, int], None]:
    """Return a ``progress`` callback that prints one updating percentage line.

    It prints ``\rDownloading mnist.npz:  42 % (4.8 of 11.5 MB)`` each time the
    whole percentage changes, and a newline at 100 %.
    """
    last = -1

    def progress(done: int, total: int) -> None:
        nonlocal last
        percent = min(100, done * 100 // total) if total > 0 else -1
        if percent == last or total <= 0:
            return
        last = percent
        print(
            f"\rDownloading {KERAS_MNIST_NAME}: {percent:3d} % "
            f"({done / 1e6:.1f} of {total / 1e6:.1f} MB)",
            end="\n" if percent == 100 else "",
            flush=True,
        )

    return progress


def offline_message(exc: MnistDownloadError, url: str = KERAS_MNIST_URL) -> str:
    """Return the calm message printed when the download is impossible."""
    reason = exc.__cause__ if exc.__cause__ is not None else exc
    if isinstance(reason, urllib.error.HTTPError):
        why = f"The server answered HTTP {reason.code} {reason.reason}."
    else:
        why = _download_advice(_reason(reason))
    return (
        f"Could not download the full MNIST from {url}.\n"
        f"{why}\n"
        "Nothing was saved or changed.\n"
        "What still works:\n"
        "  - every notebook runs on the 10,000-digit sample that ships with the tutorial\n"
        "    (load_mnist() falls back to it by itself, with a warning);\n"
        "  - a copy of MNIST from a USB stick or another machine can be imported:\n"
        "    make data FROM=/path/to/mnist.npz  (or a folder with the four IDX files).\n"
        "To download later, connect to the internet and run `make data` again."
    )


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0: done, 1: failed, 130: Ctrl-C)."""
    parser = argparse.ArgumentParser(
        prog="python -m mnist_helpers.download",
        description="Put the full MNIST into Keras' cache: download it, or import a copy.",
    )
    parser.add_argument(
        "--from",
        dest="source",
        metavar="PATH",
        help="import this .npz (Keras' layout) or folder with the four IDX files",
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="Keras' cache folder (default: $KERAS_HOME, or ~/.keras)",
    )
    args = parser.parse_args(argv)
    cache_dir = Path(args.cache_dir) if args.cache_dir else keras_cache_dir()

    try:
        if args.source:
            print(f"Checking {args.source} ...", flush=True)
            target = import_mnist(args.source, cache_dir)
            print(
                f"Imported the full MNIST (60,000 + 10,000 images, content checked) "
                f"into {target}.\nload_mnist() now uses it, with no network."
            )
            return 0
        target = cache_dir / "datasets" / KERAS_MNIST_NAME
        if has_valid_file(target, KERAS_MNIST_SHA256):
            print(f"The full MNIST is already in {target} (checksum OK). Nothing to do.")
            return 0
        print(f"Downloading the full MNIST (11 MB) from {KERAS_MNIST_URL}", flush=True)
        download_mnist(
            cache_dir, url=KERAS_MNIST_URL, sha256=KERAS_MNIST_SHA256, progress=_progress_printer()
        )
        print(f"Downloaded the full MNIST (checksum OK) into {target}.")
        return 0
    except MnistDownloadError as exc:
        print(f"\n{offline_message(exc, KERAS_MNIST_URL)}", file=sys.stderr)
        return 1
    except (MnistDataError, CacheFolderError) as exc:
        print(f"\n{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted: nothing was saved or changed.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
