"""Tests of mnist_helpers.models: the original architectures and optimizers."""

import keras
import numpy as np
import pytest

from mnist_helpers.models import (
    build_cnn,
    build_simple_nn,
)


def layer_kinds(model):
    return [type(layer).__name__ for layer in model.layers]


def test_simple_nn_is_the_original_dense_network():
    model = build_simple_nn()
    assert layer_kinds(model) == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert [layer.units for layer in model.layers[::2]] == [512, 512, 10]
    assert [layer.rate for layer in model.layers[1::2]] == [0.2, 0.2]
    assert model.count_params() == 669_706
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)
    assert model.loss == "categorical_crossentropy"
    probabilities = model.predict(np.zeros((3, 784), "float32"), verbose=0)
    assert probabilities.shape == (3, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_cnn_is_the_original_cnn_with_adadelta_at_one():
    model = build_cnn("channels_last")
    assert layer_kinds(model) == [
        "Conv2D", "Conv2D", "MaxPooling2D", "Dropout", "Flatten", "Dense", "Dropout", "Dense",
    ]  # fmt: skip
    assert model.count_params() == 1_199_882
    assert isinstance(model.optimizer, keras.optimizers.Adadelta)
    assert float(model.optimizer.learning_rate) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("data_format", "conv_shapes"),
    [
        ("channels_last", [(None, 26, 26, 32), (None, 24, 24, 64), (None, 12, 12, 64)]),
        ("channels_first", [(None, 32, 26, 26), (None, 64, 24, 24), (None, 64, 12, 12)]),
    ],
)
def test_cnn_follows_the_data_format(data_format, conv_shapes):
    # Shapes only: TensorFlow's CPU kernels without oneDNN cannot run a
    # channels-first Conv2D (tests/test_cpu.py), but every layer must be built for it.
    model = build_cnn(data_format)
    assert model.count_params() == 1_199_882
    assert [tuple(layer.output.shape) for layer in model.layers[:3]] == conv_shapes
    assert model.layers[4].output.shape == (None, 12 * 12 * 64)  # Flatten
    assert model.output_shape == (None, 10)


def test_the_channels_last_cnn_predicts_probabilities():
    model = build_cnn("channels_last")
    probabilities = model.predict(np.zeros((2, 28, 28, 1), "float32"), verbose=0)
    assert probabilities.shape == (2, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_cnn_refuses_an_unknown_data_format():
    with pytest.raises(ValueError, match="channels_last.*channels_first"):
        build_cnn("NHWC")
