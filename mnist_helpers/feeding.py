"""Feed images and labels to Keras in batches, without pauses between epochs.

``model.fit(x_train, y_train, batch_size=128)`` works, and is how the original
tutorial trains: behind it, Keras (TensorFlow backend) builds a ``tf.data``
pipeline whose buffers TensorFlow tunes while it runs ("autotuning"). With
TensorFlow 2.21, some epochs then begin with a pause, the CPU idle, while
Keras makes the epoch's iterator; with autotuning off there is none (measured
by ``tools/feeding_pause.py``; README, "How the data is fed", has the figures).
``make_dataset`` builds a simpler pipeline with autotuning off: shuffle the
examples each epoch, cut them into batches, prepare the next batch while the
model trains on the current one.
"""

from __future__ import annotations

import numpy as np


def make_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    *,
    shuffle: bool = False,
    seed: int | None = None,
):
    """Return a ``tf.data.Dataset`` of ``(images, labels)`` batches for ``fit`` or ``evaluate``.

    Args:
        images: array of shape ``(N, ...)``, e.g. ``(N, 784)`` float32 for the
            dense network or ``(N, 28, 28, 1)`` float32 for the CNN.
        labels: array of shape ``(N,)`` (digits) or ``(N, 10)`` (one-hot), any
            numeric dtype.
        batch_size: images per batch, at least 1; the last batch holds the rest.
        shuffle: reshuffle the order of the examples at every epoch (training).
            Keep ``False`` for validation and test data.
        seed: seed of the shuffle, so that a run can be repeated.

    Returns:
        A dataset whose elements are ``(images[i:i + batch_size],
        labels[i:i + batch_size])`` for a (shuffled) order ``i``, with the
        arrays' dtypes. Pass it to ``model.fit`` without ``batch_size``.

    Raises:
        ValueError: when the lengths differ, there are no examples, or
            ``batch_size`` is not a positive whole number.
    """
    import tensorflow as tf

    images, labels = np.asarray(images), np.asarray(labels)
    if len(images) != len(labels):
        raise ValueError(
            f"{len(images):,} images but {len(labels):,} labels: pass the labels that "
            "belong to these images (e.g. x_train with y_train_onehot, not y_test)."
        )
    if len(images) == 0:
        raise ValueError("No images to feed: the arrays are empty. Check how they were sliced.")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise ValueError(f"batch_size must be a whole number such as 128, not {batch_size!r}.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}.")

    dataset = tf.data.Dataset.from_tensor_slices((images, labels))
    if shuffle:
        dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(int(batch_size)).prefetch(1)
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)
