"""Tests for mnist_helpers.data: loading MNIST from every source, offline.

No test touches the network or the real Keras cache (~/.keras): Keras'
``load_data`` is replaced, or Keras' cache folder is pointed at tmp_path.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import os
import socket
import ssl
import struct
import subprocess
import sys
import urllib.error
import warnings
from pathlib import Path

import numpy as np
import pytest

from mnist_helpers import data
from mnist_helpers.data import (
    MnistDataError,
    MnistDownloadError,
    load_idx_folder,
    load_mnist,
    load_npz,
    read_idx,
    sample_path,
    sha256_file,
    validate_mnist,
)

SAMPLE_SHA256 = "c91c85d55f7875b293b2afa33e57515dcc09db443b7ca590773e674f18f248cf"
NO_NETWORK = "URL fetch failure on https://x: None -- [Errno -2] Name or service not known"
SSL_FAILURE = (
    "URL fetch failure on https://x: None -- [SSL: CERTIFICATE_VERIFY_FAILED] "
    "certificate verify failed: unable to get local issuer certificate"
)
IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


# ---------------------------------------------------------------------------
# Helpers and fixtures
# ---------------------------------------------------------------------------


def small_arrays(n_train: int = 6, n_test: int = 4) -> dict[str, np.ndarray]:
    """Return four small, valid MNIST-like arrays."""
    rng = np.random.default_rng(0)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test)[::-1] % 10).astype(np.uint8),
    }


def as_tuples(arrays: dict[str, np.ndarray]):
    """Pair the arrays like keras.datasets.mnist.load_data() does."""
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def assert_same(loaded, arrays: dict[str, np.ndarray]) -> None:
    """Assert that a loader returned exactly ``arrays``, labels as uint8."""
    (x_train, y_train), (x_test, y_test) = loaded
    for got, key in ((x_train, "x_train"), (y_train, "y_train")):
        np.testing.assert_array_equal(got, arrays[key])
    for got, key in ((x_test, "x_test"), (y_test, "y_test")):
        np.testing.assert_array_equal(got, arrays[key])
    for images in (x_train, x_test):
        assert images.dtype == np.uint8
    for labels in (y_train, y_test):
        assert labels.dtype == np.uint8


def idx_bytes(array: np.ndarray, type_byte: int = 0x08) -> bytes:
    """Encode a uint8 array as an IDX file: big-endian header, then the data."""
    header = bytes([0, 0, type_byte, array.ndim])
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx_folder(
    folder: Path, arrays: dict[str, np.ndarray], gz: bool = False, dotted: bool = False
) -> Path:
    """Write the four IDX files of ``arrays`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for key, name in IDX_NAMES.items():
        if dotted:
            name = name.replace("-idx", ".idx")
        content = idx_bytes(arrays[key])
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(content))
        else:
            (folder / name).write_bytes(content)
    return folder


def write_npz(path: Path, **arrays: np.ndarray) -> Path:
    np.savez(path, **arrays)
    return path


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.fixture(autouse=True)
def no_mnist_data(monkeypatch):
    """Start every test without MNIST_DATA, whatever the developer has set."""
    monkeypatch.delenv("MNIST_DATA", raising=False)


@pytest.fixture
def keras_cache(monkeypatch, tmp_path):
    """Point Keras' cache at an empty tmp folder; return that folder.

    Keras reads KERAS_HOME once, when it is imported, into
    keras.src.backend.config._KERAS_DIR, and get_file() asks keras_home() for
    it on every call; so both are set here.
    """
    import keras.src.backend.config as keras_config

    cache = tmp_path / "keras_home"
    cache.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(cache))
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(cache))
    return cache


@pytest.fixture
def keras_mnist(keras_cache):
    """Return the module keras.datasets.mnist, with Keras' cache in tmp_path."""
    import keras

    return keras.datasets.mnist


def fail_with(exc: BaseException):
    """Return a stand-in for load_data() that raises ``exc``."""

    def load_data(*args, **kwargs):
        raise exc

    return load_data


# ---------------------------------------------------------------------------
# The shipped sample
# ---------------------------------------------------------------------------


def test_sample_path_is_the_shipped_file():
    path = sample_path()
    assert isinstance(path, Path)
    assert path.name == "mnist-sample.npz"
    assert path.parent.name == "sample_data"
    assert sha256_file(path) == SAMPLE_SHA256


def test_sample_loads_with_shapes_dtypes_and_ranges():
    (x_train, y_train), (x_test, y_test) = load_mnist("sample")
    assert x_train.shape == (8000, 28, 28)
    assert y_train.shape == (8000,)
    assert x_test.shape == (2000, 28, 28)
    assert y_test.shape == (2000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    assert x_train.max() == 255 and x_train.min() == 0
    assert set(np.unique(y_train)) == set(range(10))
    assert set(np.unique(y_test)) == set(range(10))


def test_sample_does_not_read_mnist_data(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_DATA", str(tmp_path / "does-not-exist.npz"))
    (x_train, _), (x_test, _) = load_mnist("sample")
    assert len(x_train) == 8000 and len(x_test) == 2000


# ---------------------------------------------------------------------------
# Paths: .npz files and IDX folders
# ---------------------------------------------------------------------------


def test_npz_path_round_trips(tmp_path):
    arrays = small_arrays()
    path = write_npz(tmp_path / "mnist.npz", **arrays)
    assert_same(load_mnist(str(path)), arrays)
    assert_same(load_mnist(path), arrays)
    assert_same(load_npz(path), arrays)


def test_npz_labels_with_other_integer_dtype_are_cast_to_uint8(tmp_path):
    arrays = small_arrays()
    stored = dict(arrays, y_train=arrays["y_train"].astype(np.int64))
    path = write_npz(tmp_path / "int64-labels.npz", **stored)
    assert_same(load_npz(path), arrays)


@pytest.mark.parametrize(
    ("gz", "dotted"), [(False, False), (True, False), (False, True), (True, True)]
)
def test_idx_folder_round_trips(tmp_path, gz, dotted):
    arrays = small_arrays()
    folder = write_idx_folder(tmp_path / "idx", arrays, gz=gz, dotted=dotted)
    assert_same(load_idx_folder(folder), arrays)
    assert_same(load_mnist(folder), arrays)


def test_npz_and_idx_folder_give_the_same_arrays(tmp_path):
    arrays = small_arrays(n_train=11, n_test=3)
    from_npz = load_mnist(write_npz(tmp_path / "m.npz", **arrays))
    from_idx = load_mnist(write_idx_folder(tmp_path / "idx", arrays, gz=True))
    for a, b in zip(from_npz, from_idx, strict=True):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


def test_tilde_is_expanded(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    arrays = small_arrays()
    write_npz(tmp_path / "mnist.npz", **arrays)
    write_idx_folder(tmp_path / "idx", arrays)
    assert_same(load_mnist("~/mnist.npz"), arrays)
    assert_same(load_mnist("~/idx"), arrays)


def test_any_pathlike_works(tmp_path):
    class MyPath:
        def __init__(self, path: Path) -> None:
            self.path = path

        def __fspath__(self) -> str:
            return str(self.path)

    arrays = small_arrays()
    path = write_npz(tmp_path / "mnist.npz", **arrays)
    assert_same(load_mnist(MyPath(path)), arrays)


def test_loading_writes_nothing(tmp_path):
    arrays = small_arrays()
    write_npz(tmp_path / "mnist.npz", **arrays)
    write_idx_folder(tmp_path / "idx", arrays, gz=True)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    before = files_under(tmp_path)
    load_mnist(tmp_path / "mnist.npz")
    load_mnist(tmp_path / "idx")
    with pytest.raises(MnistDataError):
        load_mnist(tmp_path / "bad.npz")
    assert files_under(tmp_path) == before


def test_unknown_source_lists_the_valid_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MnistDataError, match="ful: no such file or folder") as info:
        load_mnist("ful")
    message = str(info.value)
    for word in ('"auto"', '"full"', '"sample"', ".npz", "IDX"):
        assert word in message


# ---------------------------------------------------------------------------
# "auto" and MNIST_DATA
# ---------------------------------------------------------------------------


def test_auto_uses_mnist_data_and_not_keras(monkeypatch, tmp_path, keras_mnist):
    arrays = small_arrays()
    path = write_npz(tmp_path / "mine.npz", **arrays)
    monkeypatch.setenv("MNIST_DATA", str(path))
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(AssertionError("called")))
    assert_same(load_mnist(), arrays)
    assert_same(load_mnist("auto"), arrays)


def test_auto_uses_mnist_data_idx_folder(monkeypatch, tmp_path):
    arrays = small_arrays()
    folder = write_idx_folder(tmp_path / "idx", arrays, gz=True)
    monkeypatch.setenv("MNIST_DATA", str(folder))
    assert_same(load_mnist(), arrays)


def test_auto_with_missing_mnist_data_path_says_so(monkeypatch, tmp_path):
    missing = tmp_path / "nowhere.npz"
    monkeypatch.setenv("MNIST_DATA", str(missing))
    with pytest.raises(MnistDataError, match="MNIST_DATA is set to .*nowhere.npz"):
        load_mnist()


def test_auto_ignores_empty_mnist_data(monkeypatch, keras_mnist):
    arrays = small_arrays()
    monkeypatch.setenv("MNIST_DATA", "")
    monkeypatch.setattr(keras_mnist, "load_data", lambda: as_tuples(arrays))
    assert_same(load_mnist(), arrays)


# ---------------------------------------------------------------------------
# "full": Keras' download
# ---------------------------------------------------------------------------


def test_full_returns_what_keras_returns(monkeypatch, keras_mnist):
    arrays = small_arrays()
    calls = []

    def load_data():
        calls.append(1)
        return as_tuples(arrays)

    monkeypatch.setattr(keras_mnist, "load_data", load_data)
    assert_same(load_mnist("full"), arrays)
    assert calls == [1]


def test_full_validates_what_keras_returns(monkeypatch, keras_mnist):
    arrays = small_arrays()
    bad = dict(arrays, x_test=arrays["x_test"].astype(np.float32))
    monkeypatch.setattr(keras_mnist, "load_data", lambda: as_tuples(bad))
    with pytest.raises(MnistDataError, match="x_test has dtype float32.*mnist.npz"):
        load_mnist("full")


def test_full_without_network_raises_clear_error(monkeypatch, keras_mnist):
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(Exception(NO_NETWORK)))
    with pytest.raises(MnistDownloadError, match="no network") as info:
        load_mnist("full")
    message = str(info.value)
    assert isinstance(info.value, ConnectionError)
    assert "Name or service not known" in message
    assert "connect to the internet" in message
    assert 'load_mnist("sample")' in message
    assert "MNIST_DATA" in message and "make data FROM=" in message
    assert "certifi" not in message


def test_full_with_ssl_failure_mentions_certificates(monkeypatch, keras_mnist):
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(Exception(SSL_FAILURE)))
    with pytest.raises(MnistDownloadError, match="SSL certificate") as info:
        load_mnist("full")
    message = str(info.value)
    assert "Install Certificates.command" in message
    assert "pip install --upgrade certifi" in message


@pytest.mark.parametrize(
    "exc",
    [
        urllib.error.URLError(socket.gaierror(-2, "Name or service not known")),
        socket.gaierror(-3, "Temporary failure in name resolution"),
        ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
        TimeoutError("timed out"),
        OSError(errno.ENETUNREACH, "Network is unreachable"),
        ssl.SSLError("certificate verify failed"),
    ],
    ids=["URLError", "gaierror", "refused", "timeout", "unreachable", "ssl"],
)
def test_full_treats_network_errors_as_network_errors(monkeypatch, keras_mnist, exc):
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(exc))
    with pytest.raises(MnistDownloadError) as info:
        load_mnist("full")
    assert info.value.__cause__ is exc


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("Incomplete or corrupted file detected."),
        OSError(errno.ENOENT, "No such file or directory"),
        KeyError("x_train"),
    ],
    ids=["corrupt", "enoent", "keyerror"],
)
def test_full_does_not_hide_other_errors(monkeypatch, keras_mnist, exc):
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(exc))
    with pytest.raises(type(exc)) as info:
        load_mnist("full")
    assert info.value is exc


# ---------------------------------------------------------------------------
# "full" and "auto": a copy imported into Keras' cache by `make data FROM=...`
# ---------------------------------------------------------------------------


def write_imported(keras_cache: Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``arrays`` where `make data FROM=...` puts an imported copy."""
    (keras_cache / "datasets").mkdir(exist_ok=True)
    return write_npz(keras_cache / "datasets" / "mnist-imported.npz", **arrays)


@pytest.mark.parametrize("source", ["full", "auto"])
def test_imported_copy_is_used_without_keras(monkeypatch, keras_mnist, keras_cache, source):
    arrays = small_arrays()
    write_imported(keras_cache, arrays)
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(AssertionError("called")))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to the sample
        assert_same(load_mnist(source), arrays)
    assert data.cached_full_mnist() == keras_cache / "datasets" / "mnist-imported.npz"


def test_imported_copy_is_used_when_keras_file_is_not_keras_own(
    monkeypatch, keras_mnist, keras_cache
):
    arrays = small_arrays()
    write_imported(keras_cache, arrays)
    (keras_cache / "datasets" / "mnist.npz").write_bytes(b"a partial download")
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(AssertionError("called")))
    assert_same(load_mnist(), arrays)


def test_keras_own_file_comes_before_an_imported_copy(monkeypatch, keras_mnist, keras_cache):
    write_imported(keras_cache, small_arrays())
    keras_file = write_npz(keras_cache / "datasets" / "mnist.npz", **small_arrays(n_train=3))
    monkeypatch.setattr(data, "KERAS_MNIST_SHA256", sha256_file(keras_file))
    from_keras = small_arrays(n_train=9)
    monkeypatch.setattr(keras_mnist, "load_data", lambda: as_tuples(from_keras))
    assert data.cached_full_mnist() == keras_file
    assert_same(load_mnist("full"), from_keras)


def test_mnist_data_comes_before_an_imported_copy(monkeypatch, keras_cache, tmp_path):
    write_imported(keras_cache, small_arrays())
    mine = small_arrays(n_train=7)
    monkeypatch.setenv("MNIST_DATA", str(write_npz(tmp_path / "mine.npz", **mine)))
    assert_same(load_mnist(), mine)


def test_a_corrupt_imported_copy_is_not_hidden(keras_cache):
    (keras_cache / "datasets").mkdir()
    (keras_cache / "datasets" / "mnist-imported.npz").write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(MnistDataError, match="mnist-imported.npz: corrupt or truncated"):
        load_mnist()


def test_cached_full_mnist_is_none_in_an_empty_cache(keras_cache):
    assert data.cached_full_mnist() is None
    assert data.cached_full_mnist(keras_cache) is None


def test_keras_cache_dir_follows_keras_rules_at_call_time(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert data.keras_cache_dir() == tmp_path / "kh"
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data.keras_cache_dir() == tmp_path / ".keras"
    monkeypatch.setattr(data.os, "access", lambda path, mode: False)  # home not writable
    assert data.keras_cache_dir() == Path("/tmp/.keras")


# ---------------------------------------------------------------------------
# "auto" without network: fall back to the sample, with a warning
# ---------------------------------------------------------------------------


def test_auto_without_network_falls_back_to_sample(monkeypatch, keras_mnist):
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(Exception(NO_NETWORK)))
    with pytest.warns(UserWarning, match="Name or service not known") as record:
        (x_train, y_train), (x_test, y_test) = load_mnist()
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert y_train.dtype == np.uint8
    assert len(record) == 1
    message = str(record[0].message)
    assert "10,000-digit sample" in message
    assert "lower" in message and "70,000" in message
    assert "make data" in message and "MNIST_DATA=" in message
    # stacklevel=2: the warning points at the caller, not at data.py.
    assert record[0].filename == __file__


def test_auto_without_network_through_real_keras_code(monkeypatch, keras_mnist, keras_cache):
    import keras.src.utils.file_utils as file_utils

    calls = []

    def no_network(url, filename, *args, **kwargs):
        calls.append(url)
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.setattr(file_utils, "urlretrieve", no_network)
    with pytest.warns(UserWarning, match="URL fetch failure.*10,000-digit sample"):
        (x_train, _), (x_test, _) = load_mnist()
    assert calls and calls[0].endswith("mnist.npz")
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert (keras_cache / "datasets").is_dir()  # Keras did use the tmp cache
    assert files_under(keras_cache) == []


def test_auto_ssl_failure_warning_mentions_certificates(monkeypatch, keras_mnist):
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(Exception(SSL_FAILURE)))
    with pytest.warns(UserWarning, match="CERTIFICATE_VERIFY_FAILED.*certifi"):
        load_mnist()


def test_auto_does_not_hide_a_corrupt_cache(monkeypatch, keras_mnist):
    error = ValueError("Incomplete or corrupted file detected.")
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(error))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback warning would fail the test
        with pytest.raises(ValueError, match="Incomplete or corrupted") as info:
            load_mnist()
    assert not isinstance(info.value, MnistDataError)


def test_auto_does_not_hide_bad_arrays_from_keras(monkeypatch, keras_mnist):
    arrays = small_arrays()
    bad = dict(arrays, y_train=arrays["y_train"] + 10)
    monkeypatch.setattr(keras_mnist, "load_data", lambda: as_tuples(bad))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(MnistDataError, match="labels outside 0..9"):
            load_mnist()


# ---------------------------------------------------------------------------
# Bad .npz files
# ---------------------------------------------------------------------------


def test_npz_missing_file(tmp_path):
    with pytest.raises(MnistDataError, match="absent.npz: file not found"):
        load_npz(tmp_path / "absent.npz")


@pytest.mark.parametrize(
    "content", [b"", b"hello, world", b"\x93NUMPY fake"], ids=["empty", "text", "npy"]
)
def test_npz_that_is_not_a_zip(tmp_path, content):
    path = tmp_path / "junk.npz"
    path.write_bytes(content)
    with pytest.raises(MnistDataError, match="junk.npz: not a valid .npz") as info:
        load_mnist(path)
    assert "make data" in str(info.value)


def test_npz_truncated(tmp_path):
    full = write_npz(tmp_path / "full.npz", **small_arrays()).read_bytes()
    path = tmp_path / "cut.npz"
    path.write_bytes(full[: len(full) // 2])
    with pytest.raises(MnistDataError, match="cut.npz: corrupt or truncated"):
        load_npz(path)


def test_npz_with_a_corrupt_member(tmp_path):
    content = bytearray(write_npz(tmp_path / "ok.npz", **small_arrays()).read_bytes())
    content[300:400] = bytes(100)  # zero some pixels of x_train: bad CRC
    path = tmp_path / "crc.npz"
    path.write_bytes(bytes(content))
    with pytest.raises(MnistDataError, match="crc.npz: corrupt or truncated"):
        load_npz(path)


def test_npz_with_pickled_objects_is_refused(tmp_path):
    arrays = small_arrays()
    objects = np.array([{"evil": 1}] * 6, dtype=object)
    path = write_npz(tmp_path / "pickle.npz", **dict(arrays, y_train=objects))
    with pytest.raises(MnistDataError, match="pickle.npz: contains pickled"):
        load_npz(path)


def test_npz_missing_keys_are_named(tmp_path):
    arrays = small_arrays()
    del arrays["y_test"]
    del arrays["x_train"]
    path = write_npz(tmp_path / "keys.npz", **arrays, images=np.zeros(3))
    with pytest.raises(
        MnistDataError,
        match=r"keys.npz: missing key\(s\) x_train, y_test; "
        r"keys found: images, x_test, y_train",
    ):
        load_npz(path)


@pytest.mark.parametrize(
    ("key", "bad", "phrase"),
    [
        (
            "x_train",
            np.zeros((6, 28, 27), np.uint8),
            r"x_train has shape \(6, 28, 27\)",
        ),
        ("x_test", np.zeros((4, 784), np.uint8), r"x_test has shape \(4, 784\)"),
        ("x_train", np.zeros((6, 28, 28), np.float32), "x_train has dtype float32"),
        ("x_test", np.zeros((4, 28, 28), np.int64), "x_test has dtype int64"),
        ("x_train", np.zeros((0, 28, 28), np.uint8), "x_train contains no images"),
        ("y_train", np.zeros((6, 1), np.uint8), r"y_train has shape \(6, 1\)"),
        ("y_test", np.zeros(4, np.float64), "y_test .* dtype float64"),
        ("y_train", np.array([0, 1, 2, 10, 3, 12]), r"bad values found: \[10, 12\]"),
        ("y_test", np.array([0, -1, 2, 3], np.int8), r"min -1, max 3"),
        ("y_train", np.zeros(5, np.uint8), "x_train has 6 images but y_train has 5"),
        ("y_test", np.zeros(7, np.uint8), "x_test has 4 images but y_test has 7"),
    ],
)
def test_npz_with_bad_arrays(tmp_path, key, bad, phrase):
    path = write_npz(tmp_path / "bad-arrays.npz", **dict(small_arrays(), **{key: bad}))
    with pytest.raises(MnistDataError, match=f"bad-arrays.npz: .*{phrase}"):
        load_mnist(path)


# ---------------------------------------------------------------------------
# validate_mnist on its own
# ---------------------------------------------------------------------------


def test_validate_accepts_good_arrays():
    arrays = small_arrays()
    assert validate_mnist(**arrays, origin="here") is None


def test_validate_names_the_origin_and_the_problem():
    arrays = small_arrays()
    arrays["y_test"] = np.array([9, 9, 9, 255], np.uint8)
    with pytest.raises(MnistDataError, match=r"my-origin: y_test .*\[255\]"):
        validate_mnist(**arrays, origin="my-origin")


def test_validate_refuses_images_of_another_dtype_even_if_in_range():
    arrays = small_arrays()
    arrays["x_train"] = arrays["x_train"].astype(np.int32)
    with pytest.raises(MnistDataError, match="x_train has dtype int32.*uint8"):
        validate_mnist(**arrays, origin="o")


# ---------------------------------------------------------------------------
# IDX files and folders
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trips(tmp_path, gz):
    images = small_arrays()["x_train"]
    content = idx_bytes(images)
    path = tmp_path / ("images.gz" if gz else "images")
    path.write_bytes(gzip.compress(content) if gz else content)
    got = read_idx(path)
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, images)
    labels = np.arange(10, dtype=np.uint8)
    (tmp_path / "labels").write_bytes(idx_bytes(labels))
    assert read_idx(tmp_path / "labels", expected_magic=2049).shape == (10,)


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(MnistDataError, match="nope-idx3-ubyte: file not found"):
        read_idx(tmp_path / "nope-idx3-ubyte")


def test_read_idx_wrong_expected_magic(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(idx_bytes(np.arange(5, dtype=np.uint8)))
    with pytest.raises(
        MnistDataError,
        match=r"labels-idx1-ubyte: wrong magic number 0x00000801 \(2049\); "
        r"expected 0x00000803 \(2051\)",
    ):
        read_idx(path, expected_magic=0x00000803)


@pytest.mark.parametrize("start", [b"\x00\x00\x0d\x01", b"\x1f\x8b\x08\x00", b"PK\x03\x04"])
def test_read_idx_not_uint8_idx(tmp_path, start):
    path = tmp_path / "odd-idx1-ubyte"
    path.write_bytes(start + struct.pack(">I", 1) + b"\x00" * 4)
    with pytest.raises(MnistDataError, match="odd-idx1-ubyte: wrong magic number"):
        read_idx(path)


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x00\x08", b"\x00\x00\x08\x03" + struct.pack(">2I", 2, 28)],
    ids=["empty", "three-bytes", "two-of-three-sizes"],
)
def test_read_idx_header_too_short(tmp_path, content):
    path = tmp_path / "short-idx3-ubyte"
    path.write_bytes(content)
    with pytest.raises(MnistDataError, match="short-idx3-ubyte: IDX header too short"):
        read_idx(path)


def test_read_idx_truncated_data(tmp_path):
    path = tmp_path / "cut-idx3-ubyte"
    path.write_bytes(idx_bytes(small_arrays()["x_train"])[:-100])
    with pytest.raises(MnistDataError, match=r"cut-idx3-ubyte: truncated.*4704 bytes.*only 4604"):
        read_idx(path)


def test_read_idx_extra_bytes(tmp_path):
    path = tmp_path / "long-idx1-ubyte"
    path.write_bytes(idx_bytes(np.arange(5, dtype=np.uint8)) + b"\x00\x01\x02")
    with pytest.raises(MnistDataError, match="long-idx1-ubyte: 3 extra bytes"):
        read_idx(path)


def test_read_idx_corrupt_gzip(tmp_path):
    path = tmp_path / "garbage-idx1-ubyte.gz"
    path.write_bytes(b"this is not gzip at all")
    with pytest.raises(MnistDataError, match="garbage-idx1-ubyte.gz: corrupt or trunc"):
        read_idx(path)


def test_read_idx_truncated_gzip(tmp_path):
    content = gzip.compress(idx_bytes(small_arrays()["x_train"]))
    path = tmp_path / "half-idx3-ubyte.gz"
    path.write_bytes(content[: len(content) // 2])
    with pytest.raises(MnistDataError, match="half-idx3-ubyte.gz: corrupt or trunc"):
        read_idx(path)


def test_idx_folder_missing(tmp_path):
    with pytest.raises(MnistDataError, match="no-folder: folder not found"):
        load_idx_folder(tmp_path / "no-folder")


def test_idx_folder_empty_names_all_four_files(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    with pytest.raises(MnistDataError, match="empty: missing IDX file") as info:
        load_mnist(folder)
    for name in IDX_NAMES.values():
        assert name in str(info.value)


def test_idx_folder_names_only_the_missing_file(tmp_path):
    folder = write_idx_folder(tmp_path / "idx", small_arrays(), gz=True)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(MnistDataError, match="missing IDX file") as info:
        load_idx_folder(folder)
    message = str(info.value).split(". ")[0]
    assert "t10k-labels-idx1-ubyte" in message
    assert "train-images-idx3-ubyte" not in message


def test_idx_folder_with_labels_and_images_swapped(tmp_path):
    arrays = small_arrays()
    folder = write_idx_folder(tmp_path / "idx", arrays)
    (folder / "train-images-idx3-ubyte").write_bytes(idx_bytes(arrays["y_train"]))
    with pytest.raises(
        MnistDataError, match="train-images-idx3-ubyte: wrong magic number 0x00000801"
    ):
        load_idx_folder(folder)


def test_idx_folder_with_images_of_wrong_size(tmp_path):
    arrays = small_arrays()
    folder = write_idx_folder(tmp_path / "idx", arrays)
    small = np.zeros((4, 20, 20), np.uint8)
    (folder / "t10k-images-idx3-ubyte").write_bytes(idx_bytes(small))
    with pytest.raises(MnistDataError, match=r"t10k-images-idx3-ubyte: images of sha"):
        load_idx_folder(folder)


def test_idx_folder_with_counts_that_differ(tmp_path):
    arrays = small_arrays()
    arrays["y_train"] = arrays["y_train"][:5]
    folder = write_idx_folder(tmp_path / "idx", arrays)
    with pytest.raises(MnistDataError, match="idx .*x_train has 6 images but y_train has 5 labels"):
        load_idx_folder(folder)


def test_idx_folder_with_label_out_of_range(tmp_path):
    arrays = small_arrays()
    arrays["y_test"] = np.array([1, 2, 3, 11], np.uint8)
    folder = write_idx_folder(tmp_path / "idx", arrays, gz=True)
    with pytest.raises(MnistDataError, match=r"idx .*bad values found: \[11\]"):
        load_mnist(folder)


# ---------------------------------------------------------------------------
# sha256_file, error classes, lazy import
# ---------------------------------------------------------------------------


def test_sha256_file_matches_hashlib(tmp_path):
    path = tmp_path / "blob"
    content = os.urandom(3 * 1024 * 1024 + 17)  # more than one 1 MiB chunk
    path.write_bytes(content)
    assert sha256_file(path) == hashlib.sha256(content).hexdigest()
    assert sha256_file(str(path)) == hashlib.sha256(content).hexdigest()


def test_sha256_file_missing(tmp_path):
    with pytest.raises(MnistDataError, match="gone.bin: file not found"):
        sha256_file(tmp_path / "gone.bin")


def test_error_classes():
    assert issubclass(MnistDataError, ValueError)
    assert issubclass(MnistDownloadError, ConnectionError)
    assert not issubclass(MnistDownloadError, MnistDataError)


def test_importing_the_module_does_not_import_keras():
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('d', {data.__file__!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "print(sorted({'keras', 'tensorflow'} & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
