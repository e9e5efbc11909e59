"""Tests of notebook 11's helpers in mnist_helpers (fast CNN, one-cycle schedule,
bfloat16 detection) and of the benchmark's summaries."""

import importlib.util
import math
from pathlib import Path

import keras
import matplotlib
import numpy as np
import pytest

from mnist_helpers import load_mnist, models, to_cnn_input
from mnist_helpers.models import (
    bfloat16_flags,
    build_fast_cnn,
    cpu_supports_bfloat16,
    one_cycle_schedule,
)

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
    assert model.count_params() == 426_122
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


def test_fast_cnn_first_stride_replaces_the_first_pooling_with_the_same_weights():
    model = build_fast_cnn(first_stride=2)
    assert layer_kinds(model) == [
        "Conv2D", "Conv2D", "MaxPooling2D", "Conv2D", "Flatten", "Dense", "Dense",
    ]  # fmt: skip
    assert [tuple(layer.output.shape[1:3]) for layer in model.layers[:4]] == [
        (14, 14), (14, 14), (7, 7), (7, 7),
    ]  # fmt: skip
    assert model.count_params() == build_fast_cnn().count_params()
    with_bn = build_fast_cnn(first_stride=2, batch_norm=True)
    assert layer_kinds(with_bn)[:3] == ["Conv2D", "BatchNormalization", "ReLU"]
    assert tuple(with_bn.layers[0].output.shape[1:3]) == (14, 14)


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
    assert model.count_params() == 426_122
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


# --- tools/bench.py: the summary numbers (the training itself runs in `make bench`) ---


def bench_module():
    spec = importlib.util.spec_from_file_location("bench", PROJECT / "tools" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return bench_module()


def fake_run(
    name, seed, epoch_seconds, accuracy, train_images=60_000, valid_images=0, shifted=None
):
    return {
        "name": name,
        "seed": seed,
        "precision": "float32",
        "epochs": len(epoch_seconds),
        "train_images": train_images,
        "valid_images": valid_images,
        "multiply_adds": 1_000_000,
        "epoch_seconds": epoch_seconds,
        "training_seconds": sum(epoch_seconds),
        "test_accuracy": accuracy,
        "shifted_accuracy": shifted,
        "peak_mb": 1000.0,
    }


def fake_report(runs, gflops=100.0, **fields):
    """A bench report around ``runs``, as ``tools/bench.py`` writes it."""
    machine = {"cpu": "CPU", "cores": 2, "flags": ["avx2"], "onednn": False, "threads": {},
               "matmul_gflops": gflops, "load": [0, 0, 0], "tensorflow": "x", "keras": "y",
               "python": "z"}  # fmt: skip
    return {"created": "now", "quick": False, "feed": "arrays", "seeds": [1, 2], "data": "fake",
            "machine": machine, "rows": bench_module().summarise(runs, gflops), "runs": runs,
            **fields}  # fmt: skip


def test_bench_gives_the_mean_and_spread_over_seeds_and_the_compute_bound(bench):
    runs = [
        fake_run("fast_cnn_1", 1, [10.0], 0.9922, shifted=0.9950),
        fake_run("fast_cnn_1", 2, [12.0], 0.9932, shifted=0.9954),
        fake_run("cnn", 1, [30.0, 20.0, 22.0], 0.9910, 54_000, 6_000),
    ]
    fast, cnn = bench.summarise(runs, gflops=100.0)
    assert fast["seeds"] == [1, 2] and fast["seconds_per_epoch"] == pytest.approx(11.0)
    assert fast["accuracy_mean"] == pytest.approx(0.9927)
    assert (fast["accuracy_min"], fast["accuracy_max"]) == (0.9922, 0.9932)
    # 2 FLOPs per multiply-add, 3 passes per training image: 2 * 1e6 * 3 * 60,000 / 100e9
    assert fast["bound_seconds_per_epoch"] == pytest.approx(3.6)
    # the validation images cost one forward pass each
    assert cnn["bound_seconds_per_epoch"] == pytest.approx(2e6 * (3 * 54_000 + 6_000) / 100e9)
    assert cnn["seconds_per_epoch"] == 22.0  # the median epoch: the first one traces
    report = fake_report(runs, quick=True)
    text = bench.table(report)
    assert "QUICK: not comparable" in text and "flags: avx2" in text and "oneDNN off" in text
    assert "fastest to 99.25% (mean over the seeds): fast_cnn_1" not in text  # titles, not names
    assert "fastest to 99.25% (mean over the seeds): fast CNN, 1 epoch, 11.0 s" in text
    assert "fastest to 99.50% (mean over the seeds): none" in text
    assert fast["shifted_mean"] == pytest.approx(0.9952) and cnn["shifted_mean"] is None
    shifted = "fastest to 99.50% (mean over the seeds, with test-time shifts): fast CNN, 1 epoch"
    assert shifted in text and "99.52%" in text
    assert "99.22%-99.32%" in text
    assert "s/epoch 11.0 -> 11.0 (1.00x)" in bench.compare(report, report)


def test_predict_with_shifts_averages_the_image_and_its_four_one_pixel_shifts():
    images = np.random.default_rng(0).random((6, 28, 28, 1), dtype=np.float32)
    keras.utils.set_random_seed(0)
    # Flatten + Dense sees where each pixel is: each shift changes its answer
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])  # fmt: skip
    expected = np.mean(
        [model.predict(np.roll(images, shift, axis=(1, 2)), verbose=0)
         for shift in [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]], axis=0,
    )  # fmt: skip
    shifted = models.predict_with_shifts(model, images)
    assert shifted.shape == (6, 10) and shifted.dtype == np.float32
    np.testing.assert_allclose(shifted, expected, rtol=1e-5)
    assert not np.allclose(shifted, model.predict(images, verbose=0))
    # channels_first rolls the last two axes, not the channel axis
    first = np.moveaxis(images, -1, 1)
    model_first = keras.Sequential([keras.Input((1, 28, 28)), keras.layers.Permute((2, 3, 1)),
                                    *model.layers])  # fmt: skip
    np.testing.assert_allclose(
        models.predict_with_shifts(model_first, first, "channels_first"), expected, rtol=1e-5
    )


def test_cpu_flags_are_read_in_the_order_asked(tmp_path):
    from mnist_helpers.models import cpu_flags

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor : 0\nflags : fpu sse2 avx2 avx512f avx512_bf16 amx_tile\n")
    assert cpu_flags(("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile"), cpuinfo) == [
        "avx2", "avx512f", "avx512_bf16", "amx_tile"]  # fmt: skip
    assert cpu_flags(("avx2",), tmp_path / "missing") == []


def test_the_fast_cnn_takes_steps_per_execution_and_defaults_to_one():
    assert build_fast_cnn(steps_per_execution=8).steps_per_execution == 8
    assert build_fast_cnn().steps_per_execution == 1
