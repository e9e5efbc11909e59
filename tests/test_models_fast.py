"""Tests of notebook 11's helpers in mnist_helpers (fast CNN, one-cycle schedule,
bfloat16 detection, confusion-matrix plot) and of the benchmark's summaries."""

import importlib.util
import math
from pathlib import Path

import keras
import matplotlib
import numpy as np
import pytest

from mnist_helpers import load_mnist, models, to_cnn_input
from mnist_helpers.models import (
    FAST_CNN_PARAMS,
    bfloat16_flags,
    build_fast_cnn,
    cpu_supports_bfloat16,
    one_cycle_schedule,
)
from mnist_helpers.plots import plot_confusion_matrix

matplotlib.use("Agg")
PROJECT = Path(__file__).resolve().parent.parent


def layer_kinds(model):
    return [type(layer).__name__ for layer in model.layers]


@pytest.fixture
def float32_policy():
    """Restore the float32 policy after a test that sets mixed_bfloat16."""
    yield
    keras.mixed_precision.set_global_policy("float32")


def test_fast_cnn_pools_early_and_is_compiled_with_adam_and_label_smoothing():
    model = build_fast_cnn()
    assert layer_kinds(model) == [
        "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Conv2D", "Flatten", "Dense", "Dense",
    ]  # fmt: skip
    assert [layer.filters for layer in model.layers if hasattr(layer, "filters")] == [16, 32, 64]
    assert [tuple(layer.output.shape[1:3]) for layer in model.layers[:5]] == [
        (28, 28), (14, 14), (14, 14), (7, 7), (7, 7),
    ]  # fmt: skip
    assert model.count_params() == FAST_CNN_PARAMS == 426_122
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert model.loss.get_config()["label_smoothing"] == pytest.approx(0.1)
    probabilities = model.predict(np.zeros((3, 28, 28, 1), "float32"), verbose=0)
    assert probabilities.shape == (3, 10) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_fast_cnn_options_batch_norm_and_width():
    model = build_fast_cnn(batch_norm=True, filters=(8, 16, 32), dense_units=64)
    kinds = layer_kinds(model)
    assert kinds.count("BatchNormalization") == 4 and kinds.count("ReLU") == 4
    assert all(not layer.use_bias for layer in model.layers if type(layer).__name__ == "Conv2D")
    assert [layer.units for layer in model.layers if hasattr(layer, "units")] == [64, 10]


def test_fast_cnn_augments_only_while_training_and_never_flips():
    plain = build_fast_cnn()
    augmented = build_fast_cnn(augment=True)
    kinds = layer_kinds(augmented)
    assert kinds[:2] == ["RandomTranslation", "RandomRotation"]
    assert "RandomFlip" not in kinds
    assert augmented.count_params() == plain.count_params()
    augmented.set_weights(plain.get_weights())
    images = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(
        augmented.predict(images, verbose=0), plain.predict(images, verbose=0), rtol=1e-5
    )
    shifted = augmented.layers[0](images, training=True)
    assert not np.allclose(keras.ops.convert_to_numpy(shifted), images)  # changed while training


def test_fast_cnn_follows_the_data_format():
    model = build_fast_cnn("channels_first")
    assert model.input_shape == (None, 1, 28, 28)
    assert model.count_params() == FAST_CNN_PARAMS
    with pytest.raises(ValueError, match="channels_last.*channels_first"):
        build_fast_cnn("NHWC")


def test_fast_cnn_in_mixed_bfloat16_keeps_a_float32_softmax(float32_policy):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = build_fast_cnn()
    assert model.layers[0].compute_dtype == "bfloat16"
    assert model.layers[0].variable_dtype == "float32"
    assert model.layers[-1].compute_dtype == "float32"
    assert model.predict(np.zeros((2, 28, 28, 1), "float32"), verbose=0).dtype == np.float32


# Keras 3.15 with NumPy 2.4 warns from inside fit() about __array__'s copy keyword.
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_fast_cnn_learns_and_survives_save_and_load(tmp_path):
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = load_mnist("sample")
    x_train, x_test = (
        to_cnn_input(x_train[:2000], "channels_last"),
        to_cnn_input(x_test[:500], "channels_last"),
    )
    y_train = keras.utils.to_categorical(y_train[:2000], 10)
    epochs, batch_size = 2, 128
    schedule = one_cycle_schedule(math.ceil(len(x_train) / batch_size) * epochs, 5e-3)
    model = build_fast_cnn(learning_rate=schedule)
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0)
    predictions = model.predict(x_test, verbose=0)
    assert (predictions.argmax(axis=1) == y_test[:500]).mean() > 0.85
    path = tmp_path / "fast_cnn.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    np.testing.assert_allclose(reloaded.predict(x_test, verbose=0), predictions, atol=1e-6)


def test_one_cycle_schedule_warms_up_then_decays():
    schedule = one_cycle_schedule(1000, peak_learning_rate=0.01, warmup_fraction=0.2)
    rates = np.array([float(schedule(step)) for step in range(0, 1001, 50)])
    assert rates[0] == pytest.approx(0.01 / 25)
    assert float(schedule(200)) == pytest.approx(0.01)
    assert rates.max() == pytest.approx(0.01)
    assert float(schedule(1000)) == pytest.approx(0.01 * 1e-3, rel=1e-3)
    peak = int(np.argmax(rates))
    assert np.all(np.diff(rates[: peak + 1]) > 0) and np.all(np.diff(rates[peak:]) < 0)
    assert isinstance(
        keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule)),
        keras.optimizers.schedules.CosineDecay,
    )


@pytest.mark.parametrize(("steps", "warmup"), [(0, 0.2), (100, 1.0), (100, -0.1)])
def test_one_cycle_schedule_refuses_bad_settings(steps, warmup):
    with pytest.raises(ValueError, match="total_steps|warmup_fraction"):
        one_cycle_schedule(steps, warmup_fraction=warmup)


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("fpu sse avx2 avx512f avx512_bf16 amx_tile amx_bf16", ["amx_bf16", "avx512_bf16"]),
        ("fpu sse avx2 avx512f avx512_bf16", ["avx512_bf16"]),
        ("fpu sse avx2 avx512f avx512_vnni", []),
    ],
)
@pytest.mark.parametrize("onednn", [True, False])
def test_bfloat16_is_detected_from_the_cpu_flags(tmp_path, monkeypatch, flags, expected, onednn):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: {flags}\n\n")
    monkeypatch.setattr(models, "onednn_enabled", lambda: onednn)
    assert bfloat16_flags(cpuinfo) == expected
    # Without oneDNN, TensorFlow emulates bfloat16 even on a CPU that has it.
    assert cpu_supports_bfloat16(cpuinfo) is (bool(expected) and onednn)


def test_no_cpuinfo_means_no_bfloat16(tmp_path):
    assert cpu_supports_bfloat16(tmp_path / "missing") is False
    assert bfloat16_flags(tmp_path / "missing") == []


def test_confusion_matrix_plot_writes_every_count():
    matrix = np.diag(np.full(10, 980))
    matrix[4, 9], matrix[7, 2] = 5, 1
    figure = plot_confusion_matrix(matrix, "test")
    texts = [text.get_text() for text in figure.axes[0].texts]
    assert texts.count("980") == 10 and "5" in texts and "1" in texts
    assert len(texts) == 12  # zeros are left empty
    assert figure.axes[0].get_xlabel() == "predicted digit"
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(np.zeros((10, 9), dtype=int))
    with pytest.raises(ValueError, match="counts"):
        plot_confusion_matrix(np.full((2, 2), 0.5))


# --- tools/bench.py: the summary numbers (the training itself runs in `make bench`) ---


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench", PROJECT / "tools" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_result(name, seconds, accuracy):
    return {
        "name": name,
        "title": name,
        "precision": "float32",
        "epochs": len(seconds),
        "epoch_seconds": [b - a for a, b in zip([0, *seconds[:-1]], seconds, strict=True)],
        "training_seconds": seconds,
        "test_accuracy": accuracy,
        "peak_rss_mb": 1000.0,
    }


def fake_report(results, **fields):
    """A bench report around ``results``, as ``tools/bench.py`` writes it."""
    machine = {
        "cpu": "CPU",
        "cores": 2,
        "bfloat16_flags": [],
        "tensorflow": "x",
        "keras": "y",
        "python": "z",
        "load_before": [0, 0, 0],
        "load_after": [0, 0, 0],
    }
    return {"created": "now", "quick": False, "data": "fake", "machine": machine} | {
        "results": results,
        **fields,
    }


def test_bench_speed_up_is_measured_at_the_original_cnns_final_accuracy(bench):
    cnn = fake_result("cnn", [20, 40, 60, 80], [0.98, 0.988, 0.9912, 0.991])
    fast = fake_result("fast_cnn", [4, 8, 12], [0.985, 0.9915, 0.9935])
    dense = fake_result("dense", [2, 4], [0.97, 0.98])
    bench.summarise([dense, cnn, fast])
    # the CNN ends at 99.10 %, first reached after 60 s; the fast CNN reaches it after 8 s
    assert fast["speedup_vs_cnn"] == pytest.approx(60 / 8)
    assert cnn["speedup_vs_cnn"] == pytest.approx(1.0)
    assert dense["speedup_vs_cnn"] is None  # never gets there
    assert fast["seconds_to"] == {"0.9840": 4, "0.9900": 8, "0.9925": 12, "0.9950": None}
    assert fast["speedup_at_99_25"] is None  # the CNN never reaches 99.25 % ...
    assert fast["speedup_at_99_25_at_least"] == pytest.approx(80 / 12)  # ... in its 80 s
    assert cnn["seconds_per_epoch"] == 20
    report = fake_report([dense, cnn, fast], quick=True)
    text = bench.table(report)
    assert "NOT comparable" in text and "not reached" in text and "7.5x" in text
    assert "> 6.7x" in text
    assert "OLD" in bench.compare(report, report)


def test_bench_says_how_the_batches_were_fed(bench):
    results = [fake_result("cnn", [20, 40], [0.98, 0.99])]
    bench.summarise(results)
    new = fake_report(results, feed="dataset")
    old = {key: value for key, value in new.items() if key != "feed"}  # a run from before --feed
    assert "Batches fed from: mnist_helpers.make_dataset" in bench.table(new)
    assert "Batches fed from: NumPy arrays passed to fit" in bench.table(old)
    assert "feed the batches differently" in bench.compare(old, new)
    assert "feed the batches differently" not in bench.compare(new, new)


def test_models_take_steps_per_execution_and_default_to_one():
    from mnist_helpers.models import build_cnn, build_simple_nn

    assert build_fast_cnn(steps_per_execution=8).steps_per_execution == 8
    assert build_cnn("channels_last", steps_per_execution=8).steps_per_execution == 8
    assert build_simple_nn(steps_per_execution=8).steps_per_execution == 8
    assert build_simple_nn().steps_per_execution == 1
