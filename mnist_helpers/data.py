"""Load the MNIST digits, or Fashion-MNIST, with or without a network connection.

``load_mnist()`` returns the data exactly as ``keras.datasets.mnist.load_data()``
does::

    (x_train, y_train), (x_test, y_test) = load_mnist()

- ``x_train``: uint8 array of shape (N, 28, 28), pixel values 0..255
  (N = 60,000 for the full data set).
- ``y_train``: uint8 array of shape (N,), digit labels 0..9.
- ``x_test``, ``y_test``: the same for the test set (10,000 in the full set).

Keras downloads, checks and caches the full set; this module adds what Keras
cannot do: the shipped sample when there is no network, local copies (an
``.npz`` or the four IDX files), and an ``MnistDataError`` naming the file, the
problem and the fix for any copy that is not MNIST. It only reads, never writes.

``load_mnist(source, dataset="fashion")`` reads Fashion-MNIST (Han Xiao, Kashif
Rasul, Roland Vollgraf, Zalando Research, 2017, MIT licence) the same way:
28 x 28 uint8 pictures of clothing, labels 0..9 for the classes T-shirt/top,
Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import warnings
import zipfile
import zlib
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple

import numpy as np

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

# The names of the four arrays, in Keras' order, and the original IDX file of each.
KEYS = ("x_train", "y_train", "x_test", "y_test")
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
# IDX magic numbers: 0x0000, 0x08 (uint8), then the number of dimensions.
IMAGES_MAGIC, LABELS_MAGIC = 0x00000803, 0x00000801  # 2051: (N, 28, 28); 2049: (N,)

# The sha256 keras.datasets.mnist.load_data() checks (of <Keras cache>/datasets/mnist.npz).
KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

# How to get the full data: the one text used by the warning, the errors and `make check`.
GET_FULL_MNIST = (
    "To get the full MNIST (70,000 digits): connect to the internet and run again, "
    "or run `make data` once while online (Keras downloads it, 11 MB, and checks it); "
    "offline, copy Keras' mnist.npz from another machine (e.g. on a USB stick) and run "
    "`make data FROM=/path/to/mnist.npz`, or set MNIST_DATA=/path/to/a/copy (an .npz "
    "or a folder with the four IDX files)."
)
FIX_FILE = f"Replace it with a good copy. {GET_FULL_MNIST}"
FIX_SOURCE = (
    "Point MNIST_DATA (or the argument of load_mnist) at an .npz with keys "
    "x_train, y_train, x_test, y_test, or at a folder with the four IDX files "
    f"{', '.join(IDX_FILES.values())} (plain or .gz)."
)
VALID_SOURCES = (
    '"auto", "full", "sample", or a path to an .npz file or to a folder '
    "with the four MNIST IDX files"
)
GET_FULL_FASHION_MNIST = (
    "To get the full Fashion-MNIST (70,000 images): connect to the internet and run "
    "again (Keras downloads it once, 30 MB, into its cache); offline, copy its four IDX "
    "files (train-images-idx3-ubyte.gz ...) from another machine, or on Debian run "
    "`apt-get install dataset-fashion-mnist`, which puts them in "
    "/usr/share/datasets/fashion-mnist, and set FASHION_MNIST_DATA to that folder "
    "(or to an .npz in Keras' layout)."
)
SSL_HINT = (
    " Python could not check the download server's SSL certificate: on macOS run "
    "'Install Certificates.command' from your Python folder in Applications; "
    "elsewhere install the system's CA certificates (Debian, Ubuntu: "
    "`sudo apt-get install ca-certificates`); Keras downloads with Python's urllib, "
    "which trusts those, not the certifi package. Behind a proxy that replaces "
    "certificates, use a copy of the data instead."
)


class MnistDataError(ValueError):
    """The MNIST data is missing, corrupt or not MNIST; the message names the file and the fix."""


class MnistDownloadError(ConnectionError):
    """Keras could not download MNIST (no network); the message says why and what to do."""


class Dataset(NamedTuple):
    """What differs between MNIST and Fashion-MNIST; the readers and checks are shared."""

    name: str  # in messages: "MNIST", "Fashion-MNIST"
    env: str  # the environment variable that "auto" reads first
    keras_name: str  # keras.datasets.<keras_name>.load_data() downloads the full set
    sample_file: str  # the shipped sample, in sample_data/
    sample: str  # the sample, in messages
    split: str  # its images
    sample_call: str  # how to load it
    lower: str  # what the sample costs
    get_full: str  # how to get the full data set


DATASETS = {
    "mnist": Dataset(
        name="MNIST",
        env="MNIST_DATA",
        keras_name="mnist",
        sample_file="mnist-sample.npz",
        sample="10,000-digit sample",
        split="8,000 train + 2,000 test",
        sample_call='load_mnist("sample")',
        lower="a little lower than with the full 70,000 digits",
        get_full=GET_FULL_MNIST,
    ),
    "fashion": Dataset(
        name="Fashion-MNIST",
        env="FASHION_MNIST_DATA",
        keras_name="fashion_mnist",
        sample_file="fashion-mnist-sample.npz",
        sample="5,000-image Fashion-MNIST sample",
        split="4,000 train + 1,000 test",
        sample_call='load_mnist("sample", dataset="fashion")',
        lower="lower than with the full 70,000 images",
        get_full=GET_FULL_FASHION_MNIST,
    ),
}


def sample_path(dataset: str = "mnist") -> Path:
    """Return the path of the shipped sample of ``dataset`` ("mnist" or "fashion").

    ``sample_data/mnist-sample.npz``: 10,000 real MNIST digits in Keras' layout,
    ``x_train`` uint8 (8000, 28, 28), ``y_train`` uint8 (8000,), ``x_test``
    uint8 (2000, 28, 28), ``y_test`` uint8 (2000,).
    ``sample_data/fashion-mnist-sample.npz``: 5,000 real Fashion-MNIST images,
    4,000 train and 1,000 test, in the same layout.
    """
    return Path(str(files("mnist_helpers") / "sample_data" / DATASETS[dataset].sample_file))


def sha256_file(path: str | os.PathLike) -> str:
    """Return the SHA-256 checksum of an existing file, as 64 hex digits."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def keras_cache_dir() -> Path:
    """Return Keras' cache folder by Keras' rules, read from the environment now.

    ``$KERAS_HOME`` if that variable is set; otherwise ``~/.keras``, or
    ``/tmp/.keras`` when the home folder is not writable (as in
    ``keras/src/backend/config.py``, which reads them once, at import).
    """
    if "KERAS_HOME" in os.environ:
        return Path(os.environ["KERAS_HOME"]).expanduser()
    home = os.path.expanduser("~")
    return Path(home if os.access(home, os.W_OK) else "/tmp") / ".keras"


def cached_full_mnist(cache_dir: str | os.PathLike | None = None) -> Path | None:
    """Return ``<cache_dir>/datasets/mnist.npz`` if it is Keras' own file, else None.

    ``cache_dir`` defaults to ``keras_cache_dir()``. Keras' own file (sha256
    ``KERAS_MNIST_SHA256``) is what ``load_mnist("full")`` reads with no
    network; Keras downloads any other file again. Reads no arrays.
    """
    path = Path(cache_dir or keras_cache_dir()) / "datasets" / "mnist.npz"
    return path if path.is_file() and sha256_file(path) == KERAS_MNIST_SHA256 else None


def _first_line(exc: BaseException, limit: int = 200) -> str:
    """Return the first line of ``str(exc)``, cut to ``limit`` characters."""
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _unreadable(path: Path, exc: BaseException, kind: str) -> MnistDataError:
    """Return the error for a file that cannot be read (``kind``: "npz", "gzip" ...)."""
    if isinstance(exc, PermissionError):
        return MnistDataError(
            f"{path}: cannot be read ({_first_line(exc)}). Check the file's "
            "permissions, or copy it somewhere you can read it."
        )
    return MnistDataError(f"{path}: corrupt or truncated {kind} ({_first_line(exc)}). {FIX_FILE}")


def _validated(arrays: dict[str, np.ndarray], origin: str, names: dict[str, str]) -> Arrays:
    """Check four arrays look like MNIST and pair them; raise MnistDataError if not.

    Expected: ``x_train``, ``x_test`` uint8 (N, 28, 28) with N >= 1;
    ``y_train``, ``y_test`` 1-D integer arrays (N,) with values 0..9, as many
    as the images, returned cast to uint8. Messages start with ``origin``
    (e.g. ``"mnist.npz: "``), then ``names[key]`` (e.g. ``"x_train"``).
    """
    for x_key, y_key in (("x_train", "y_train"), ("x_test", "y_test")):
        images, labels, x, y = arrays[x_key], arrays[y_key], names[x_key], names[y_key]
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            problem = f"{x} has shape {images.shape}, but MNIST images must have shape (N, 28, 28)"
        elif images.dtype != np.uint8:
            problem = f"{x} has dtype {images.dtype}, but MNIST images must be uint8 (0..255)"
        elif len(images) == 0:
            problem = f"{x} contains no images"
        elif labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
            problem = (
                f"{y} has shape {labels.shape} and dtype {labels.dtype}, but MNIST labels "
                "must be a 1-D integer array of shape (N,)"
            )
        elif ((labels < 0) | (labels > 9)).any():
            bad = np.unique(labels[(labels < 0) | (labels > 9)])[:10].tolist()
            problem = f"{y} has labels outside 0..9 (bad values found: {bad})"
        elif len(images) != len(labels):
            problem = f"{x} has {len(images)} images but {y} has {len(labels)} labels"
        else:
            continue
        raise MnistDataError(f"{origin}{problem}. {FIX_FILE}")
    return (
        (arrays["x_train"], arrays["y_train"].astype(np.uint8)),
        (arrays["x_test"], arrays["y_test"].astype(np.uint8)),
    )


def load_npz(path: str | os.PathLike) -> Arrays:
    """Load MNIST from an .npz file in Keras' layout (keys x_train, y_train, x_test, y_test).

    Returns ``(x_train, y_train), (x_test, y_test)``: images uint8 (N, 28, 28),
    labels uint8 (N,). Labels stored with another integer dtype (e.g. int64)
    are accepted when their values are 0..9, and cast to uint8; images must
    already be uint8. Pickled (object) data is never loaded.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise MnistDataError(f"{path}: file not found. {FIX_SOURCE}")
    try:
        with open(path, "rb") as file:
            is_zip = file.read(4).startswith(b"PK")  # else np.load tries .npy or pickle
        if is_zip:
            with np.load(path, allow_pickle=False) as npz:
                found = sorted(npz.files)
                arrays = {key: npz[key] for key in KEYS if key in found}
    except ValueError as exc:
        if "allow_pickle" not in str(exc):
            raise _unreadable(path, exc, ".npz file") from exc
        raise MnistDataError(
            f"{path}: contains pickled (object) data, which is never loaded because "
            f"unpickling can run arbitrary code. {FIX_SOURCE}"
        ) from exc
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
        raise _unreadable(path, exc, ".npz file") from exc
    if not is_zip:
        raise MnistDataError(
            f"{path}: not a valid .npz file (it is not a zip archive; it may be "
            f"truncated, empty, or another kind of file). {FIX_FILE}"
        )
    if len(arrays) < len(KEYS):
        raise MnistDataError(
            f"{path}: missing key(s) {', '.join(k for k in KEYS if k not in arrays)}; "
            f"keys found: {', '.join(found) or 'none'}. {FIX_SOURCE}"
        )
    return _validated(arrays, f"{path}: ", {key: key for key in KEYS})


def _read_idx(path: Path, magic: int) -> np.ndarray:
    """Read one IDX file (gzipped if its name ends in ``.gz``) whose magic must be ``magic``.

    The big-endian header is the magic number (its last byte: the number of
    dimensions) and one uint32 size per dimension; uint8 values follow.
    Returns (N, 28, 28) uint8 for images (magic 2051), (N,) for labels (2049).
    """
    try:
        content = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        raise _unreadable(path, exc, "gzip file" if path.suffix == ".gz" else "file") from exc
    found = int.from_bytes(content[:4], "big")
    if len(content) >= 4 and found != magic:
        raise MnistDataError(
            f"{path}: wrong magic number 0x{found:08X} ({found}); expected 0x{magic:08X} "
            f"({magic}), for uint8 {'images' if magic == IMAGES_MAGIC else 'labels'}. "
            f"Is this the right file? {FIX_FILE}"
        )
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(content) < header:
        raise MnistDataError(
            f"{path}: IDX header too short ({len(content)} bytes; {ndim} dimension(s) "
            f"need a {header}-byte header). {FIX_FILE}"
        )
    shape = tuple(int.from_bytes(content[i : i + 4], "big") for i in range(4, header, 4))
    expected, size = int(np.prod(shape, dtype=np.int64)), len(content) - header
    if size != expected:
        what = "truncated" if size < expected else f"{size - expected} extra bytes"
        raise MnistDataError(
            f"{path}: {what}: the header announces shape {shape}, i.e. {expected} bytes "
            f"of data, but {size} follow. {FIX_FILE}"
        )
    return np.frombuffer(content, np.uint8, offset=header).reshape(shape)


def _load_idx_folder(folder: Path) -> Arrays:
    """Load MNIST from a folder with the four original IDX files, each plain or ``.gz``.

    ``train-images.idx3-ubyte`` (a dot for the last dash, as some mirrors
    spell it) also works; a plain file is read before a gzipped one.
    Returns images uint8 (N, 28, 28), labels uint8 (N,).
    """
    found = {}
    for key, name in IDX_FILES.items():
        candidates = (name, name + ".gz", name.replace("-idx", ".idx"))
        candidates += (candidates[2] + ".gz",)
        found[key] = next((folder / c for c in candidates if (folder / c).is_file()), None)
    missing = [IDX_FILES[key] for key, path in found.items() if path is None]
    if missing:
        raise MnistDataError(
            f"{folder}: missing IDX file(s) {', '.join(missing)} (plain or .gz). {FIX_SOURCE}"
        )
    arrays = {
        key: _read_idx(path, IMAGES_MAGIC if key[0] == "x" else LABELS_MAGIC)
        for key, path in found.items()
    }
    return _validated(arrays, "", {key: f"{path} ({key})" for key, path in found.items()})


def _load_path(path: str | os.PathLike, described_as: str = "") -> Arrays:
    """Load an .npz file or an IDX folder; ``described_as`` starts a not-found error."""
    path = Path(path).expanduser()
    if path.is_dir():
        return _load_idx_folder(path)
    if path.is_file():
        return load_npz(path)
    raise MnistDataError(
        f"{described_as}{path}: no such file or folder. Valid sources are "
        f"{VALID_SOURCES}. {FIX_SOURCE}"
    )


def _why(exc: BaseException) -> str:
    """Return why a download failed: Keras' reason, and the SSL hint if it is one."""
    reason = _first_line(exc)
    return f"{reason}." + (SSL_HINT if "SSL" in reason else " Is there a network connection?")


def _load_full(data: Dataset) -> Arrays:
    """Return ``keras.datasets.<data.keras_name>.load_data()``: Keras downloads and caches.

    Raises MnistDownloadError (a ConnectionError) when the download fails for
    lack of network (Keras raises ``Exception("URL fetch failure on ...")``),
    MnistDataError when the downloaded file fails Keras' checksum; any other
    error propagates.
    """
    import keras  # imported here: importing Keras takes several seconds

    try:
        return getattr(keras.datasets, data.keras_name).load_data()
    except ValueError as exc:  # what Keras downloaded fails its checksum
        if "file hash does not match" not in str(exc):
            raise
        raise MnistDataError(
            f"keras.datasets.{data.keras_name}.load_data(): {_first_line(exc)} A proxy or "
            f"captive portal may have answered instead of the server. {data.get_full}"
        ) from exc
    except Exception as exc:
        # Keras wraps the errors of connecting; a download cut later arrives as it is.
        cut = isinstance(exc, ConnectionError | TimeoutError)
        if not (cut or str(exc).startswith("URL fetch failure on")):
            raise
        raise MnistDownloadError(
            f"Could not download the full {data.name} with keras.datasets.{data.keras_name}"
            f".load_data(): {_why(exc)} Without it, {data.sample_call} gives the "
            f"{data.sample} shipped with this tutorial. {data.get_full}"
        ) from exc


def load_mnist(source: str | os.PathLike = "auto", dataset: str = "mnist") -> Arrays:
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``.

    Images uint8 of shape (N, 28, 28), values 0..255; labels uint8 of shape
    (N,), values 0..9, as ``keras.datasets.mnist.load_data()`` returns them.
    ``source`` is one of:

    - ``"auto"`` (default): the path in the environment variable ``MNIST_DATA``
      if it is set and not empty; otherwise ``"full"``; and if that fails for
      lack of network, ``"sample"``, with one ``UserWarning`` that says why
      and how to get the full set. Any other failure is raised, not hidden.
    - ``"full"``: Keras' download (60,000 train + 10,000 test digits), cached in
      ``~/.keras/datasets`` (``$KERAS_HOME/datasets``); MnistDownloadError offline.
    - ``"sample"``: the 10,000 digits shipped with this package (8,000 + 2,000).
    - any other string or path: an .npz file in Keras' layout, or a folder with
      the four original IDX files (plain or .gz). ``~`` is expanded.

    ``dataset="fashion"`` loads Fashion-MNIST instead, from the same kinds of
    source: ``"auto"`` reads ``FASHION_MNIST_DATA`` (never ``MNIST_DATA``),
    ``"full"`` is ``keras.datasets.fashion_mnist.load_data()`` (60,000 +
    10,000 images), ``"sample"`` the 5,000 images shipped with this package
    (4,000 + 1,000); its IDX files have the same names as MNIST's.

    Raises MnistDataError for a missing, corrupt or malformed data source.
    """
    if not isinstance(source, str | os.PathLike):
        raise MnistDataError(
            f"load_mnist got source={source!r}, which is not a data source. Use one of "
            f'{VALID_SOURCES} (a notebook\'s data_source setting is "auto" by default).'
        )
    if dataset not in DATASETS:
        raise MnistDataError(
            f'load_mnist got dataset={dataset!r}. Use "mnist" (the digits, the default) '
            'or "fashion" (Fashion-MNIST).'
        )
    data = DATASETS[dataset]
    if source == "auto" and not os.environ.get(data.env):
        try:
            return _load_full(data)
        except MnistDownloadError as exc:
            warnings.warn(
                f"Could not download the full {data.name} data set: "
                f"{_why(exc.__cause__ or exc)} Using the {data.sample} shipped with "
                f"mnist_helpers instead ({data.split}), so accuracies will be {data.lower}. "
                f"{data.get_full}",
                UserWarning,
                stacklevel=2,
            )
            source = "sample"
    if source == "full":
        return _load_full(data)
    try:
        if source == "auto":  # and the environment variable is set
            return _load_path(os.environ[data.env], described_as=f"{data.env} is set to ")
        if source == "sample":
            return load_npz(sample_path(dataset))
        return _load_path(source)
    except MnistDataError as exc:
        if dataset == "mnist":
            raise
        # The readers' messages say how to get MNIST: say how to get this data set instead.
        message = str(exc).replace(GET_FULL_MNIST, data.get_full)
        message = message.replace("Point MNIST_DATA", f"Point {data.env}")
        raise MnistDataError(message) from exc.__cause__
