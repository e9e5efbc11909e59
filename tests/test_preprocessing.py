"""Tests of mnist_helpers.preprocessing: shapes, dtypes, values, and errors."""

import re

import numpy as np
import pytest

from mnist_helpers.preprocessing import (
    cnn_input_shape,
    to_cnn_input,
    to_dense_input,
)


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    batch = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    batch[0, 0, 0], batch[0, 0, 1] = 0, 255
    return batch


def test_to_dense_input_scales_to_float32_in_unit_range(images):
    scaled = to_dense_input(images)
    assert scaled.dtype == np.float32
    assert scaled.min() == 0.0 and scaled.max() == 1.0
    np.testing.assert_allclose(scaled * 255, images.reshape(5, 784), atol=1e-4)


def test_to_dense_input_flattens_row_by_row(images):
    flat = to_dense_input(images)
    assert flat.shape == (5, 784) and flat.dtype == np.float32
    np.testing.assert_array_equal(flat[2, 28:56], images[2, 1] / np.float32(255))


@pytest.mark.parametrize(
    ("data_format", "shape"),
    [("channels_last", (5, 28, 28, 1)), ("channels_first", (5, 1, 28, 28))],
)
def test_to_cnn_input_puts_the_channel_where_asked(images, data_format, shape):
    batch = to_cnn_input(images, data_format)
    assert batch.shape == shape and batch.dtype == np.float32
    np.testing.assert_array_equal(batch.reshape(5, 28, 28), images / np.float32(255))
    assert cnn_input_shape(data_format) == shape[1:]


def test_to_cnn_input_refuses_an_unknown_format(images):
    with pytest.raises(ValueError, match="channels_last.*channels_first.*'nhwc'"):
        to_cnn_input(images, "nhwc")


@pytest.mark.parametrize(
    ("bad_shape", "hint"),
    [
        ((5, 784), "already flattened"),
        ((5, 28, 28, 1), "already have a channel axis"),
        ((5, 1, 28, 28), "already have a channel axis"),
        ((28, 28), "one image"),
        ((5, 32, 32), r"got shape \(5, 32, 32\)"),
    ],
)
@pytest.mark.parametrize("convert", [to_dense_input, lambda x: to_cnn_input(x, "channels_last")])
def test_wrong_shapes_say_what_was_given_and_expected(bad_shape, hint, convert):
    with pytest.raises(ValueError, match=r"expects images of shape \(N, 28, 28\)") as error:
        convert(np.zeros(bad_shape, dtype=np.uint8))
    assert str(bad_shape).replace(" ", "") in str(error.value).replace(" ", "")
    assert re.search(hint, str(error.value))
