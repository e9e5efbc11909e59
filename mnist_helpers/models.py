"""The tutorial's two original models, for runs outside their own notebooks.

Notebooks 04 and 05 build these models cell by cell, where the reader can see
each layer; notebook 06 (when it has to train a short run itself) and the
benchmark use these functions. Both build the same layers with the same
parameter counts, which the notebooks and the tests check.
"""

from __future__ import annotations

import keras

from mnist_helpers.preprocessing import FLAT_SIZE, cnn_input_shape

NUM_CLASSES = 10
SIMPLE_NN_PARAMS = 669_706  # trainable weights of build_simple_nn()
CNN_PARAMS = 1_199_882  # trainable weights of build_cnn()


def build_simple_nn() -> keras.Model:
    """The original dense network, compiled with RMSprop.

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
    """The original CNN, compiled with Adadelta at learning_rate=1.0.

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
        # example relied on the old default of 1.0. See notebook 05.
        optimizer=keras.optimizers.Adadelta(learning_rate=1.0),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
