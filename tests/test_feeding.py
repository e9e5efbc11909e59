"""Tests of mnist_helpers.feeding.make_dataset: batches, order, shuffling, errors."""

import keras
import numpy as np
import pytest

from mnist_helpers import make_dataset


@pytest.fixture
def examples():
    images = np.arange(10 * 4, dtype=np.float32).reshape(10, 4)  # row i starts at 4 * i
    labels = keras.utils.to_categorical(np.arange(10) % 3, 3)
    return images, labels


def batches(dataset):
    return [(np.asarray(x), np.asarray(y)) for x, y in dataset]


def order_of(dataset):
    """The example numbers in the order one pass over ``dataset`` yields them."""
    return [int(row[0]) // 4 for x, _ in batches(dataset) for row in x]


def test_batches_keep_order_shapes_and_dtypes_without_shuffle(examples):
    images, labels = examples
    result = batches(make_dataset(images, labels, batch_size=4))
    assert [x.shape for x, _ in result] == [(4, 4), (4, 4), (2, 4)]
    assert [y.shape for _, y in result] == [(4, 3), (4, 3), (2, 3)]
    assert all(x.dtype == np.float32 and y.dtype == labels.dtype for x, y in result)
    np.testing.assert_array_equal(np.concatenate([x for x, _ in result]), images)
    np.testing.assert_array_equal(np.concatenate([y for _, y in result]), labels)


def test_shuffle_keeps_pairs_together_and_reshuffles_every_epoch(examples):
    images, labels = examples
    dataset = make_dataset(images, labels, batch_size=3, shuffle=True, seed=1)
    first, second = order_of(dataset), order_of(dataset)
    assert sorted(first) == sorted(second) == list(range(10))
    assert first != second and first != list(range(10))
    for x, y in batches(dataset):
        rows = (x[:, 0] // 4).astype(int)
        np.testing.assert_array_equal(y, labels[rows])


def test_the_same_seed_gives_the_same_order(examples):
    images, labels = examples
    one = make_dataset(images, labels, batch_size=3, shuffle=True, seed=7)
    two = make_dataset(images, labels, batch_size=3, shuffle=True, seed=7)
    assert [order_of(one) for _ in range(2)] == [order_of(two) for _ in range(2)]


def test_tensorflow_autotuning_is_off(examples):
    dataset = make_dataset(*examples, batch_size=4, shuffle=True, seed=0)
    assert dataset.options().autotune.enabled is False


def test_fit_and_evaluate_take_the_dataset(examples):
    images, labels = examples
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    history = model.fit(
        make_dataset(images / 40, labels, 4, shuffle=True, seed=0),
        epochs=2,
        validation_data=make_dataset(images / 40, labels, 8),
        shuffle=False,  # the dataset shuffles; Keras would warn that it ignores True
        verbose=0,
    )
    assert len(history.history["loss"]) == 2 and "val_accuracy" in history.history
    assert len(model.evaluate(make_dataset(images / 40, labels, 8), verbose=0)) == 2


@pytest.mark.parametrize(
    ("images", "labels", "batch_size", "message"),
    [
        (np.zeros((5, 4)), np.zeros(4), 2, "5 images but 4 labels"),
        (np.zeros((0, 4)), np.zeros(0), 2, "arrays are empty"),
        (np.zeros((5, 4)), np.zeros(5), 0, "at least 1, not 0"),
        (np.zeros((5, 4)), np.zeros(5), 2.5, "whole number such as 128, not 2.5"),
        (np.zeros((5, 4)), np.zeros(5), True, "whole number such as 128, not True"),
    ],
)
def test_bad_input_is_refused_with_the_fix(images, labels, batch_size, message):
    with pytest.raises(ValueError, match=message):
        make_dataset(images, labels, batch_size)
