"""The tutorial's models, for runs outside their own notebooks.

Notebooks 05 and 06 build these models cell by cell, where the reader can see
each layer; the notebooks that need them without training them in their own
cells (07, 08 and 10 for a short run when 05 or 06 has not been run, 13 on
other data) and the benchmark use these functions. Both build the same layers
with the same parameter counts, which the notebooks and the tests check.

The fast CNN that notebook 11 builds cell by cell is :func:`build_fast_cnn`,
with its learning-rate schedule :func:`one_cycle_schedule`, for notebooks 12
and 14 and the benchmark, with :func:`predict_with_shifts` (test-time
shifts); the functions at the end say what the CPU offers (oneDNN, native
bfloat16) for notebook 14.
"""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

import keras

from mnist_helpers.preprocessing import FLAT_SIZE, cnn_input_shape

NUM_CLASSES = 10


def build_simple_nn() -> keras.Model:
    """The original dense network of notebook 05, compiled with RMSprop.

    Input: float32 (batch, 784) in [0, 1]. Output: float32 (batch, 10), the
    softmax probabilities of the ten digits.
    """
    model = keras.Sequential(
        [
            keras.Input(shape=(FLAT_SIZE,)),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="simple_nn",
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def build_cnn(data_format: str) -> keras.Model:
    """The original CNN of notebook 06, compiled with Adadelta at learning_rate=1.0.

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"``, usually
            ``keras.backend.image_data_format()``.

    Input: float32 (batch, 28, 28, 1) for channels_last or (batch, 1, 28, 28)
    for channels_first, in [0, 1]. Output: float32 (batch, 10) probabilities.
    """
    model = keras.Sequential(
        [
            keras.Input(shape=cnn_input_shape(data_format)),
            keras.layers.Conv2D(32, (3, 3), activation="relu", data_format=data_format),
            keras.layers.Conv2D(64, (3, 3), activation="relu", data_format=data_format),
            keras.layers.MaxPooling2D((2, 2), data_format=data_format),
            keras.layers.Dropout(0.25),
            keras.layers.Flatten(data_format=data_format),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="cnn",
    )
    model.compile(
        # Keras' default learning rate for Adadelta is 0.001; the original
        # example relied on the old default of 1.0. See notebook 06.
        optimizer=keras.optimizers.Adadelta(learning_rate=1.0),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def build_fast_cnn(
    data_format: str = "channels_last",
    *,
    filters: tuple[int, int, int] = (16, 32, 64),
    dense_units: int = 128,
    batch_norm: bool = False,
    first_stride: int = 1,
    augment: bool = False,
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = 1e-3,
    label_smoothing: float = 0.1,
    steps_per_execution: int = 1,
) -> keras.Model:
    """The fast CNN of notebook 11, compiled with Adam and label smoothing.

    Three 3 x 3 convolutions with ReLU; a 2 x 2 max pooling after each of the
    first two (after the second only with ``first_stride=2``), so that the
    wider convolutions run on 14 x 14 and 7 x 7 maps instead of 28 x 28;
    then a dense layer and the softmax::

        Conv(f1) -> MaxPool -> Conv(f2) -> MaxPool -> Conv(f3) -> Flatten
        -> Dense(dense_units) -> Dense(10, softmax, float32)

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"``, usually
            ``keras.backend.image_data_format()``.
        filters: the number of filters of the three convolutions.
        dense_units: the units of the hidden dense layer.
        batch_norm: add a BatchNormalization layer after each convolution and
            the hidden dense layer (which then have no bias of their own), with
            ``momentum=0.9``: its running statistics must keep up in runs of a
            few hundred steps (with Keras' default of 0.99 they lag behind).
        first_stride: 2 makes the first convolution step 2 pixels at a time,
            so that it computes a 14 x 14 map directly, with no pooling after
            it: a quarter of its positions (notebook 14 measures what it saves).
        augment: start with ``RandomTranslation`` (up to 10 % of the height and
            width) and ``RandomRotation`` (up to 0.05 of a turn, 18 degrees),
            which change the images during training only. No flips: a mirrored
            digit is not the same digit.
        learning_rate: Adam's learning rate: a number, or a schedule such as
            :func:`one_cycle_schedule`.
        label_smoothing: share of the target probability spread over the
            other classes (0 for plain one-hot targets).
        steps_per_execution: batches TensorFlow runs per call from Python
            (the model learns the same; notebook 14 measures what 8 saves).

    The layers compute in the global dtype policy (``"mixed_bfloat16"`` if it
    was set before this call), except the last, which is float32. Input:
    float32 (batch, 28, 28, 1) for channels_last or (batch, 1, 28, 28) for
    channels_first, in [0, 1]. Output: float32 (batch, 10) probabilities.
    Labels: one-hot, as for the original models.
    """
    axis = -1 if data_format == "channels_last" else 1

    def with_relu(layer: type[keras.layers.Layer], *args, **options) -> list[keras.layers.Layer]:
        """``layer(*args, activation="relu")``; with batch_norm: no bias, normalize, then ReLU."""
        if not batch_norm:
            return [layer(*args, activation="relu", **options)]
        without_bias = layer(*args, use_bias=False, **options)
        normalize = keras.layers.BatchNormalization(axis=axis, momentum=0.9)
        return [without_bias, normalize, keras.layers.ReLU()]

    layers: list[keras.layers.Layer] = [keras.Input(shape=cnn_input_shape(data_format))]
    if augment:
        layers += [
            keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", data_format=data_format),
            keras.layers.RandomRotation(0.05, fill_mode="constant", data_format=data_format),
        ]
    for index, count in enumerate(filters):
        stride = first_stride if index == 0 else 1
        conv = {"strides": stride, "padding": "same", "data_format": data_format}
        layers += with_relu(keras.layers.Conv2D, count, 3, **conv)
        if index < len(filters) - 1 and stride == 1:
            layers.append(keras.layers.MaxPooling2D(2, data_format=data_format))
    layers.append(keras.layers.Flatten(data_format=data_format))
    layers += with_relu(keras.layers.Dense, dense_units)
    layers.append(keras.layers.Dense(NUM_CLASSES, activation="softmax", dtype="float32"))
    model = keras.Sequential(layers, name="fast_cnn")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )
    return model


def one_cycle_schedule(
    total_steps: int,
    peak_learning_rate: float = 5e-3,
    warmup_fraction: float = 0.2,
    start_divisor: float = 25.0,
    final_fraction: float = 1e-3,
) -> keras.optimizers.schedules.CosineDecay:
    """A one-cycle learning rate: a linear warm-up, then a cosine decay to almost 0.

    The rate rises from ``peak_learning_rate / start_divisor`` to
    ``peak_learning_rate`` over the first ``warmup_fraction`` of the
    ``total_steps`` training steps (batches), then falls along half a cosine
    to ``peak_learning_rate * final_fraction`` at the last step.

    Args:
        total_steps: batches in the whole run: ``ceil(N / batch_size) * epochs``.
        peak_learning_rate: the highest rate, reached at the end of the warm-up.
        warmup_fraction: share of the steps spent warming up, in [0, 1).
        start_divisor: the first rate is the peak divided by this.
        final_fraction: the last rate is the peak times this.

    Returns:
        A Keras schedule (a ``CosineDecay`` with warm-up) for an optimizer's
        ``learning_rate``; it is saved with the model.
    """
    if total_steps < 1:
        raise ValueError(f"total_steps must be at least 1, got {total_steps}.")
    if not 0 <= warmup_fraction < 1:
        raise ValueError(f"warmup_fraction must be in [0, 1), got {warmup_fraction}.")
    warmup_steps = int(round(total_steps * warmup_fraction))
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak_learning_rate / start_divisor,
        decay_steps=max(1, total_steps - warmup_steps),
        alpha=final_fraction,
        warmup_target=peak_learning_rate,
        warmup_steps=warmup_steps,
    )


def predict_with_shifts(
    model: keras.Model, images, data_format: str = "channels_last", batch_size: int = 1000
):
    """Test-time augmentation: the mean prediction over each image and 4 shifted copies.

    The copies are the image moved by one pixel up, down, left and right
    (``np.roll``: what leaves one edge comes back at the other; the outermost
    row and column on each side are blank in 98.7 % of MNIST's 70,000 images). A digit the
    model reads wrongly in one position may be read right in the others. It
    costs 5 predictions and no training (notebook 14 measures what it gains).

    Args:
        model: a trained CNN with 10 softmax outputs.
        images: float32 CNN input, (N, 28, 28, 1) for channels_last or
            (N, 1, 28, 28) for channels_first.
        data_format: the layout of ``images``.
        batch_size: images per prediction step.

    Returns:
        float32 (N, 10): the mean of the 5 predicted probabilities per image.
    """
    import numpy as np

    axes = (1, 2) if data_format == "channels_last" else (2, 3)
    shifts = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]
    predictions = [
        model.predict(np.roll(images, shift, axis=axes), batch_size=batch_size, verbose=0)
        for shift in shifts
    ]
    return np.mean(predictions, axis=0)


def _cpuinfo(field: str, cpuinfo: str | os.PathLike) -> str:
    """The value of the first ``field`` line of ``cpuinfo`` (Linux), or "" if there is none."""
    try:
        text = Path(cpuinfo).read_text(errors="replace")
    except OSError:
        return ""
    found = re.search(rf"^{field}\s*:(.*)$", text, re.MULTILINE)
    return found[1].strip() if found else ""


def cpu_name(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> str:
    """The CPU's model name from ``cpuinfo`` (Linux), else what ``platform`` knows."""
    return (
        _cpuinfo("model name", cpuinfo) or platform.processor() or platform.machine() or "unknown"
    )


def cpu_supports_bfloat16(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> bool:
    """True when mixed bfloat16 is fast here: native bfloat16 and oneDNN on.

    The CPU must compute bfloat16 natively (the ``avx512_bf16`` or ``amx_bf16``
    flags of ``cpuinfo``, Linux), and TensorFlow's oneDNN kernels must be on
    (:func:`onednn_enabled`): they are what use those instructions. Elsewhere
    (no such flags, macOS, Windows, oneDNN off, an unreadable file), returns
    False: bfloat16 would be emulated there, and slower than float32.
    """
    return bool(bfloat16_flags(cpuinfo)) and onednn_enabled()


def onednn_enabled() -> bool:
    """True when TensorFlow runs its oneDNN CPU kernels in this process.

    TensorFlow decides once, when it starts: on Linux it switches them on for
    CPUs with instructions for neural networks (AVX512_VNNI, AVX512_BF16,
    AVX_VNNI, AMX) and leaves them off on the others; the environment variable
    ``TF_ENABLE_ONEDNN_OPTS=0`` or ``=1``, set before TensorFlow is imported,
    overrides that. Without oneDNN, ``Conv2D`` runs channels-last only on the CPU.
    """
    try:
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:  # no TensorFlow, or one without this (private) query
        return False
    return bool(_pywrap_util_port.IsMklEnabled())


def cpu_flags(wanted: tuple[str, ...], cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> list[str]:
    """Those of the CPU flags ``wanted`` that ``cpuinfo`` lists (Linux; elsewhere [])."""
    found = set(_cpuinfo("flags", cpuinfo).split())
    return [flag for flag in wanted if flag in found]


def bfloat16_flags(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> list[str]:
    """The CPU flags of ``cpuinfo`` that mean native bfloat16: amx_bf16, avx512_bf16."""
    return cpu_flags(("amx_bf16", "avx512_bf16"), cpuinfo)
