"""Bad input and faults a learner meets, each with a clear message and nothing lost.

- the helpers given arrays of the wrong shape or kind;
- `make run` (tools/run_notebooks.py) interrupted half way, by Ctrl+C or kill -9;
- `make lab` when its port is taken, and its address and token;
- data faults not already covered by tests/test_data.py and tests/test_download.py.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from browser_support import (  # noqa: E402
    JUPYTER,
    PROJECT,
    LabServer,
    free_port,
    lab_flags,
)

from mnist_helpers.data import MnistDataError, load_mnist, sample_path  # noqa: E402
from mnist_helpers.plots import plot_digits, plot_history  # noqa: E402
from mnist_helpers.preprocessing import to_cnn_input, to_dense_input  # noqa: E402
from tools import make  # noqa: E402
from tools.make import lab_command  # noqa: E402

NOTEBOOKS = PROJECT / "notebooks"
RUNNER = PROJECT / "tools" / "run_notebooks.py"
PYTHON = make.venv_bin("python")
HISTORY = {
    "accuracy": [0.9, 0.95],
    "loss": [0.3, 0.2],
    "val_accuracy": [0.92, 0.96],
    "val_loss": [0.25, 0.15],
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------------------
# The helpers, given the wrong arrays
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("convert", "shape", "expected"),
    [
        (to_dense_input, (3, 784), r"reshape\(-1, 28, 28\)"),
        (lambda x: to_cnn_input(x, "channels_last"), (3, 784), "already flattened"),
        (
            lambda x: to_cnn_input(x, "channels_last"),
            (3, 1, 28, 28),
            r"adds it itself, where channels_last puts it \(one image: \(28, 28, 1\)\)",
        ),
        (
            lambda x: to_cnn_input(x, "channels_first"),
            (3, 28, 28, 1),
            r"where channels_first puts it \(one image: \(1, 28, 28\)\)",
        ),
        (to_dense_input, (3, 28, 28, 1), r"reshape\(-1, 28, 28\)"),
    ],
)
def test_preprocessing_names_the_shape_given_and_expected(convert, shape, expected):
    images = np.arange(np.prod(shape), dtype=np.uint8).reshape(shape)
    before = images.copy()
    with pytest.raises(ValueError) as error:
        convert(images)
    message = str(error.value)
    assert f"got shape {shape}" in message and "(N, 28, 28)" in message, message
    assert re.search(expected, message), message
    np.testing.assert_array_equal(images, before)  # nothing lost: the input is untouched


@pytest.mark.parametrize("convert", [to_dense_input, lambda x: to_cnn_input(x, "channels_last")])
def test_preprocessing_refuses_images_scaled_twice_naming_itself(convert):
    scaled = np.zeros((2, 28, 28), np.float32)
    with pytest.raises(ValueError, match=r"^to_(dense|cnn)_input expects uint8 .*dtype float32"):
        convert(scaled)


@pytest.mark.parametrize(
    ("labels", "predictions", "expected"),
    [
        (np.eye(10)[[3, 5]], None, r"labels of shape \(N,\).*got shape \(2, 10\).*argmax"),
        (np.array([3, 5]), np.eye(10)[[3, 6]] * 0.9, r"predictions .*\(2, 10\).*argmax"),
        (np.array([3, 5]), np.array([3]), "2 images but 1 predictions"),
        (np.array([3, 12]), None, "digits 0..9, but got values from 3 to 12"),
        (np.array([3.0, 5.0]), None, "integer digits 0..9, but got dtype float64"),
    ],
)
def test_plot_digits_says_what_labels_it_got_and_wants(labels, predictions, expected):
    with pytest.raises(ValueError, match=expected):
        plot_digits(np.zeros((2, 28, 28), np.uint8), labels, predictions=predictions)


def test_plot_digits_one_image_and_cnn_input():
    with pytest.raises(ValueError, match=r"got shape \(28, 28\).*images\[np.newaxis\]"):
        plot_digits(np.zeros((28, 28), np.uint8), np.array([1]))
    for shape in ((2, 28, 28, 1), (2, 1, 28, 28)):  # what to_cnn_input returns: accepted
        figure = plot_digits(np.zeros(shape, np.float32), np.array([1, 2]), n_cols=2)
        assert [axis.get_title() for axis in figure.axes] == ["1", "2"]
    with pytest.raises(ValueError, match=r"got shape \(2, 3, 28, 28\)"):
        plot_digits(np.zeros((2, 3, 28, 28)), np.array([1, 2]))


def test_plot_history_takes_the_history_object_too():
    class History:  # what model.fit returns: the dict is its .history
        history = HISTORY

    figure = plot_history(History(), "model")
    assert [axis.get_title() for axis in figure.axes] == ["model: accuracy", "model: loss"]


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        (
            {"accuracy": [0.9], "loss": [0.3]},
            r"no val_accuracy, val_loss \(it has: accuracy, loss\).*validation_split",
        ),
        ({"loss": [0.3], "val_loss": [0.2]}, r"no accuracy, val_accuracy.*metrics=\['accuracy'\]"),
        (dict(HISTORY, val_loss=[0.1]), r"the same number in each.*'val_loss': 1"),
        ([0.9, 0.95], "expects a dict .* but got a list"),
    ],
)
def test_plot_history_says_what_is_missing(history, expected):
    with pytest.raises(ValueError, match=expected):
        plot_history(history, "model")


# ---------------------------------------------------------------------------
# `make run` interrupted half way
# ---------------------------------------------------------------------------

SMALL_RUN = [
    item
    for name, value in json.loads((PROJECT / "tests" / "small_runs.json").read_text())[
        "every notebook"
    ].items()
    for item in ("-p", name, str(value))
]


def digest_of(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (e.g. the kernel papermill started)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def end_processes(pids: list[int], timeout: float = 20) -> None:
    """Wait for these processes (started by this test) to exit; kill them if they do not."""
    deadline = time.monotonic() + timeout
    for pid in pids:
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        if Path(f"/proc/{pid}").exists():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def start_runner(out: Path, names: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "MNIST_DATA": str(sample_path()), "MNIST_BUILD_DIR": str(out.parent)}
    with open(log, "wb") as output:
        return subprocess.Popen(
            [str(PYTHON), str(RUNNER), "--out", str(out), *SMALL_RUN, *names],
            cwd=PROJECT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # like a terminal's foreground group: Ctrl+C goes to all
        )


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_an_interrupted_run_loses_nothing_and_the_next_starts_clean(tmp_path, how):
    out = tmp_path / "notebooks"
    partial = tmp_path / "notebooks.partial"
    out.mkdir()
    (out / "from-the-last-run.txt").write_text("the last complete run")
    (out / "01_loading_data.ipynb").write_text("{}")
    sources_before = digest_of(NOTEBOOKS)
    out_before = digest_of(out)

    log = tmp_path / "interrupted.log"
    runner = start_runner(out, ["01_loading_data", "02_reshaping"], log)
    kernels = []
    try:
        deadline = time.monotonic() + 180
        # Stop it while the second notebook runs: the first is done, half the run is.
        while not (partial / "02_reshaping.ipynb").exists():
            assert runner.poll() is None, f"the run ended early:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"the run did not get going:\n{log.read_text()}"
            time.sleep(0.1)
        time.sleep(1)
        kernels = children_of(runner.pid)
        os.killpg(runner.pid, getattr(signal, how))
        runner.wait(timeout=60)
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait(timeout=30)
        end_processes(kernels)

    printed = log.read_text()
    if how == "SIGINT":
        assert runner.returncode == 130, printed
        assert "Interrupted while running 02_reshaping.ipynb" in printed, printed
        assert f"{out} still holds the last complete run" in printed, printed
    else:
        assert runner.returncode == -signal.SIGKILL
    assert digest_of(NOTEBOOKS) == sources_before, "the source notebooks changed"
    assert digest_of(out) == out_before, "the last complete run was changed"
    assert (partial / "01_loading_data.ipynb").exists()  # the leftover the next run removes
    if how == "SIGKILL":
        return  # the same leftover as after Ctrl+C: the run after that one is checked once

    rerun_log = tmp_path / "rerun.log"
    rerun = start_runner(out, ["01_loading_data"], rerun_log)
    assert rerun.wait(timeout=300) == 0, rerun_log.read_text()
    printed = rerun_log.read_text()
    assert f"Removing {partial}, left by an interrupted run." in printed
    assert not partial.exists() and not (tmp_path / "notebooks.previous").exists()
    assert sorted(path.name for path in out.iterdir()) == ["01_loading_data.ipynb"]
    executed = json.loads((out / "01_loading_data.ipynb").read_text())
    assert executed["metadata"]["papermill"]["exception"] is None
    # log_output streams each cell's output as it runs: the learner sees progress.
    assert "Executing Cell 1-" in printed and "x_train: (8000, 28, 28) uint8" in printed


def load_runner():
    spec = importlib.util.spec_from_file_location("run_notebooks", RUNNER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_run_stopped_while_swapping_folders_keeps_the_last_complete_run(tmp_path):
    runner = load_runner()
    out, partial, previous = (tmp_path / name for name in ("nb", "nb.partial", "nb.previous"))
    previous.mkdir()
    (previous / "last.ipynb").write_text("last complete run")
    partial.mkdir()
    (partial / "new.ipynb").write_text("half of a run")
    runner.start_clean(out, partial, previous)  # stopped between the two renames
    assert (out / "last.ipynb").read_text() == "last complete run"
    assert not partial.exists() and not previous.exists()

    previous.mkdir()
    runner.start_clean(out, partial, previous)  # stopped after them: the old one goes
    assert not previous.exists() and (out / "last.ipynb").exists()


# ---------------------------------------------------------------------------
# `make lab`: 127.0.0.1, a token, and a port that is taken
# ---------------------------------------------------------------------------


def test_make_lab_serves_127_0_0_1_with_a_token():
    flags = lab_flags("T")  # raises if the address or the token is missing
    assert "--ServerApp.ip=127.0.0.1" in flags and "--IdentityProvider.token=T" in flags
    assert not [flag for flag in flags if re.match(r"--ServerApp\.(password|allow_remote)", flag)]
    assert lab_command("T")[:2] == [str(JUPYTER), "lab"]


def test_make_lab_runs_tools_make_py_which_makes_a_fresh_token_each_time(monkeypatch):
    dry = subprocess.run(
        ["make", "--no-print-directory", "-n", "lab"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert dry.split()[1:] == ["tools/make.py", "lab"], dry  # run by $(PYTHON)
    started = []
    monkeypatch.setattr(make, "setup", lambda **_: None)
    monkeypatch.setattr(make, "run", lambda command, **_: started.append(command))
    make.lab()
    make.lab()
    tokens = {flag.partition("=")[2] for command in started for flag in command if "token=" in flag}
    assert len(tokens) == 2 and all(len(token) >= 24 for token in tokens), tokens


def listening(port: int) -> list[tuple[str, str]]:
    """(protocol, hex address) of the sockets listening on ``port``, from /proc/net."""
    found = []
    for protocol in ("tcp", "tcp6"):
        table = Path("/proc/net") / protocol
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(hex_port, 16) == port:
                found.append((protocol, address))
    return found


@pytest.mark.skipif(not JUPYTER.is_file(), reason=f"{JUPYTER} is missing: run `make setup`")
def test_make_lab_on_a_taken_port_picks_another_on_127_0_0_1_with_its_token(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", free_port()))
        squatter.listen()
        taken = squatter.getsockname()[1]
        server = LabServer(state_dir=tmp_path / "lab", port=taken)
        try:
            server.start()
            port = server.info["port"]
            log = server.log.read_text()
            assert port != taken
            assert f"The port {taken} is already in use, trying another port." in log, log
            assert f"http://127.0.0.1:{port}/" in log and "?token=" in log, log  # its link
            assert server.info["url"].startswith("http://127.0.0.1:")
            if Path("/proc/net/tcp").exists():
                assert listening(port) == [("tcp", "0100007F")], listening(port)
            status, _ = server.request("GET", "/api/status", token=False)
            assert status == 403
            status, body = server.request("GET", "/api/status")
            assert status == 200 and "started" in json.loads(body)
        finally:
            server.stop()
    assert server.process.returncode is not None


# ---------------------------------------------------------------------------
# Data faults not covered elsewhere (see tests/test_data.py, tests/test_download.py)
# ---------------------------------------------------------------------------


def write_sample_with(path: Path, **changes) -> Path:
    with np.load(sample_path()) as sample:
        arrays = {key: sample[key] for key in sample.files}
    np.savez(path, **{**arrays, **changes})
    return path


def test_mnist_data_set_to_an_empty_folder_names_the_four_files(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_DATA", str(tmp_path))
    with pytest.raises(MnistDataError) as error:
        load_mnist()
    message = str(error.value)
    assert message.startswith(f"{tmp_path}: missing IDX file(s)"), message
    for name in ("train-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        assert name in message


def test_a_folder_named_like_an_npz_file_is_not_taken_for_one(tmp_path):
    (tmp_path / "mnist.npz").mkdir()
    with pytest.raises(MnistDataError, match=r"mnist.npz: missing IDX file\(s\)"):
        load_mnist(tmp_path / "mnist.npz")


def test_images_saved_with_a_channel_axis_are_refused_by_shape(tmp_path):
    with np.load(sample_path()) as sample:
        x_train = sample["x_train"][..., np.newaxis]
    path = write_sample_with(tmp_path / "channels.npz", x_train=x_train)
    with pytest.raises(
        MnistDataError, match=r"x_train has shape \(8000, 28, 28, 1\).*\(N, 28, 28\)"
    ):
        load_mnist(path)


def test_boolean_labels_are_refused(tmp_path):
    path = write_sample_with(tmp_path / "bool.npz", y_test=np.ones(2000, bool))
    with pytest.raises(MnistDataError, match="y_test .*dtype bool.*integer"):
        load_mnist(path)


def test_a_bad_file_is_reported_not_replaced(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(MnistDataError, match="corrupt or truncated"):
        load_mnist(path)
    assert path.read_bytes() == b"PK\x03\x04 cut short"  # nothing deleted or rewritten
    assert sorted(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("source", [None, 3, ["sample"]])
def test_load_mnist_names_a_source_that_is_not_a_source(source):
    with pytest.raises(MnistDataError, match=r"not a data source.*\"auto\""):
        load_mnist(source)


def test_an_unreadable_npz_says_it_cannot_be_read(tmp_path, monkeypatch):
    path = tmp_path / "mnist.npz"
    path.write_bytes(b"PK\x03\x04")
    real_open = open

    def refusing_open(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refusing_open)
    with pytest.raises(MnistDataError, match="mnist.npz: cannot be read.*permissions"):
        load_mnist(path)


def test_an_unreadable_idx_file_says_it_cannot_be_read(tmp_path, monkeypatch):
    with np.load(sample_path()) as sample:
        arrays = {key: sample[key][:3] for key in sample.files}
    names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]
    names += ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    for name, key in zip(names, ["x_train", "y_train", "x_test", "y_test"], strict=True):
        array = arrays[key]
        header = bytes([0, 0, 8, array.ndim]) + b"".join(
            size.to_bytes(4, "big") for size in array.shape
        )
        (tmp_path / name).write_bytes(header + array.tobytes())
    locked = tmp_path / "t10k-images-idx3-ubyte"
    real_read_bytes = Path.read_bytes

    def refusing_read_bytes(path):
        if path == locked:
            raise PermissionError(13, "Permission denied")
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refusing_read_bytes)
    with pytest.raises(MnistDataError, match="t10k-images-idx3-ubyte: cannot be read.*permis"):
        load_mnist(tmp_path)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
