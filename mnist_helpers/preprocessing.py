"""Turn MNIST images into the arrays the dense network and the CNN expect.

Notebook 02 teaches these steps one by one; the later notebooks call these
functions so that they can focus on the models.
"""

from __future__ import annotations

import numpy as np

IMAGE_SIZE = 28
FLAT_SIZE = IMAGE_SIZE * IMAGE_SIZE  # 784


def _check_images(images: np.ndarray, what: str) -> None:
    """Raise ValueError unless ``images`` is a stack of 28x28 images (N, 28, 28)."""
    images = np.asarray(images)
    if images.ndim == 3 and images.shape[1:] == (IMAGE_SIZE, IMAGE_SIZE):
        return
    hint = ""
    if images.ndim == 2 and images.shape[1] == FLAT_SIZE:
        hint = (
            " These images look already flattened: pass the images as loaded by "
            "load_mnist(), or undo it with images.reshape(-1, 28, 28)."
        )
    elif images.ndim == 4:
        hint = (
            " These images already have a channel axis: pass the images as "
            "loaded by load_mnist(), or drop the axis with images.squeeze()."
        )
    elif images.ndim == 2 and images.shape == (IMAGE_SIZE, IMAGE_SIZE):
        hint = " This is one image: wrap it as images[np.newaxis] to make a stack of one."
    raise ValueError(
        f"{what} expects images of shape (N, 28, 28), but got shape {images.shape}.{hint}"
    )


def scale_pixels(images: np.ndarray) -> np.ndarray:
    """Scale uint8 pixels 0..255 to float32 values in [0, 1].

    Args:
        images: any array of pixels, usually uint8 with values 0..255.

    Returns:
        A float32 array of the same shape with values in [0, 1].
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(
            f"scale_pixels expects uint8 pixels 0..255, but got dtype {images.dtype}. "
            "Scale the images only once, straight after loading them."
        )
    return images.astype("float32") / 255.0


def to_dense_input(images: np.ndarray) -> np.ndarray:
    """Flatten images for the dense network.

    Args:
        images: uint8 array of shape (N, 28, 28) with values 0..255.

    Returns:
        float32 array of shape (N, 784) with values in [0, 1]: each row is one
        image, read row by row.
    """
    _check_images(images, "to_dense_input")
    images = np.asarray(images)
    return scale_pixels(images).reshape(len(images), FLAT_SIZE)


def to_cnn_input(images: np.ndarray, data_format: str) -> np.ndarray:
    """Add the channel axis a Conv2D layer needs, where ``data_format`` puts it.

    Args:
        images: uint8 array of shape (N, 28, 28) with values 0..255.
        data_format: ``"channels_last"`` or ``"channels_first"``, usually
            ``keras.backend.image_data_format()``.

    Returns:
        float32 array with values in [0, 1], of shape (N, 28, 28, 1) for
        channels_last or (N, 1, 28, 28) for channels_first.
    """
    input_shape = cnn_input_shape(data_format)
    _check_images(images, "to_cnn_input")
    images = np.asarray(images)
    shape = (len(images), *input_shape)
    return scale_pixels(images).reshape(shape)


def cnn_input_shape(data_format: str) -> tuple[int, int, int]:
    """The shape of one image for the CNN: (28, 28, 1) or (1, 28, 28)."""
    if data_format == "channels_first":
        return (1, IMAGE_SIZE, IMAGE_SIZE)
    if data_format == "channels_last":
        return (IMAGE_SIZE, IMAGE_SIZE, 1)
    raise ValueError(
        f"data_format must be 'channels_last' or 'channels_first', got "
        f"{data_format!r}. Use keras.backend.image_data_format()."
    )
