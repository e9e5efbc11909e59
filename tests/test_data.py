"""Tests for mnist_helpers.data: loading MNIST from every source, offline.

No test touches the network or the real Keras cache (~/.keras): Keras'
``load_data`` is replaced (by a fake, or by one that fails as Keras does with
no network), or Keras' cache folder is pointed at tmp_path.
"""

from __future__ import annotations

import errno
import gzip
import socket
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
    GET_FULL_MNIST,
    MnistDataError,
    MnistDownloadError,
    cached_full_mnist,
    load_mnist,
    load_npz,
    sample_path,
    sha256_file,
)

SAMPLE_SHA256 = "564bf18a557de63a4e5d2fb70db274661750e2a13a956d28eed44583971063d0"
URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
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
    """Assert that a loader returned exactly ``arrays``, everything uint8."""
    (x_train, y_train), (x_test, y_test) = loaded
    for got, key in ((x_train, "x_train"), (y_train, "y_train"), (x_test, "x_test")):
        np.testing.assert_array_equal(got, arrays[key])
        assert got.dtype == np.uint8
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert y_test.dtype == np.uint8


def idx_bytes(array: np.ndarray, type_byte: int = 0x08) -> bytes:
    """Encode a uint8 array as an IDX file: big-endian header, then the data."""
    header = bytes([0, 0, type_byte, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx_folder(
    folder: Path, arrays: dict[str, np.ndarray], gz: bool = False, dotted: bool = False
) -> Path:
    """Write the four IDX files of ``arrays`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for key, name in IDX_NAMES.items():
        name = name.replace("-idx", ".idx") if dotted else name
        content = idx_bytes(arrays[key])
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(content))
        else:
            (folder / name).write_bytes(content)
    return folder


def idx_folder_with(tmp_path: Path, key: str, content: bytes, gz: bool = False) -> Path:
    """A good IDX folder whose file for ``key`` holds ``content`` instead."""
    folder = write_idx_folder(tmp_path / "idx", small_arrays(), gz=gz)
    name = IDX_NAMES[key] + (".gz" if gz else "")
    (folder / name).write_bytes(content)
    return folder


def write_npz(path: Path, **arrays: np.ndarray) -> Path:
    np.savez(path, **arrays)
    return path


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def offline_error(reason: str = "[Errno -2] Name or service not known") -> Exception:
    """The exception Keras 3 raises when it cannot download: chained from a URLError."""
    try:
        raise urllib.error.URLError(socket.gaierror(-2, reason))
    except urllib.error.URLError as exc:
        try:
            raise Exception(f"URL fetch failure on {URL}: None -- {reason}")
        except Exception as keras_exc:
            assert keras_exc.__context__ is exc
            return keras_exc


SSL_REASON = (
    "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local "
    "issuer certificate (_ssl.c:1000)"
)


def fail_with(exc: BaseException):
    """Return a stand-in for load_data() that raises ``exc``."""

    def load_data(*args, **kwargs):
        raise exc

    return load_data


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


# ---------------------------------------------------------------------------
# The shipped sample
# ---------------------------------------------------------------------------


def test_sample_path_is_the_shipped_file():
    path = sample_path()
    assert path.name == "mnist-sample.npz" and path.parent.name == "sample_data"
    assert sha256_file(path) == SAMPLE_SHA256


def test_sample_loads_with_shapes_dtypes_and_ranges():
    (x_train, y_train), (x_test, y_test) = load_mnist("sample")
    assert x_train.shape == (8000, 28, 28) and y_train.shape == (8000,)
    assert x_test.shape == (2000, 28, 28) and y_test.shape == (2000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    assert x_train.max() == 255 and x_train.min() == 0
    assert set(np.unique(y_train)) == set(np.unique(y_test)) == set(range(10))


def test_no_test_digit_of_the_sample_is_one_of_its_training_digits():
    (x_train, y_train), (x_test, _) = load_mnist("sample")
    train = {image.tobytes() for image in x_train}
    assert not [i for i, image in enumerate(x_test) if image.tobytes() in train]
    # The official split's digit shares, stratified: e.g. 1s are the most common.
    assert np.bincount(y_train, minlength=10).argmax() == 1


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
    assert_same(load_npz(write_npz(tmp_path / "int64-labels.npz", **stored)), arrays)


@pytest.mark.parametrize(
    ("gz", "dotted"), [(False, False), (True, False), (False, True), (True, True)]
)
def test_idx_folder_round_trips(tmp_path, gz, dotted):
    arrays = small_arrays()
    assert_same(load_mnist(write_idx_folder(tmp_path / "idx", arrays, gz, dotted)), arrays)


def test_a_plain_idx_file_is_read_before_a_gzipped_one(tmp_path):
    arrays = small_arrays()
    folder = write_idx_folder(tmp_path / "idx", arrays)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not read")
    assert_same(load_mnist(folder), arrays)


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
    assert_same(load_mnist(MyPath(write_npz(tmp_path / "mnist.npz", **arrays))), arrays)


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
    for word in ('"auto"', '"full"', '"sample"', ".npz", "IDX", "MNIST_DATA"):
        assert word in str(info.value)


# ---------------------------------------------------------------------------
# "auto" and MNIST_DATA
# ---------------------------------------------------------------------------


def test_auto_uses_mnist_data_and_not_keras(monkeypatch, tmp_path, keras_mnist):
    arrays = small_arrays()
    monkeypatch.setenv("MNIST_DATA", str(write_npz(tmp_path / "mine.npz", **arrays)))
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(AssertionError("called")))
    assert_same(load_mnist(), arrays)
    assert_same(load_mnist("auto"), arrays)


def test_auto_uses_mnist_data_idx_folder(monkeypatch, tmp_path):
    arrays = small_arrays()
    monkeypatch.setenv("MNIST_DATA", str(write_idx_folder(tmp_path / "idx", arrays, gz=True)))
    assert_same(load_mnist(), arrays)


def test_auto_with_missing_mnist_data_path_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_DATA", str(tmp_path / "nowhere.npz"))
    with pytest.raises(MnistDataError, match="MNIST_DATA is set to .*nowhere.npz: no such"):
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

    def load_data(*args, **kwargs):
        calls.append((args, kwargs))
        return as_tuples(arrays)

    monkeypatch.setattr(keras_mnist, "load_data", load_data)
    assert_same(load_mnist("full"), arrays)
    assert calls == [((), {})]  # Keras' own file, in Keras' own cache


def test_full_without_network_raises_a_clear_connection_error(monkeypatch, keras_mnist):
    keras_exc = offline_error()
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(keras_exc))
    with pytest.raises(MnistDownloadError, match="Name or service not known") as info:
        load_mnist("full")
    assert isinstance(info.value, ConnectionError) and info.value.__cause__ is keras_exc
    message = str(info.value)
    assert "network connection" in message and 'load_mnist("sample")' in message
    assert GET_FULL_MNIST in message
    assert "certifi" not in message


def test_full_with_ssl_failure_mentions_certificates(monkeypatch, keras_mnist):
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(offline_error(SSL_REASON)))
    with pytest.raises(MnistDownloadError, match="CERTIFICATE_VERIFY_FAILED") as info:
        load_mnist("full")
    message = str(info.value)
    assert "Install Certificates.command" in message
    assert "apt-get install ca-certificates" in message


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
        TimeoutError("The read operation timed out"),
    ],
    ids=["reset", "timeout"],
)
def test_full_treats_a_download_cut_mid_way_as_a_network_error(monkeypatch, keras_mnist, exc):
    # Keras wraps only the errors of urlretrieve's connection; a read that fails
    # later reaches load_mnist as it is.
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(exc))
    with pytest.raises(MnistDownloadError) as info:
        load_mnist("full")
    assert info.value.__cause__ is exc


def test_full_names_a_download_that_fails_keras_checksum(monkeypatch, keras_mnist):
    error = ValueError(
        "Incomplete or corrupted file detected. The sha256 file hash does not match the "
        "provided value of 731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1."
    )
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(error))
    with pytest.raises(MnistDataError, match="load_data.*Incomplete.*captive portal") as info:
        load_mnist("full")
    assert GET_FULL_MNIST in str(info.value)


@pytest.mark.parametrize(
    "exc",
    [ValueError("some other problem"), OSError(errno.EACCES, "Permission denied"), KeyError("x")],
    ids=["valueerror", "eacces", "keyerror"],
)
def test_full_does_not_hide_other_errors(monkeypatch, keras_mnist, exc):
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(exc))
    with pytest.raises(type(exc)) as info:
        load_mnist("full")
    assert info.value is exc


# ---------------------------------------------------------------------------
# "auto" without network: fall back to the sample, with one warning
# ---------------------------------------------------------------------------


def test_auto_without_network_falls_back_to_sample_with_one_warning(monkeypatch, keras_mnist):
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(offline_error()))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        (x_train, y_train), (x_test, _) = load_mnist()
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert y_train.dtype == np.uint8
    assert [warning.category for warning in record] == [UserWarning]
    message = str(record[0].message)
    assert message.startswith("Could not download the full MNIST data set: URL fetch failure")
    assert "Name or service not known" in message and "10,000-digit sample" in message
    assert "lower" in message and GET_FULL_MNIST in message
    assert record[0].filename == __file__  # stacklevel=2: it points at the caller


def test_auto_without_network_through_real_keras_code(monkeypatch, keras_mnist, keras_cache):
    import keras.src.utils.file_utils as file_utils

    calls = []

    def no_network(url, filename, *args, **kwargs):
        calls.append(url)
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.setattr(file_utils, "urlretrieve", no_network)
    with pytest.warns(UserWarning, match="URL fetch failure.*10,000-digit sample"):
        (x_train, _), (x_test, _) = load_mnist()
    assert calls == [URL]
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert (keras_cache / "datasets").is_dir()  # Keras did use the tmp cache
    assert files_under(keras_cache) == []
    with pytest.raises(MnistDownloadError, match="Name or service not known"):
        load_mnist("full")


def test_auto_ssl_failure_warning_mentions_certificates(monkeypatch, keras_mnist):
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(offline_error(SSL_REASON)))
    with pytest.warns(
        UserWarning,
        match="CERTIFICATE_VERIFY_FAILED.*Install Certificates.command.*ca-certificates",
    ):
        load_mnist()


def test_auto_does_not_hide_other_failures(monkeypatch, keras_mnist):
    error = OSError(errno.EACCES, "Permission denied")
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(error))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback warning would fail the test
        with pytest.raises(OSError, match="Permission denied") as info:
            load_mnist()
    assert info.value is error


# ---------------------------------------------------------------------------
# Keras' cache, as `make check` looks at it
# ---------------------------------------------------------------------------


def test_cached_full_mnist_is_only_keras_own_file(monkeypatch, keras_cache):
    assert cached_full_mnist() is None and cached_full_mnist(keras_cache) is None
    (keras_cache / "datasets").mkdir()
    keras_file = write_npz(keras_cache / "datasets" / "mnist.npz", **small_arrays())
    assert cached_full_mnist() is None  # not Keras' sha256: Keras would download again
    monkeypatch.setattr(data, "KERAS_MNIST_SHA256", sha256_file(keras_file))
    assert cached_full_mnist() == keras_file
    assert cached_full_mnist(keras_cache) == keras_file


def test_keras_cache_dir_follows_keras_rules_at_call_time(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert data.keras_cache_dir() == tmp_path / "kh"
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data.keras_cache_dir() == tmp_path / ".keras"
    monkeypatch.setattr(data.os, "access", lambda path, mode: False)  # home not writable
    assert data.keras_cache_dir() == Path("/tmp/.keras")


# ---------------------------------------------------------------------------
# Bad .npz files
# ---------------------------------------------------------------------------


def test_npz_missing_file(tmp_path):
    with pytest.raises(MnistDataError, match="absent.npz: file not found. Point MNIST_DATA"):
        load_npz(tmp_path / "absent.npz")


@pytest.mark.parametrize(
    "content", [b"", b"hello, world", b"\x93NUMPY fake"], ids=["empty", "text", "npy"]
)
def test_npz_that_is_not_a_zip(tmp_path, content):
    path = tmp_path / "junk.npz"
    path.write_bytes(content)
    with pytest.raises(MnistDataError, match="junk.npz: not a valid .npz") as info:
        load_mnist(path)
    assert GET_FULL_MNIST in str(info.value)


def test_npz_truncated(tmp_path):
    full = write_npz(tmp_path / "full.npz", **small_arrays()).read_bytes()
    path = tmp_path / "cut.npz"
    path.write_bytes(full[: len(full) // 2])
    with pytest.raises(MnistDataError, match="cut.npz: corrupt or truncated .npz file"):
        load_mnist(path)


def test_npz_with_a_corrupt_member(tmp_path):
    content = bytearray(write_npz(tmp_path / "ok.npz", **small_arrays()).read_bytes())
    content[300:400] = bytes(100)  # zero some pixels of x_train: bad CRC
    path = tmp_path / "crc.npz"
    path.write_bytes(bytes(content))
    with pytest.raises(MnistDataError, match="crc.npz: corrupt or truncated .npz file"):
        load_mnist(path)


def test_npz_with_pickled_objects_is_refused(tmp_path):
    objects = np.array([{"evil": 1}] * 6, dtype=object)
    path = write_npz(tmp_path / "pickle.npz", **dict(small_arrays(), y_train=objects))
    with pytest.raises(MnistDataError, match="pickle.npz: contains pickled"):
        load_mnist(path)


def test_npz_missing_keys_are_named(tmp_path):
    arrays = small_arrays()
    del arrays["y_test"], arrays["x_train"]
    path = write_npz(tmp_path / "keys.npz", **arrays, images=np.zeros(3))
    with pytest.raises(
        MnistDataError,
        match=r"keys.npz: missing key\(s\) x_train, y_test; keys found: images, x_test, y_train",
    ):
        load_mnist(path)


@pytest.mark.parametrize(
    ("key", "bad", "phrase"),
    [
        ("x_train", np.zeros((6, 28, 27), np.uint8), r"x_train has shape \(6, 28, 27\)"),
        ("x_test", np.zeros((4, 784), np.uint8), r"x_test has shape \(4, 784\)"),
        ("x_train", np.zeros((6, 28, 28), np.float32), "x_train has dtype float32.*uint8"),
        ("x_test", np.zeros((4, 28, 28), np.int64), "x_test has dtype int64"),
        ("x_train", np.zeros((0, 28, 28), np.uint8), "x_train contains no images"),
        ("y_train", np.zeros((6, 1), np.uint8), r"y_train has shape \(6, 1\)"),
        ("y_test", np.zeros(4, np.float64), "y_test .* dtype float64.*integer"),
        (
            "y_train",
            np.array([0, 1, 2, 10, 3, 12]),
            r"y_train has labels outside 0..9 .*found: \[10, 12\]",
        ),
        ("y_test", np.array([0, -1, 2, 3], np.int8), r"y_test has labels .*\[-1\]"),
        ("y_train", np.zeros(5, np.uint8), "x_train has 6 images but y_train has 5 labels"),
        ("y_test", np.zeros(7, np.uint8), "x_test has 4 images but y_test has 7 labels"),
    ],
)
def test_npz_with_bad_arrays(tmp_path, key, bad, phrase):
    path = write_npz(tmp_path / "bad-arrays.npz", **dict(small_arrays(), **{key: bad}))
    with pytest.raises(MnistDataError, match=f"bad-arrays.npz: {phrase}") as info:
        load_mnist(path)
    assert str(info.value).endswith(GET_FULL_MNIST)


# ---------------------------------------------------------------------------
# Bad IDX files and folders
# ---------------------------------------------------------------------------


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
        load_mnist(folder)
    message = str(info.value).split(". ")[0]
    assert "t10k-labels-idx1-ubyte" in message and "train-images-idx3-ubyte" not in message


def test_idx_labels_where_images_belong_is_a_wrong_magic(tmp_path):
    folder = idx_folder_with(tmp_path, "x_train", idx_bytes(small_arrays()["y_train"]))
    with pytest.raises(
        MnistDataError,
        match=r"train-images-idx3-ubyte: wrong magic number 0x00000801 \(2049\); "
        r"expected 0x00000803 \(2051\), for uint8 images",
    ):
        load_mnist(folder)


@pytest.mark.parametrize(
    "start", [b"\x00\x00\x0d\x01", b"\x1f\x8b\x08\x00", b"PK\x03\x04"], ids=["float", "gz", "zip"]
)
def test_idx_file_of_another_kind_is_a_wrong_magic(tmp_path, start):
    folder = idx_folder_with(tmp_path, "y_test", start + struct.pack(">I", 1) + b"\x00" * 4)
    with pytest.raises(MnistDataError, match="t10k-labels-idx1-ubyte: wrong magic number"):
        load_mnist(folder)


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x00\x08", b"\x00\x00\x08\x03" + struct.pack(">2I", 2, 28)],
    ids=["empty", "three-bytes", "two-of-three-sizes"],
)
def test_idx_header_too_short(tmp_path, content):
    folder = idx_folder_with(tmp_path, "x_test", content)
    with pytest.raises(MnistDataError, match="t10k-images-idx3-ubyte: IDX header too short"):
        load_mnist(folder)


def test_idx_truncated_data(tmp_path):
    folder = idx_folder_with(tmp_path, "x_train", idx_bytes(small_arrays()["x_train"])[:-100])
    with pytest.raises(
        MnistDataError, match=r"train-images-idx3-ubyte: truncated.*4704 bytes.*but 4604"
    ):
        load_mnist(folder)


def test_idx_extra_bytes(tmp_path):
    content = idx_bytes(small_arrays()["y_train"]) + b"\x00\x01\x02"
    folder = idx_folder_with(tmp_path, "y_train", content)
    with pytest.raises(MnistDataError, match="train-labels-idx1-ubyte: 3 extra bytes"):
        load_mnist(folder)


def test_idx_corrupt_gzip(tmp_path):
    folder = idx_folder_with(tmp_path, "y_test", b"this is not gzip at all", gz=True)
    with pytest.raises(MnistDataError, match="t10k-labels-idx1-ubyte.gz: corrupt or truncated"):
        load_mnist(folder)


def test_idx_truncated_gzip(tmp_path):
    content = gzip.compress(idx_bytes(small_arrays()["x_train"]))
    folder = idx_folder_with(tmp_path, "x_train", content[: len(content) // 2], gz=True)
    with pytest.raises(MnistDataError, match="train-images-idx3-ubyte.gz: corrupt or truncated"):
        load_mnist(folder)


def test_idx_images_of_wrong_size_name_the_file(tmp_path):
    folder = idx_folder_with(tmp_path, "x_test", idx_bytes(np.zeros((4, 20, 20), np.uint8)))
    with pytest.raises(
        MnistDataError, match=r"t10k-images-idx3-ubyte \(x_test\) has shape \(4, 20, 20\)"
    ):
        load_mnist(folder)


def test_idx_counts_that_differ_name_both_files(tmp_path):
    folder = idx_folder_with(tmp_path, "y_train", idx_bytes(np.zeros(5, np.uint8)))
    with pytest.raises(
        MnistDataError,
        match=r"train-images-idx3-ubyte \(x_train\) has 6 images but "
        r".*train-labels-idx1-ubyte \(y_train\) has 5 labels",
    ):
        load_mnist(folder)


def test_idx_label_out_of_range(tmp_path):
    content = gzip.compress(idx_bytes(np.array([1, 2, 3, 11], np.uint8)))
    folder = idx_folder_with(tmp_path, "y_test", content, gz=True)
    with pytest.raises(MnistDataError, match=r"t10k-labels-idx1-ubyte.gz .*found: \[11\]"):
        load_mnist(folder)


# ---------------------------------------------------------------------------
# The module itself
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Fashion-MNIST: the same loader, load_mnist(source, dataset="fashion")
# ---------------------------------------------------------------------------

FASHION_SAMPLE_SHA256 = "707817bbab2d5728a9a1941c6bb7e34a166bc299cf77c7dfa56219335019d635"
FASHION_URL = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/train-labels-idx1-ubyte.gz"
)
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")  # dataset-fashion-mnist


@pytest.fixture(autouse=True)
def no_fashion_mnist_data(monkeypatch):
    """Start every test without FASHION_MNIST_DATA, whatever the developer has set."""
    monkeypatch.delenv("FASHION_MNIST_DATA", raising=False)


@pytest.fixture
def keras_fashion_mnist(keras_cache):
    """Return the module keras.datasets.fashion_mnist, with Keras' cache in tmp_path."""
    import keras

    return keras.datasets.fashion_mnist


def test_fashion_sample_is_the_shipped_file_with_400_and_100_per_class():
    path = sample_path("fashion")
    assert path.name == "fashion-mnist-sample.npz" and path.parent.name == "sample_data"
    assert sha256_file(path) == FASHION_SAMPLE_SHA256
    (x_train, y_train), (x_test, y_test) = load_mnist("sample", dataset="fashion")
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    assert np.bincount(y_train, minlength=10).tolist() == [400] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [100] * 10
    train = {image.tobytes() for image in x_train}
    assert not [i for i, image in enumerate(x_test) if image.tobytes() in train]


def test_fashion_sample_is_not_the_mnist_sample(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_DATA", str(tmp_path / "does-not-exist.npz"))
    (fashion_train, _), _ = load_mnist("sample", dataset="fashion")
    (digits_train, _), _ = load_mnist(sample_path())
    assert fashion_train[0].tobytes() not in {image.tobytes() for image in digits_train}


@pytest.mark.parametrize("gz", [False, True])
def test_fashion_paths_are_read_like_mnist_ones(tmp_path, gz):
    # Fashion-MNIST's IDX files have the same names as MNIST's.
    arrays = small_arrays()
    folder = write_idx_folder(tmp_path / "idx", arrays, gz=gz)
    assert_same(load_mnist(folder, dataset="fashion"), arrays)
    assert_same(load_mnist(write_npz(tmp_path / "f.npz", **arrays), dataset="fashion"), arrays)


def test_fashion_auto_reads_fashion_mnist_data_never_mnist_data(
    monkeypatch, tmp_path, keras_mnist, keras_fashion_mnist
):
    digits, clothes = small_arrays(), small_arrays(n_train=8, n_test=2)
    monkeypatch.setenv("MNIST_DATA", str(write_npz(tmp_path / "digits.npz", **digits)))
    monkeypatch.setenv("FASHION_MNIST_DATA", str(write_npz(tmp_path / "clothes.npz", **clothes)))
    for module in (keras_mnist, keras_fashion_mnist):
        monkeypatch.setattr(module, "load_data", fail_with(AssertionError("called")))
    assert_same(load_mnist(dataset="fashion"), clothes)
    assert_same(load_mnist(), digits)
    monkeypatch.delenv("FASHION_MNIST_DATA")
    monkeypatch.setattr(keras_fashion_mnist, "load_data", lambda: as_tuples(clothes))
    assert_same(load_mnist("auto", dataset="fashion"), clothes)  # Keras, not MNIST_DATA


def test_fashion_full_is_keras_fashion_mnist(monkeypatch, keras_mnist, keras_fashion_mnist):
    clothes = small_arrays()
    monkeypatch.setattr(keras_mnist, "load_data", fail_with(AssertionError("called")))
    monkeypatch.setattr(keras_fashion_mnist, "load_data", lambda: as_tuples(clothes))
    assert_same(load_mnist("full", dataset="fashion"), clothes)


def test_fashion_full_without_network_says_how_to_get_fashion_mnist(
    monkeypatch, keras_fashion_mnist
):
    keras_exc = offline_error()
    monkeypatch.setattr(keras_fashion_mnist, "load_data", fail_with(keras_exc))
    with pytest.raises(MnistDownloadError, match="Name or service not known") as info:
        load_mnist("full", dataset="fashion")
    assert info.value.__cause__ is keras_exc
    message = str(info.value)
    assert message.startswith("Could not download the full Fashion-MNIST with ")
    assert "keras.datasets.fashion_mnist.load_data()" in message
    assert 'load_mnist("sample", dataset="fashion")' in message
    assert data.GET_FULL_FASHION_MNIST in message and GET_FULL_MNIST not in message


def test_fashion_auto_without_network_through_real_keras_code(monkeypatch, keras_cache):
    import keras.src.utils.file_utils as file_utils

    calls = []

    def no_network(url, filename, *args, **kwargs):
        calls.append(url)
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.setattr(file_utils, "urlretrieve", no_network)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        (x_train, _), (x_test, _) = load_mnist(dataset="fashion")
    assert calls == [FASHION_URL]
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert [warning.category for warning in record] == [UserWarning]
    message = str(record[0].message)
    assert message.startswith("Could not download the full Fashion-MNIST data set: URL fetch")
    assert "5,000-image Fashion-MNIST sample" in message and "(4,000 train + 1,000 test)" in message
    assert data.GET_FULL_FASHION_MNIST in message and GET_FULL_MNIST not in message
    assert record[0].filename == __file__  # stacklevel=2: it points at the caller
    assert files_under(keras_cache) == []


def test_fashion_errors_say_how_to_get_fashion_mnist(monkeypatch, tmp_path):
    monkeypatch.setenv("FASHION_MNIST_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(MnistDataError, match="^FASHION_MNIST_DATA is set to .*nowhere: no such"):
        load_mnist(dataset="fashion")
    bad_npz = write_npz(tmp_path / "bad.npz", x_train=small_arrays()["x_train"])
    with pytest.raises(MnistDataError, match="missing key.*Point FASHION_MNIST_DATA"):
        load_mnist(bad_npz, dataset="fashion")
    folder = idx_folder_with(tmp_path, "x_test", b"\x00\x00\x08\x03" + b"\x00" * 3, gz=True)
    with pytest.raises(MnistDataError, match="t10k-images-idx3-ubyte.gz: corrupt") as info:
        load_mnist(folder, dataset="fashion")
    message = str(info.value)
    assert message.endswith(data.GET_FULL_FASHION_MNIST) and GET_FULL_MNIST not in message
    assert isinstance(info.value.__cause__, EOFError | gzip.BadGzipFile | OSError)


def test_unknown_dataset_is_refused():
    with pytest.raises(MnistDataError, match='dataset=\'kmnist\'.*"mnist".*"fashion"'):
        load_mnist("sample", dataset="kmnist")


@pytest.mark.skipif(not DEBIAN_FASHION_MNIST.is_dir(), reason="dataset-fashion-mnist not installed")
def test_fashion_debian_package_is_the_full_set():
    (x_train, y_train), (x_test, y_test) = load_mnist(DEBIAN_FASHION_MNIST, dataset="fashion")
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
