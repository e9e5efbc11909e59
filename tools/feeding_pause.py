"""Measure the pause at the start of an epoch in the pipeline Keras builds for arrays.

    python tools/feeding_pause.py [--images 60000] [--epochs 5]

``fit(x, y, batch_size=128)`` feeds the arrays through a ``tf.data`` pipeline
(Keras' ArrayDataAdapter) and makes a new iterator over it every epoch, which
frees the previous one. This makes that pipeline for random images, runs a
small training-like step per batch, and prints, per epoch, how long making
the iterator took in wall time and in CPU time, with TensorFlow's autotuning
on (as ``fit`` has it) and off (as ``make_dataset`` has it). README, "How
the data is fed", quotes what it printed.
"""

import argparse
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=60_000)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    import tensorflow as tf
    from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

    x = np.random.default_rng(0).random((args.images, 28, 28, 1), dtype=np.float32)
    y = np.zeros((args.images, 10), np.float32)
    weights = tf.Variable(tf.random.normal((784, 256)) * 0.01)

    @tf.function
    def step(iterator):
        images, _ = iterator.get_next()
        hidden = tf.reshape(images, (-1, 784))
        for _ in range(30):
            hidden = tf.tanh(hidden @ weights) @ tf.transpose(weights)
        return tf.reduce_sum(hidden)

    for autotune in (True, False):
        dataset = ArrayDataAdapter(x, y, batch_size=128, shuffle=True).get_tf_dataset()
        options = tf.data.Options()
        options.autotune.enabled = autotune
        dataset = dataset.with_options(options)
        iterator = None
        for epoch in range(args.epochs):
            wall, cpu = time.perf_counter(), time.process_time()
            iterator = iter(dataset)  # frees the previous epoch's iterator
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            for _ in range(-(-args.images // 128)):
                step(iterator)
            print(f"autotune {'on ' if autotune else 'off'} epoch {epoch}: making the "
                  f"iterator took {wall:.2f} s, {cpu:.2f} s of CPU", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
