"""Tests for mnist_helpers.download: `make data` and `make data FROM=...`, offline.

No test touches the network or the real Keras cache: Keras' cache is a folder
in tmp_path, and ``keras.datasets.mnist.load_data`` is replaced by a fake (or
by one that fails as Keras does with no network).
"""

from __future__ import annotations

import errno
import gzip
import socket
import struct
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from mnist_helpers import data, download
from mnist_helpers.data import GET_FULL_MNIST, cached_full_mnist, sha256_file
from mnist_helpers.download import main

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT / "mnist_helpers" / "sample_data" / "mnist-sample.npz"
# The full MNIST kept next to the project on the workshop machines; not committed.
FULL_MNIST = PROJECT.parent / "shared" / "data" / "mnist.npz"
URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
IDX_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
IDX_NAMES += ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def small_arrays(n_train: int = 12, n_test: int = 5) -> dict[str, np.ndarray]:
    """Return four small, valid MNIST-like arrays."""
    rng = np.random.default_rng(1)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test) % 10).astype(np.uint8),
    }


def write_idx_folder(folder: Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write the four gzipped IDX files of ``arrays`` into ``folder``."""
    folder.mkdir(parents=True)
    for name, array in zip(IDX_NAMES, arrays.values(), strict=True):
        header = bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
        (folder / f"{name}.gz").write_bytes(gzip.compress(header + array.tobytes()))
    return folder


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def offline_error(reason: str = "[Errno -2] Name or service not known") -> Exception:
    """The exception Keras 3 raises when it cannot download: chained from a URLError."""
    try:
        raise urllib.error.URLError(socket.gaierror(-2, reason))
    except urllib.error.URLError:
        try:
            raise Exception(f"URL fetch failure on {URL}: None -- {reason}")
        except Exception as keras_exc:
            return keras_exc


def fail_with(exc: BaseException):
    def load_data(*args, **kwargs):
        raise exc

    return load_data


@pytest.fixture(autouse=True)
def no_mnist_data(monkeypatch):
    monkeypatch.delenv("MNIST_DATA", raising=False)


@pytest.fixture
def cache(monkeypatch, tmp_path) -> Path:
    """Point Keras' cache, for Keras and for mnist_helpers, at an empty tmp folder.

    Keras reads KERAS_HOME once, at import, into
    keras.src.backend.config._KERAS_DIR; mnist_helpers reads KERAS_HOME on
    every call. Both are set here. Keras' download fails the test if called.
    """
    import keras
    import keras.src.backend.config as keras_config

    folder = tmp_path / "keras_home"
    folder.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(folder))
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(folder))
    monkeypatch.setattr(keras.datasets.mnist, "load_data", fail_with(AssertionError("called")))
    return folder


@pytest.fixture
def keras_own(monkeypatch, tmp_path) -> Path:
    """A file that counts as Keras' own mnist.npz: its sha256 is made Keras'."""
    path = tmp_path / "usb" / "mnist.npz"
    path.parent.mkdir()
    np.savez_compressed(path, **small_arrays())
    monkeypatch.setattr(data, "KERAS_MNIST_SHA256", sha256_file(path))
    monkeypatch.setattr(download, "KERAS_MNIST_SHA256", sha256_file(path))
    return path


# ---------------------------------------------------------------------------
# make data: Keras' own download
# ---------------------------------------------------------------------------


def test_make_data_is_keras_own_download(monkeypatch, capsys, cache):
    import keras

    calls = []

    def load_data(*args, **kwargs):
        calls.append((args, kwargs))
        arrays = small_arrays()
        return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])

    monkeypatch.setattr(keras.datasets.mnist, "load_data", load_data)
    assert main([]) == 0
    assert calls == [((), {})]  # Keras' own file name, in Keras' own cache
    out = capsys.readouterr().out
    assert f"The full MNIST is in {cache / 'datasets' / 'mnist.npz'} (checksum" in out


def test_make_data_offline_explains_calmly(monkeypatch, capsys, cache):
    import keras

    monkeypatch.setattr(keras.datasets.mnist, "load_data", fail_with(offline_error()))
    assert main([]) == 1
    err = capsys.readouterr().err
    assert "Could not download the full MNIST" in err and "Name or service not known" in err
    assert 'load_mnist("sample")' in err and GET_FULL_MNIST in err
    assert "Traceback" not in err
    assert files_under(cache) == []


def test_make_data_offline_through_real_keras_code_leaves_nothing(monkeypatch, capsys, cache):
    import keras
    import keras.src.datasets.mnist as keras_mnist_module
    import keras.src.utils.file_utils as file_utils

    def half_then_no_network(url, filename, *args, **kwargs):
        Path(filename).write_bytes(b"the first bytes")
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.setattr(keras.datasets.mnist, "load_data", keras_mnist_module.load_data)
    monkeypatch.setattr(file_utils, "urlretrieve", half_then_no_network)
    assert main([]) == 1
    assert f"URL fetch failure on {URL}" in capsys.readouterr().err
    assert files_under(cache) == []  # Keras deleted its partial file


def test_make_data_when_keras_checksum_fails(monkeypatch, capsys, cache):
    import keras

    error = ValueError("Incomplete or corrupted file detected. The sha256 file hash does not match")
    monkeypatch.setattr(keras.datasets.mnist, "load_data", fail_with(error))
    assert main([]) == 1
    err = capsys.readouterr().err
    assert "captive portal" in err and "Traceback" not in err


def test_make_data_interrupted(monkeypatch, capsys, cache):
    import keras

    monkeypatch.setattr(keras.datasets.mnist, "load_data", fail_with(KeyboardInterrupt()))
    assert main([]) == 130
    assert "Interrupted: nothing was saved" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# make data FROM=<Keras' own mnist.npz>: copied into Keras' cache
# ---------------------------------------------------------------------------


def test_keras_own_file_is_copied_where_keras_finds_it_offline(
    monkeypatch, capsys, cache, keras_own
):
    import keras.src.utils.file_utils as file_utils

    assert main(["--from", str(keras_own)]) == 0
    target = cache / "datasets" / "mnist.npz"
    assert f"Copied Keras' own mnist.npz (checksum OK) to {target}" in capsys.readouterr().out
    assert target.read_bytes() == keras_own.read_bytes()
    assert files_under(cache) == [target]  # no temporary file left
    assert cached_full_mnist() == target
    # Keras' own lookup, with no network, finds it and checks its hash:
    monkeypatch.setattr(file_utils, "urlretrieve", fail_with(AssertionError("download")))
    found = file_utils.get_file("mnist.npz", origin=URL, file_hash=sha256_file(keras_own))
    assert Path(found) == target


def test_keras_own_file_replaces_a_partial_download(cache, keras_own):
    target = cache / "datasets" / "mnist.npz"
    target.parent.mkdir()
    target.write_bytes(b"a partial download")
    assert main(["--from", str(keras_own)]) == 0
    assert target.read_bytes() == keras_own.read_bytes()
    assert files_under(cache) == [target]


@pytest.mark.parametrize(
    ("error", "code", "phrase"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), 1, "Free some disk space"),
        (PermissionError(errno.EACCES, "Permission denied"), 1, "set KERAS_HOME to a writable"),
        (KeyboardInterrupt(), 130, "Interrupted: nothing was saved"),
    ],
    ids=["disk-full", "read-only", "ctrl-c"],
)
def test_a_failed_copy_leaves_the_old_file_and_no_temporary(
    monkeypatch, capsys, cache, keras_own, error, code, phrase
):
    target = cache / "datasets" / "mnist.npz"
    target.parent.mkdir()
    target.write_bytes(b"an older file, left as it is")

    def fail_after_writing(source, destination):
        Path(destination).write_bytes(b"half")
        raise error

    monkeypatch.setattr(download.shutil, "copyfile", fail_after_writing)
    assert main(["--from", str(keras_own)]) == code
    err = capsys.readouterr().err
    assert phrase in err and "Traceback" not in err
    if code == 1:
        assert f"{cache / 'datasets'}" in err and "KERAS_HOME" in err
    assert target.read_bytes() == b"an older file, left as it is"
    assert files_under(cache) == [target]


# ---------------------------------------------------------------------------
# make data FROM=<any other copy>: checked, not copied; the line that uses it
# ---------------------------------------------------------------------------


def test_another_npz_is_not_copied_and_the_line_to_use_it_is_printed(
    monkeypatch, capsys, cache, tmp_path
):
    path = tmp_path / "my copy" / "mnist.npz"
    path.parent.mkdir()
    np.savez(path, **small_arrays())
    monkeypatch.chdir(path.parent)
    assert main(["--from", "mnist.npz"]) == 0  # a relative path: printed absolute
    out = capsys.readouterr().out.splitlines()
    assert "12 training + 5 test images" in out[0] and "not copied" in out[0]
    assert out[-1] == f"MNIST_DATA='{path}' make lab"  # quoted for the shell
    assert files_under(cache) == []


def test_an_idx_folder_is_not_copied_and_the_line_to_use_it_is_printed(capsys, cache, tmp_path):
    folder = write_idx_folder(tmp_path / "usb", small_arrays())
    assert main(["--from", str(folder)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"MNIST_DATA={folder} make lab"
    assert files_under(cache) == []


def test_the_sample_is_checked_and_named(capsys, cache):
    assert main(["--from", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "8,000 training + 2,000 test images" in out
    assert out.splitlines()[-1] == f"MNIST_DATA={SAMPLE} make lab"
    assert files_under(cache) == []


@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (lambda p: p.write_bytes(b"PK\x03\x04 cut short"), "bad.npz: corrupt or truncated"),
        (lambda p: p.write_bytes(b"hello"), "bad.npz: not a valid .npz file"),
        (lambda p: np.savez(p, x_train=np.zeros(3)), r"bad.npz: missing key(s) y_train"),
        (lambda p: None, "bad.npz: no such file or folder"),
        (lambda p: p.mkdir(), "bad.npz: missing IDX file(s)"),
    ],
    ids=["truncated", "not-a-zip", "keys", "missing", "empty-folder"],
)
def test_a_bad_copy_is_named_with_the_problem(capsys, cache, tmp_path, make, phrase):
    path = tmp_path / "bad.npz"
    make(path)
    assert main(["--from", str(path)]) == 1
    captured = capsys.readouterr()
    assert phrase in captured.err and "Traceback" not in captured.err
    assert "MNIST_DATA=" not in captured.out
    assert files_under(cache) == []


@pytest.mark.skipif(not FULL_MNIST.is_file(), reason=f"no full MNIST copy at {FULL_MNIST}")
def test_the_workshop_copy_of_the_full_mnist(capsys, cache):
    # Its content is MNIST's, its bytes are not Keras' file: it is used where it is.
    assert main(["--from", str(FULL_MNIST)]) == 0
    out = capsys.readouterr().out
    assert "60,000 training + 10,000 test images" in out
    assert out.splitlines()[-1] == f"MNIST_DATA={FULL_MNIST} make lab"
    assert files_under(cache) == []
