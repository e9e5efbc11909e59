"""What the series says about CPUs holds, whatever CPU the suite runs on.

TensorFlow's oneDNN kernels are on by default on some CPUs only (on Linux:
those with AVX512_VNNI, AVX512_BF16, AVX_VNNI or AMX) and off on the others,
AVX2-only CPUs such as AMD's Zen 3 among them. `TF_ENABLE_ONEDNN_OPTS=0` or
`=1` decides it for a process, so these tests run both cases in subprocesses,
on any machine.
"""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from mnist_helpers.models import bfloat16_flags, cpu_supports_bfloat16, onednn_enabled

# tensorflow/core/util/port.cc, DefaultOneDnnPolicy(), for Linux.
ONEDNN_DEFAULT_FLAGS = {
    "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "amx_int8", "amx_bf16",
}  # fmt: skip

# One channels-first Conv2D against the same layer channels-last, same weights.
CHANNELS_FIRST_CONV = """
import json
import numpy as np
import keras
from mnist_helpers.models import onednn_enabled

images = np.random.default_rng(0).random((2, 28, 28, 1), dtype=np.float32)
last = keras.layers.Conv2D(4, (3, 3), data_format="channels_last")
first = keras.layers.Conv2D(4, (3, 3), data_format="channels_first")
expected = keras.ops.convert_to_numpy(last(images))
first.build((2, 1, 28, 28))
first.set_weights(last.get_weights())
report = {"onednn": onednn_enabled()}
try:
    got = keras.ops.convert_to_numpy(first(images.transpose(0, 3, 1, 2)))
    report["max_difference"] = float(np.abs(got.transpose(0, 2, 3, 1) - expected).max())
except Exception as error:
    report["error"] = f"{type(error).__name__}: {error}"
print("REPORT", json.dumps(report))
"""


def run_with_onednn(setting: str | None, script: str) -> dict:
    """Run ``script`` with oneDNN forced on ("1"), off ("0") or TensorFlow's default (None)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("TF_ENABLE_ONEDNN_OPTS", None)
    if setting is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = setting
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("REPORT "))
    return json.loads(line.removeprefix("REPORT "))


def test_without_onednn_a_channels_first_conv2d_stops_with_the_error_02_quotes():
    report = run_with_onednn("0", CHANNELS_FIRST_CONV)
    assert report["onednn"] is False
    # Notebook 02 quotes this message; if a TensorFlow upgrade runs NCHW on the
    # CPU, this fails, and 02's paragraph on channels-first needs rewriting.
    assert "error" in report, report
    assert report["error"].startswith("UnimplementedError"), report
    assert "only supports the NHWC tensor format on the CPU" in report["error"], report


def test_with_onednn_the_same_conv2d_runs_and_agrees_with_channels_last():
    report = run_with_onednn("1", CHANNELS_FIRST_CONV)
    assert report["onednn"] is True
    assert "error" not in report, report
    assert report["max_difference"] < 1e-5, report


def test_onednn_enabled_reports_what_tensorflow_decided():
    forced = os.environ.get("TF_ENABLE_ONEDNN_OPTS")
    if forced in ("0", "1"):
        assert onednn_enabled() is (forced == "1")
    elif sys.platform == "linux" and platform.machine() == "x86_64":
        # TensorFlow's default on Linux x86: on where the CPU has these flags.
        flags = set(Path("/proc/cpuinfo").read_text().split())
        assert onednn_enabled() is bool(flags & ONEDNN_DEFAULT_FLAGS), sorted(flags)


def test_bfloat16_is_chosen_only_where_it_is_native_and_onednn_is_on():
    assert cpu_supports_bfloat16() is (bool(bfloat16_flags()) and onednn_enabled())
