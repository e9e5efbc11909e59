"""Load the MNIST digits, with or without a network connection.

``load_mnist()`` returns the data exactly as ``keras.datasets.mnist.load_data()``
does::

    (x_train, y_train), (x_test, y_test) = load_mnist()

- ``x_train``: uint8 array of shape (N, 28, 28), pixel values 0..255
  (N = 60,000 for the full data set).
- ``y_train``: uint8 array of shape (N,), digit labels 0..9.
- ``x_test``, ``y_test``: the same for the test set (10,000 in the full set).

Where the digits come from (the ``source`` argument):

- ``"auto"`` (default): the path in the environment variable ``MNIST_DATA`` if it
  is set; otherwise the full set (``"full"``); and if there is no network,
  the small sample shipped with this package, with a warning.
- ``"full"``: Keras' own download, kept in Keras' cache (``~/.keras/datasets``);
  or, when that cache has no valid ``mnist.npz`` but holds a copy imported by
  ``make data FROM=...`` (``mnist-imported.npz``), that copy, with no network.
- ``"sample"``: 10,000 real digits shipped with this package (8,000 train +
  2,000 test), enough to run every notebook offline.
- a path: an ``.npz`` file in Keras' layout (keys ``x_train``, ``y_train``,
  ``x_test``, ``y_test``), or a folder with the four original IDX files
  (``train-images-idx3-ubyte`` and so on, plain or gzipped).

Every problem with the data raises ``MnistDataError``, with a message that names
the file, says what is wrong and what to do. These functions never write
anything: they only read.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import os
import socket
import ssl
import struct
import urllib.error
import warnings
import zipfile
import zlib
from importlib.resources import files
from pathlib import Path

import numpy as np

# The names of the four arrays, in Keras' order.
KEYS = ("x_train", "y_train", "x_test", "y_test")

# The four original IDX files of MNIST, with the array each one holds.
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}

# IDX magic numbers: two zero bytes, 0x08 (= uint8), then the number of dims.
IMAGES_MAGIC = 0x00000803  # 2051: uint8, 3 dimensions (N, 28, 28)
LABELS_MAGIC = 0x00000801  # 2049: uint8, 1 dimension (N,)

IMAGE_SHAPE = (28, 28)

# Keras' own copy of MNIST: where keras.datasets.mnist.load_data() downloads it
# from, and the sha256 it checks. It is cached as <keras cache>/datasets/mnist.npz.
KERAS_MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
KERAS_MNIST_NAME = "mnist.npz"
# A full MNIST imported by `make data FROM=...` (see mnist_helpers.download),
# kept next to Keras' file when it is not byte for byte Keras' own mnist.npz.
IMPORTED_MNIST_NAME = "mnist-imported.npz"

VALID_SOURCES = (
    '"auto", "full", "sample", or a path to an .npz file or to a folder '
    "with the four MNIST IDX files"
)

FIX_FILE = (
    "Re-download it with `make data` (or `make data FROM=<file or folder>`), "
    "or delete it and run again."
)

FIX_SOURCE = (
    "Point MNIST_DATA (or the argument of load_mnist) at an .npz with keys "
    "x_train, y_train, x_test, y_test, or at a folder with the four IDX files "
    f"{', '.join(IDX_FILES.values())} (plain or .gz)."
)

# Error numbers that mean "the network is not there" rather than "bad data".
NETWORK_ERRNOS = {
    errno.ENETUNREACH,
    errno.ENETDOWN,
    errno.EHOSTUNREACH,
    errno.EHOSTDOWN,
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.ETIMEDOUT,
}


class MnistDataError(ValueError):
    """The MNIST data is missing, corrupt or not in the expected layout.

    The message names the file, the problem, and what to do about it.
    """


class MnistDownloadError(ConnectionError):
    """Keras could not download MNIST, almost always for lack of network.

    The message says why, and how to get the data some other way.
    """


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def sample_path() -> Path:
    """Return the path of the sample shipped with this package.

    The file ``mnist_helpers/sample_data/mnist-sample.npz`` holds 10,000 real
    MNIST digits in Keras' layout: ``x_train`` uint8 (8000, 28, 28),
    ``y_train`` uint8 (8000,), ``x_test`` uint8 (2000, 28, 28),
    ``y_test`` uint8 (2000,).
    """
    return Path(str(files("mnist_helpers") / "sample_data" / "mnist-sample.npz"))


def sha256_file(path: str | os.PathLike) -> str:
    """Return the SHA-256 checksum of a file as 64 hex digits.

    The file is read in chunks of 1 MiB, so large files need little memory.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise MnistDataError(f"{path}: file not found, so it has no checksum.")
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def keras_cache_dir() -> Path:
    """Return Keras' cache folder, as Keras decides it, from the environment now.

    Mirrors ``keras/src/backend/config.py``: ``$KERAS_HOME`` if that variable is
    set; otherwise ``~/.keras``, or ``/tmp/.keras`` when the home folder is not
    writable. Keras reads the environment once, when it is imported; this
    function reads it on every call. Datasets live in its ``datasets`` subfolder.
    """
    if "KERAS_HOME" in os.environ:
        return Path(os.environ["KERAS_HOME"]).expanduser()
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return Path(base) / ".keras"


def cached_full_mnist(cache_dir: str | os.PathLike | None = None) -> Path | None:
    """Return the full MNIST file that ``load_mnist("full")`` reads with no download.

    Looks in ``<cache_dir>/datasets`` (``cache_dir`` defaults to
    ``keras_cache_dir()``): Keras' own ``mnist.npz`` if its sha256 is Keras'
    (any other file Keras would download again); else ``mnist-imported.npz``
    if it exists; else None. Only looks: reads no arrays, downloads nothing.
    """
    datasets = Path(cache_dir if cache_dir is not None else keras_cache_dir()) / "datasets"
    keras_file = datasets / KERAS_MNIST_NAME
    if keras_file.is_file() and sha256_file(keras_file) == KERAS_MNIST_SHA256:
        return keras_file
    imported = datasets / IMPORTED_MNIST_NAME
    if imported.is_file():
        return imported
    return None


def _shorten(text: str, limit: int = 200) -> str:
    """Return the first line of ``text``, cut to at most ``limit`` characters."""
    lines = str(text).strip().splitlines()
    first = lines[0] if lines else ""
    if len(first) > limit:
        first = first[: limit - 3] + "..."
    return first


# ---------------------------------------------------------------------------
# Checking the arrays
# ---------------------------------------------------------------------------


def validate_mnist(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    origin: str,
    *,
    fix: str = FIX_FILE,
) -> None:
    """Check that four arrays look like MNIST; raise MnistDataError if not.

    Expected:

    - ``x_train``, ``x_test``: uint8 arrays of shape (N, 28, 28), N >= 1.
    - ``y_train``, ``y_test``: 1-D integer arrays of shape (N,), values 0..9.
      Any integer dtype passes here; the loaders then cast labels to uint8.
    - as many labels as images in each of the train and test sets.

    ``origin`` names where the arrays come from (usually a file path); it starts
    every error message. ``fix`` is the advice that ends it.
    """
    pairs = (
        ("x_train", x_train, "y_train", y_train),
        ("x_test", x_test, "y_test", y_test),
    )
    for x_name, images, y_name, labels in pairs:
        images = np.asarray(images)
        labels = np.asarray(labels)

        if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
            raise MnistDataError(
                f"{origin}: {x_name} has shape {images.shape}, but MNIST images "
                f"must have shape (N, 28, 28). {fix}"
            )
        if images.dtype != np.uint8:
            raise MnistDataError(
                f"{origin}: {x_name} has dtype {images.dtype}, but MNIST images "
                f"must be uint8 (pixel values 0..255). {fix}"
            )
        if images.shape[0] == 0:
            raise MnistDataError(f"{origin}: {x_name} contains no images. {fix}")

        if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
            raise MnistDataError(
                f"{origin}: {y_name} has shape {labels.shape} and dtype "
                f"{labels.dtype}, but MNIST labels must be a 1-D integer array "
                f"of shape (N,). {fix}"
            )
        outside = (labels < 0) | (labels > 9)
        if outside.any():
            bad_values = np.unique(labels[outside])[:10].tolist()
            raise MnistDataError(
                f"{origin}: {y_name} has labels outside 0..9 (min {labels.min()}, "
                f"max {labels.max()}; bad values found: {bad_values}). {fix}"
            )

        if len(images) != len(labels):
            raise MnistDataError(
                f"{origin}: {x_name} has {len(images)} images but {y_name} has "
                f"{len(labels)} labels; the counts must be equal. {fix}"
            )


def _checked(
    arrays: dict[str, np.ndarray], origin: str, fix: str = FIX_FILE
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Validate the four arrays, cast the labels to uint8, and pair them up."""
    validate_mnist(*(arrays[key] for key in KEYS), origin=origin, fix=fix)
    x_train, y_train, x_test, y_test = (arrays[key] for key in KEYS)
    return (x_train, y_train.astype(np.uint8)), (x_test, y_test.astype(np.uint8))


# ---------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------


def load_npz(
    path: str | os.PathLike,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST from an .npz file in Keras' layout.

    The file must hold the keys ``x_train``, ``y_train``, ``x_test``, ``y_test``.
    Returns ``(x_train, y_train), (x_test, y_test)``: images uint8 (N, 28, 28),
    labels uint8 (N,). Labels stored with another integer dtype (e.g. int64)
    are accepted when their values are 0..9, and cast to uint8; images must
    already be uint8.

    Pickled (object) data is never loaded: ``np.load`` runs with
    ``allow_pickle=False``.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise MnistDataError(f"{path}: file not found. {FIX_SOURCE}")

    try:
        with open(path, "rb") as file:
            start = file.read(4)
    except OSError as exc:
        raise MnistDataError(
            f"{path}: cannot be read ({_shorten(exc)}). Check the file's permissions, "
            "or copy it somewhere you can read it."
        ) from exc
    if not start.startswith(b"PK"):
        raise MnistDataError(
            f"{path}: not a valid .npz file (it is not a zip archive; it may be "
            f"truncated, empty, or another kind of file). {FIX_FILE}"
        )

    arrays = {}
    try:
        with np.load(path, allow_pickle=False) as npz:
            found = sorted(npz.files)
            missing = [key for key in KEYS if key not in found]
            if missing:
                raise MnistDataError(
                    f"{path}: missing key(s) {', '.join(missing)}; keys found: "
                    f"{', '.join(found) or 'none'}. {FIX_SOURCE}"
                )
            for key in KEYS:
                arrays[key] = npz[key]
    except MnistDataError:
        raise
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise MnistDataError(
                f"{path}: contains pickled (object) data, which is never loaded "
                f"because unpickling can run arbitrary code. {FIX_SOURCE}"
            ) from exc
        raise MnistDataError(
            f"{path}: corrupt or truncated .npz file ({_shorten(exc)}). {FIX_FILE}"
        ) from exc
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
        raise MnistDataError(
            f"{path}: corrupt or truncated .npz file ({_shorten(exc)}). {FIX_FILE}"
        ) from exc

    return _checked(arrays, str(path))


def read_idx(path: str | os.PathLike, expected_magic: int | None = None) -> np.ndarray:
    """Read one IDX file (plain, or gzipped if its name ends in ``.gz``).

    IDX is the format of the original MNIST files. The header is big-endian:
    two zero bytes, a type byte (0x08 = uint8, the only type supported here),
    the number of dimensions, then one uint32 size per dimension. The data
    follows, one byte per value.

    Returns a uint8 array with the shape given in the header: (N, 28, 28) for
    MNIST images (magic number 0x00000803 = 2051), (N,) for labels
    (0x00000801 = 2049). If ``expected_magic`` is given, any other magic
    number is refused.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise MnistDataError(f"{path}: file not found. {FIX_SOURCE}")

    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as file:
                content = file.read()
        else:
            content = path.read_bytes()
    except PermissionError as exc:
        raise MnistDataError(
            f"{path}: cannot be read ({_shorten(exc)}). Check the file's permissions, "
            "or copy it somewhere you can read it."
        ) from exc
    except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as exc:
        if path.suffix != ".gz":
            raise MnistDataError(f"{path}: cannot be read ({_shorten(exc)}). {FIX_FILE}") from exc
        raise MnistDataError(
            f"{path}: corrupt or truncated gzip file ({_shorten(exc)}). {FIX_FILE}"
        ) from exc

    if len(content) < 4:
        raise MnistDataError(
            f"{path}: IDX header too short ({len(content)} bytes; the magic "
            f"number alone needs 4). {FIX_FILE}"
        )
    (magic,) = struct.unpack(">I", content[:4])
    zeros, type_byte, ndim = content[:2], content[2], content[3]
    if expected_magic is not None and magic != expected_magic:
        raise MnistDataError(
            f"{path}: wrong magic number 0x{magic:08X} ({magic}); expected "
            f"0x{expected_magic:08X} ({expected_magic}). Is this the right file? "
            f"{FIX_FILE}"
        )
    if zeros != b"\x00\x00" or type_byte != 0x08:
        raise MnistDataError(
            f"{path}: wrong magic number 0x{magic:08X} ({magic}); an IDX file of "
            f"uint8 values starts with 0x000008 followed by the number of "
            f"dimensions. {FIX_FILE}"
        )

    header_size = 4 + 4 * ndim
    if len(content) < header_size:
        raise MnistDataError(
            f"{path}: IDX header too short ({len(content)} bytes, but {ndim} "
            f"dimensions need a {header_size}-byte header). {FIX_FILE}"
        )
    shape = struct.unpack(f">{ndim}I", content[4:header_size])
    expected_size = int(np.prod(shape, dtype=np.int64))
    data_size = len(content) - header_size
    if data_size < expected_size:
        raise MnistDataError(
            f"{path}: truncated: the header announces shape {shape}, i.e. "
            f"{expected_size} bytes of data, but only {data_size} follow. {FIX_FILE}"
        )
    if data_size > expected_size:
        raise MnistDataError(
            f"{path}: {data_size - expected_size} extra bytes after the data: "
            f"the header announces shape {shape}, i.e. {expected_size} bytes, "
            f"but {data_size} follow. {FIX_FILE}"
        )

    return np.frombuffer(content, dtype=np.uint8, offset=header_size).reshape(shape)


def _find_idx_file(folder: Path, name: str) -> Path | None:
    """Return the file for ``name`` in ``folder``, or None if there is none.

    Tried in this order: ``name``, ``name.gz``, and the same with a dot instead
    of the last dash (``train-images.idx3-ubyte``), as some mirrors spell it.
    """
    dotted = name.replace("-idx", ".idx")
    for candidate in (name, name + ".gz", dotted, dotted + ".gz"):
        if (folder / candidate).is_file():
            return folder / candidate
    return None


def load_idx_folder(
    folder: str | os.PathLike,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST from a folder with the four original IDX files.

    The folder must hold ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each plain or
    gzipped (``.gz``); ``train-images.idx3-ubyte`` (with a dot) also works.
    If both a plain and a gzipped copy exist, the plain one is read.

    Returns ``(x_train, y_train), (x_test, y_test)``: images uint8 (N, 28, 28),
    labels uint8 (N,).
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise MnistDataError(f"{folder}: folder not found. {FIX_SOURCE}")

    found = {key: _find_idx_file(folder, name) for key, name in IDX_FILES.items()}
    missing = [IDX_FILES[key] for key, path in found.items() if path is None]
    if missing:
        raise MnistDataError(
            f"{folder}: missing IDX file(s) {', '.join(missing)} (plain or .gz). {FIX_SOURCE}"
        )

    arrays = {}
    for key, path in found.items():
        magic = IMAGES_MAGIC if key.startswith("x") else LABELS_MAGIC
        arrays[key] = read_idx(path, expected_magic=magic)
        if key.startswith("x") and arrays[key].shape[1:] != IMAGE_SHAPE:
            raise MnistDataError(
                f"{path}: images of shape {arrays[key].shape[1:]}, but MNIST "
                f"images are 28 x 28. {FIX_FILE}"
            )

    return _checked(arrays, f"{folder} (IDX files)")


def _load_path(
    path: str | os.PathLike, described_as: str = ""
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load an .npz file or an IDX folder; ``described_as`` prefixes errors."""
    path = Path(path).expanduser()
    if path.is_dir():
        return load_idx_folder(path)
    if path.is_file():
        return load_npz(path)
    raise MnistDataError(
        f"{described_as}{path}: no such file or folder. Valid sources are "
        f"{VALID_SOURCES}. {FIX_SOURCE}"
    )


# ---------------------------------------------------------------------------
# Keras' download
# ---------------------------------------------------------------------------


def _is_network_error(exc: BaseException) -> bool:
    """Tell whether ``exc`` (or an error it was raised from) is a network failure.

    Keras reports a failed download as a plain ``Exception`` whose message
    starts with "URL fetch failure on"; the original ``URLError`` is kept as
    its context.
    """
    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if str(current).startswith("URL fetch failure on"):
            return True
        if isinstance(
            current,
            urllib.error.URLError | socket.gaierror | ssl.SSLError | ConnectionError,
        ):
            return True
        if isinstance(current, TimeoutError):
            return True
        if isinstance(current, OSError) and current.errno in NETWORK_ERRNOS:
            return True
        current = current.__cause__ or current.__context__
    return False


def _is_ssl_error(reason: str) -> bool:
    """Tell whether a download failure reason is about SSL certificates."""
    return "CERTIFICATE_VERIFY_FAILED" in reason or "SSL" in reason


def _download_advice(reason: str) -> str:
    """Return the sentences that explain a failed download and its fixes."""
    if _is_ssl_error(reason):
        why = (
            "Python could not check the SSL certificate of the download server "
            "(on macOS: run 'Install Certificates.command' from your Python "
            "folder in Applications; elsewhere: `pip install --upgrade certifi`)."
        )
    else:
        why = "There seems to be no network connection."
    return f"{why} Reason: {_shorten(reason)}."


def _download_fixes() -> str:
    """Return the list of ways to get MNIST without Keras' download."""
    return (
        "To fix it: connect to the internet and run again; or use the "
        '10,000-digit sample with load_mnist("sample"); or set '
        "MNIST_DATA=/path/to/mnist.npz (or an IDX folder) to a local copy, "
        "e.g. made by `make data FROM=<file or folder>`."
    )


def _load_full() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the full MNIST: an imported copy, or ``keras.datasets.mnist.load_data()``.

    When Keras' cache holds no valid ``mnist.npz`` but a copy imported with
    ``make data FROM=...`` (``mnist-imported.npz``), that copy is read and Keras
    is not called. Otherwise Keras loads (and if needed downloads) its own file.

    Raises MnistDownloadError if the download fails for lack of network; any
    other error (e.g. a corrupt file in Keras' cache) propagates unchanged.
    """
    cached = cached_full_mnist()
    if cached is not None and cached.name == IMPORTED_MNIST_NAME:
        return load_npz(cached)

    import keras  # imported here: importing Keras takes several seconds

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as exc:
        if _is_network_error(exc):
            raise MnistDownloadError(
                "Could not download MNIST with keras.datasets.mnist.load_data(). "
                f"{_download_advice(str(exc))} {_download_fixes()}"
            ) from exc
        raise

    arrays = {
        "x_train": x_train,
        "y_train": y_train,
        "x_test": x_test,
        "y_test": y_test,
    }
    fix = (
        "Delete mnist.npz in Keras' cache folder (~/.keras/datasets, or "
        "$KERAS_HOME/datasets) and run again to download it afresh."
    )
    return _checked(arrays, "keras.datasets.mnist.load_data() (mnist.npz)", fix)


# ---------------------------------------------------------------------------
# The main entry point
# ---------------------------------------------------------------------------


def load_mnist(
    source: str | os.PathLike = "auto",
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``.

    The arrays are exactly as ``keras.datasets.mnist.load_data()`` returns
    them: images uint8 of shape (N, 28, 28), values 0..255; labels uint8 of
    shape (N,), values 0..9.

    ``source`` is one of:

    - ``"auto"`` (default): the path in the environment variable ``MNIST_DATA``
      if it is set and not empty; otherwise ``"full"``; and if that fails for
      lack of network, ``"sample"``, with a ``UserWarning`` that says why.
      Any other failure (for example a corrupt file) is raised, not hidden.
    - ``"full"``: Keras' download (60,000 train + 10,000 test digits), cached
      in ``~/.keras/datasets``; or, when that cache has no valid ``mnist.npz``,
      the copy imported there by ``make data FROM=...`` (``mnist-imported.npz``).
      Raises MnistDownloadError (a ConnectionError) when a download is needed
      and there is no network.
    - ``"sample"``: the 10,000 digits shipped with this package
      (8,000 train + 2,000 test).
    - any other string or path: an .npz file in Keras' layout, or a folder with
      the four original IDX files (plain or .gz). ``~`` is expanded.

    Raises MnistDataError for a missing, corrupt or malformed data source.
    """
    if not isinstance(source, (str, os.PathLike)):
        raise MnistDataError(
            f"load_mnist got source={source!r}, which is not a data source. Use one of "
            f'{VALID_SOURCES} (a notebook\'s data_source setting is "auto" by default).'
        )
    if isinstance(source, str) and source == "auto":
        from_env = os.environ.get("MNIST_DATA", "")
        if from_env:
            return _load_path(from_env, described_as="MNIST_DATA is set to ")
        try:
            return _load_full()
        except MnistDownloadError as exc:
            reason = exc.__cause__ if exc.__cause__ is not None else exc
            ssl_hint = ""
            if _is_ssl_error(str(reason)):
                ssl_hint = (
                    " (SSL certificate problem: on macOS run 'Install "
                    "Certificates.command' from your Python folder; elsewhere "
                    "`pip install --upgrade certifi`)"
                )
            warnings.warn(
                f"Could not download the full MNIST data set: {_shorten(reason)}"
                f"{ssl_hint}. Using the 10,000-digit sample shipped with "
                "mnist_helpers instead (8,000 train + 2,000 test), so accuracies "
                "will be lower than with the full 70,000 digits. To get the full "
                "set: connect to the internet and run again; or run `make data` "
                "(or `make data FROM=<file or folder>`); or set "
                "MNIST_DATA=/path/to/mnist.npz.",
                UserWarning,
                stacklevel=2,
            )
            return load_npz(sample_path())
    if isinstance(source, str) and source == "full":
        return _load_full()
    if isinstance(source, str) and source == "sample":
        return load_npz(sample_path())
    return _load_path(source)
