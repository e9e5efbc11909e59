"""Tests for mnist_helpers.download: `make data`, with and without a copy, offline.

No test touches the network or the real Keras cache: downloads read file://
URLs or a fake urlopen, and the cache is a folder in tmp_path.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import http.client
import os
import socket
import struct
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from mnist_helpers import download
from mnist_helpers.data import MnistDataError, MnistDownloadError, load_mnist, load_npz
from mnist_helpers.download import (
    MNIST_COUNTS,
    MNIST_FINGERPRINT,
    CacheFolderError,
    check_full_mnist,
    content_fingerprint,
    download_mnist,
    import_mnist,
    main,
)

PROJECT = Path(__file__).resolve().parent.parent
# The full MNIST kept next to the project on the workshop machines; not committed.
FULL_MNIST = PROJECT.parent / "shared" / "data" / "mnist.npz"
needs_full_mnist = pytest.mark.skipif(
    not FULL_MNIST.is_file(),
    reason=f"no full MNIST copy at {FULL_MNIST} (11 MB, not part of the project)",
)
SAMPLE = PROJECT / "mnist_helpers" / "sample_data" / "mnist-sample.npz"
IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


# ---------------------------------------------------------------------------
# Helpers and fixtures
# ---------------------------------------------------------------------------


def small_arrays(n_train: int = 12, n_test: int = 5) -> dict[str, np.ndarray]:
    """Return four small, valid MNIST-like arrays, all images distinct."""
    rng = np.random.default_rng(1)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test) % 10).astype(np.uint8),
    }


def small_expected(arrays: dict[str, np.ndarray]) -> dict:
    """Keyword arguments that make ``arrays`` count as "the full MNIST"."""
    return {
        "expected_counts": (len(arrays["x_train"]), len(arrays["x_test"])),
        "expected_fingerprint": content_fingerprint(**arrays),
    }


def write_idx_folder(folder: Path, arrays: dict[str, np.ndarray], gz: bool = True) -> Path:
    """Write the four IDX files of ``arrays`` into ``folder``."""
    folder.mkdir(parents=True)
    for key, name in IDX_NAMES.items():
        array = arrays[key]
        content = bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
        content += array.tobytes()
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(content))
        else:
            (folder / name).write_bytes(content)
    return folder


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def assert_same(loaded, arrays: dict[str, np.ndarray]) -> None:
    (x_train, y_train), (x_test, y_test) = loaded
    for got, key in ((x_train, "x_train"), (y_train, "y_train")):
        np.testing.assert_array_equal(got, arrays[key])
    for got, key in ((x_test, "x_test"), (y_test, "y_test")):
        np.testing.assert_array_equal(got, arrays[key])


@pytest.fixture(autouse=True)
def no_mnist_data(monkeypatch):
    monkeypatch.delenv("MNIST_DATA", raising=False)


@pytest.fixture
def cache(tmp_path) -> Path:
    """An empty folder that stands for Keras' cache (passed as cache_dir)."""
    folder = tmp_path / "keras_home"
    folder.mkdir()
    return folder


@pytest.fixture
def keras_cache(monkeypatch, cache) -> Path:
    """Point Keras' cache, for Keras and for mnist_helpers, at ``cache``.

    Keras reads KERAS_HOME once, at import, into
    keras.src.backend.config._KERAS_DIR; mnist_helpers reads KERAS_HOME on
    every call. Both are set here. Keras' download fails the test if called.
    """
    import keras
    import keras.src.backend.config as keras_config

    monkeypatch.setenv("KERAS_HOME", str(cache))
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(cache))

    def no_download(*args, **kwargs):
        raise AssertionError("keras.datasets.mnist.load_data() was called")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", no_download)
    return cache


@pytest.fixture
def served(tmp_path) -> tuple[str, str, bytes]:
    """A local file to download: (file:// URL, its sha256, its content)."""
    content = os.urandom(300_000)  # several 64 KiB chunks
    path = tmp_path / "served" / "mnist.npz"
    path.parent.mkdir()
    path.write_bytes(content)
    return path.as_uri(), hashlib.sha256(content).hexdigest(), content


class FakeResponse:
    """A stand-in for urlopen()'s response: serves ``chunks``, then raises ``error``."""

    def __init__(self, chunks: list[bytes], total: int, error: BaseException | None = None):
        self.chunks = list(chunks)
        self.headers = {"Content-Length": str(total)}
        self.error = error

    def read(self, size: int = -1) -> bytes:
        if self.chunks:
            return self.chunks.pop(0)
        if self.error is not None:
            raise self.error
        return b""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


def fake_urlopen(response=None, error: BaseException | None = None):
    def urlopen(url, timeout=None):
        assert timeout is not None and timeout > 0, "no timeout on the connection"
        if error is not None:
            raise error
        return response

    return urlopen


NO_NETWORK = urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))


# ---------------------------------------------------------------------------
# content_fingerprint and check_full_mnist
# ---------------------------------------------------------------------------


def test_fingerprint_ignores_the_order_within_a_split():
    arrays = small_arrays()
    fingerprint = content_fingerprint(**arrays)
    assert len(fingerprint) == 64 and int(fingerprint, 16) >= 0
    order = np.random.default_rng(3).permutation(len(arrays["x_train"]))
    shuffled = dict(arrays, x_train=arrays["x_train"][order], y_train=arrays["y_train"][order])
    assert content_fingerprint(**shuffled) == fingerprint
    as_int64 = dict(arrays, y_test=arrays["y_test"].astype(np.int64))
    assert content_fingerprint(**as_int64) == fingerprint


@pytest.mark.parametrize("change", ["pixel", "label", "swap-label-pairs", "move-image"])
def test_fingerprint_sees_every_change(change):
    arrays = {key: value.copy() for key, value in small_arrays().items()}
    fingerprint = content_fingerprint(**arrays)
    if change == "pixel":
        arrays["x_train"][3, 14, 14] ^= 1
    elif change == "label":
        arrays["y_test"][0] = (arrays["y_test"][0] + 1) % 10
    elif change == "swap-label-pairs":  # same images, same labels, other pairing
        arrays["y_train"][[0, 1]] = arrays["y_train"][[1, 0]]
    else:
        arrays["x_test"] = np.concatenate([arrays["x_test"], arrays["x_train"][:1]])
        arrays["y_test"] = np.concatenate([arrays["y_test"], arrays["y_train"][:1]])
        arrays["x_train"], arrays["y_train"] = arrays["x_train"][1:], arrays["y_train"][1:]
    assert content_fingerprint(**arrays) != fingerprint


def test_check_full_mnist_refuses_other_counts_and_content():
    arrays = small_arrays()
    expected = small_expected(arrays)
    check_full_mnist(*arrays.values(), origin="ok", **expected)
    with pytest.raises(MnistDataError, match="here: holds 12 training and 5 test.*not the full"):
        check_full_mnist(*arrays.values(), origin="here")
    altered = dict(arrays, x_test=arrays["x_test"] // 2)
    with pytest.raises(MnistDataError, match="there: .*altered or not the full MNIST"):
        check_full_mnist(*altered.values(), origin="there", **expected)


# ---------------------------------------------------------------------------
# Download
# ---------------------------------------------------------------------------


def test_download_moves_a_good_file_into_place(cache, served):
    url, sha256, content = served
    calls = []
    target = download_mnist(
        cache, url=url, sha256=sha256, progress=lambda done, total: calls.append((done, total))
    )
    assert target == cache / "datasets" / "mnist.npz"
    assert target.read_bytes() == content
    assert files_under(cache) == [target]
    assert calls[-1] == (300_000, 300_000) and len(calls) >= 4


def test_download_defaults_are_keras_own_file():
    assert download.KERAS_MNIST_URL.endswith("/tf-keras-datasets/mnist.npz")
    assert download.KERAS_MNIST_SHA256.startswith("731c5ac6")
    defaults = download_mnist.__kwdefaults__
    assert defaults["url"] == download.KERAS_MNIST_URL
    assert defaults["sha256"] == download.KERAS_MNIST_SHA256
    assert 0 < defaults["timeout"] <= 60


def test_download_with_wrong_checksum_leaves_nothing(cache, served):
    url, _, _ = served
    with pytest.raises(MnistDataError, match="sha256 .* was expected.*Nothing was saved"):
        download_mnist(cache, url=url, sha256="0" * 64)
    assert files_under(cache) == []


@pytest.mark.parametrize(
    "error",
    [
        http.client.IncompleteRead(b"", 1000),
        ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
        TimeoutError("The read operation timed out"),
    ],
    ids=["incomplete", "reset", "timeout"],
)
def test_download_cut_mid_stream_leaves_nothing(monkeypatch, cache, error):
    response = FakeResponse([b"x" * 65536, b"y" * 65536], total=300_000, error=error)
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(response))
    with pytest.raises(MnistDownloadError, match="after 131,072 bytes"):
        download_mnist(cache, sha256="0" * 64)
    assert files_under(cache) == []


def test_download_interrupted_by_ctrl_c_leaves_nothing(monkeypatch, cache):
    response = FakeResponse([b"x" * 65536], total=300_000, error=KeyboardInterrupt())
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(response))
    with pytest.raises(KeyboardInterrupt):
        download_mnist(cache, sha256="0" * 64)
    assert files_under(cache) == []
    assert main(["--cache-dir", str(cache)]) == 130
    assert files_under(cache) == []


def test_download_keeps_an_existing_good_file(monkeypatch, cache, served):
    url, sha256, content = served
    target = cache / "datasets" / "mnist.npz"
    target.parent.mkdir()
    target.write_bytes(content)
    os.utime(target, (1_000_000_000, 1_000_000_000))
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(error=AssertionError("called")))
    assert download_mnist(cache, url=url, sha256=sha256) == target
    assert target.stat().st_mtime == 1_000_000_000
    assert files_under(cache) == [target]


def test_failed_download_does_not_touch_an_existing_file(cache, served):
    url, _, _ = served
    target = cache / "datasets" / "mnist.npz"
    target.parent.mkdir()
    target.write_bytes(b"an older file, left as it is")
    with pytest.raises(MnistDataError):
        download_mnist(cache, url=url, sha256="0" * 64)
    assert target.read_bytes() == b"an older file, left as it is"
    assert files_under(cache) == [target]


def test_cli_downloads_and_then_says_it_is_there(monkeypatch, capsys, cache, served):
    url, sha256, content = served
    monkeypatch.setattr(download, "KERAS_MNIST_URL", url)
    monkeypatch.setattr(download, "KERAS_MNIST_SHA256", sha256)
    assert main(["--cache-dir", str(cache)]) == 0
    out = capsys.readouterr().out
    assert "100 %" in out and "Downloaded the full MNIST (checksum OK)" in out
    assert (cache / "datasets" / "mnist.npz").read_bytes() == content
    assert main(["--cache-dir", str(cache)]) == 0
    assert "already in" in capsys.readouterr().out


def test_cli_without_network_explains_calmly(monkeypatch, capsys, cache):
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(error=NO_NETWORK))
    with pytest.raises(MnistDownloadError, match="Name or service not known"):
        download_mnist(cache)
    assert main(["--cache-dir", str(cache)]) == 1
    err = capsys.readouterr().err
    assert "Could not download the full MNIST" in err
    assert "no network connection" in err and "Name or service not known" in err
    assert "10,000-digit sample" in err and "make data FROM=" in err
    assert "Traceback" not in err
    assert files_under(cache) == []


def test_cli_http_error_names_the_status(monkeypatch, capsys, cache):
    error = urllib.error.HTTPError(download.KERAS_MNIST_URL, 403, "Forbidden", {}, None)
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(error=error))
    assert main(["--cache-dir", str(cache)]) == 1
    err = capsys.readouterr().err
    assert "HTTP 403 Forbidden" in err and "make data FROM=" in err


def test_cache_dir_defaults_to_keras_home(monkeypatch, capsys, cache):
    monkeypatch.setenv("KERAS_HOME", str(cache))
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(error=NO_NETWORK))
    assert main([]) == 1
    assert list(cache.iterdir()) == []  # not even a datasets folder
    monkeypatch.setenv("KERAS_HOME", str(cache / "new"))
    assert main([]) == 1
    assert not (cache / "new").exists()


# ---------------------------------------------------------------------------
# A cache folder that cannot be written to
# ---------------------------------------------------------------------------


def test_read_only_cache_is_named_with_the_fix(monkeypatch, capsys, cache, served):
    url, sha256, _ = served
    monkeypatch.setattr(download.os, "access", lambda path, mode: False)
    with pytest.raises(CacheFolderError, match="keras_home/datasets: cannot write") as info:
        download_mnist(cache, url=url, sha256=sha256)
    assert isinstance(info.value, OSError)
    assert "KERAS_HOME" in str(info.value) and "permissions" in str(info.value)
    assert files_under(cache) == []
    monkeypatch.setattr(download, "KERAS_MNIST_URL", url)
    assert main(["--cache-dir", str(cache)]) == 1
    assert "KERAS_HOME to a writable folder" in capsys.readouterr().err


def test_rename_refused_leaves_nothing(monkeypatch, cache, served):
    url, sha256, _ = served

    def refuse(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied", str(dst))

    monkeypatch.setattr(download.os, "replace", refuse)
    with pytest.raises(CacheFolderError, match="Permission denied.*KERAS_HOME"):
        download_mnist(cache, url=url, sha256=sha256)
    assert files_under(cache) == []

    arrays = small_arrays()
    folder = write_idx_folder(cache.parent / "usb", arrays)
    with pytest.raises(CacheFolderError, match="datasets: cannot write"):
        import_mnist(folder, cache, **small_expected(arrays))
    assert files_under(cache) == []


def test_full_disk_says_so(monkeypatch, cache):
    arrays = small_arrays()
    folder = write_idx_folder(cache.parent / "usb", arrays)

    def no_space(file, **arrays):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(download.np, "savez_compressed", no_space)
    with pytest.raises(CacheFolderError, match="No space left.*Free some disk space"):
        import_mnist(folder, cache, **small_expected(arrays))
    assert files_under(cache) == []


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False])
def test_import_idx_folder(cache, tmp_path, gz):
    arrays = small_arrays()
    folder = write_idx_folder(tmp_path / "usb", arrays, gz=gz)
    target = import_mnist(folder, cache, **small_expected(arrays))
    assert target == cache / "datasets" / "mnist-imported.npz"
    assert files_under(cache) == [target]
    assert_same(load_npz(target), arrays)
    with np.load(target, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["x_test", "x_train", "y_test", "y_train"]


def test_import_accepts_another_order(cache, tmp_path):
    arrays = small_arrays()
    order = np.arange(len(arrays["x_train"]))[::-1]
    reordered = dict(arrays, x_train=arrays["x_train"][order], y_train=arrays["y_train"][order])
    np.savez(tmp_path / "reordered.npz", **reordered)
    target = import_mnist(tmp_path / "reordered.npz", cache, **small_expected(arrays))
    assert_same(load_npz(target), reordered)


def test_import_of_keras_own_file_copies_it_byte_for_byte(monkeypatch, cache, tmp_path):
    arrays = small_arrays()
    source = tmp_path / "keras-mnist.npz"
    np.savez_compressed(source, **arrays)
    monkeypatch.setattr(
        download, "KERAS_MNIST_SHA256", hashlib.sha256(source.read_bytes()).hexdigest()
    )
    target = import_mnist(source, cache, **small_expected(arrays))
    assert target == cache / "datasets" / "mnist.npz"
    assert target.read_bytes() == source.read_bytes()
    assert files_under(cache) == [target]


def test_import_then_load_mnist_auto_reads_it_offline(keras_cache, tmp_path):
    arrays = small_arrays()
    folder = write_idx_folder(tmp_path / "usb", arrays)
    import_mnist(folder, **small_expected(arrays))  # cache_dir from KERAS_HOME
    assert files_under(keras_cache) == [keras_cache / "datasets" / "mnist-imported.npz"]
    assert_same(load_mnist("auto"), arrays)
    assert_same(load_mnist("full"), arrays)


def test_import_refuses_an_altered_copy(cache, tmp_path):
    arrays = small_arrays()
    expected = small_expected(arrays)
    altered = {key: value.copy() for key, value in arrays.items()}
    altered["x_train"][0, 10, 10] ^= 0x80  # one pixel
    np.savez(tmp_path / "altered.npz", **altered)
    with pytest.raises(MnistDataError, match="altered.npz: .*altered or not the full MNIST"):
        import_mnist(tmp_path / "altered.npz", cache, **expected)
    assert files_under(cache) == []


def test_import_refuses_a_truncated_copy(cache, tmp_path):
    arrays = small_arrays()
    np.savez_compressed(tmp_path / "whole.npz", **arrays)
    content = (tmp_path / "whole.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(content[: len(content) * 2 // 3])
    with pytest.raises(MnistDataError, match="cut.npz: corrupt or truncated"):
        import_mnist(tmp_path / "cut.npz", cache, **small_expected(arrays))
    assert files_under(cache) == []


def test_import_refuses_a_missing_idx_file(cache, tmp_path):
    arrays = small_arrays()
    folder = write_idx_folder(tmp_path / "usb", arrays)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(MnistDataError, match="missing IDX file.*t10k-labels"):
        import_mnist(folder, cache, **small_expected(arrays))
    assert files_under(cache) == []


def test_import_refuses_the_sample_as_not_the_full_mnist(capsys, cache):
    with pytest.raises(MnistDataError, match="8,000 training and 2,000 test.*not the full MNIST"):
        import_mnist(SAMPLE, cache)
    assert main(["--from", str(SAMPLE), "--cache-dir", str(cache)]) == 1
    err = capsys.readouterr().err
    assert "mnist-sample.npz" in err and "not the full MNIST" in err
    assert "make data FROM=" in err and "Traceback" not in err
    assert files_under(cache) == []


def test_import_of_a_missing_path(capsys, cache, tmp_path):
    assert main(["--from", str(tmp_path / "nowhere"), "--cache-dir", str(cache)]) == 1
    assert "nowhere: no such file or folder" in capsys.readouterr().err
    assert files_under(cache) == []


# ---------------------------------------------------------------------------
# The real full MNIST (when a copy is at hand)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def full_arrays() -> dict[str, np.ndarray]:
    (x_train, y_train), (x_test, y_test) = load_npz(FULL_MNIST)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def test_expected_counts_and_fingerprint_constant():
    assert MNIST_COUNTS == (60_000, 10_000)
    assert len(MNIST_FINGERPRINT) == 64 and int(MNIST_FINGERPRINT, 16) >= 0


@needs_full_mnist
def test_import_of_the_full_mnist_then_load_mnist_uses_it(capsys, keras_cache, full_arrays):
    assert content_fingerprint(**full_arrays) == MNIST_FINGERPRINT
    assert main(["--from", str(FULL_MNIST)]) == 0  # cache_dir from KERAS_HOME
    assert "Imported the full MNIST" in capsys.readouterr().out
    target = keras_cache / "datasets" / "mnist-imported.npz"
    assert files_under(keras_cache) == [target]
    assert_same(load_mnist("auto"), full_arrays)


@needs_full_mnist
def test_import_refuses_the_full_mnist_with_one_pixel_changed(cache, tmp_path, full_arrays):
    x_train = full_arrays["x_train"].copy()
    x_train[12_345, 14, 14] ^= 0x01
    np.savez(tmp_path / "altered.npz", **dict(full_arrays, x_train=x_train))
    with pytest.raises(MnistDataError, match="altered.npz: .*altered or not the full MNIST"):
        import_mnist(tmp_path / "altered.npz", cache)
    assert files_under(cache) == []
