"""Turn MNIST images into the arrays the dense network and the CNN expect.

Notebook 02 teaches these steps one by one; the later notebooks call these
functions so that they can focus on the models. Notebook 12 uses
``image_to_mnist`` to turn a picture of your own digit into an MNIST image.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

IMAGE_SIZE = 28
FLAT_SIZE = IMAGE_SIZE * IMAGE_SIZE  # 784


def _check_images(images: np.ndarray, what: str, data_format: str | None = None) -> None:
    """Raise ValueError unless ``images`` is a stack of 28x28 uint8 images (N, 28, 28).

    The message says which shape (or dtype) was given, which was expected, and
    how to get there. ``data_format`` (for to_cnn_input) makes the hint for an
    image stack that already has a channel axis say where it would go.
    """
    images = np.asarray(images)
    if images.ndim == 3 and images.shape[1:] == (IMAGE_SIZE, IMAGE_SIZE):
        if images.dtype != np.uint8:
            raise ValueError(
                f"{what} expects uint8 pixels 0..255 (N, 28, 28), as load_mnist() returns "
                f"them, but got dtype {images.dtype}. {what} scales them itself: pass the "
                "images as loaded, not already scaled or converted."
            )
        return
    hint = ""
    if images.ndim == 4 and data_format is not None:
        target = cnn_input_shape(data_format)
        hint = (
            f" These images already have a channel axis; {what} adds it itself, "
            f"where {data_format} puts it (one image: {target}). Pass the images as "
            "loaded by load_mnist(), or drop the axis with images.reshape(-1, 28, 28)."
        )
    elif images.ndim == 2 and images.shape[1] == FLAT_SIZE:
        hint = (
            " These images look already flattened: pass the images as loaded by "
            "load_mnist(), or undo it with images.reshape(-1, 28, 28)."
        )
    elif images.ndim == 4:
        hint = (
            " These images already have a channel axis: pass the images as "
            "loaded by load_mnist(), or drop the axis with images.reshape(-1, 28, 28)."
        )
    elif images.ndim == 2 and images.shape == (IMAGE_SIZE, IMAGE_SIZE):
        hint = " This is one image: wrap it as images[np.newaxis] to make a stack of one."
    raise ValueError(
        f"{what} expects images of shape (N, 28, 28), but got shape {images.shape}.{hint}"
    )


def to_dense_input(images: np.ndarray) -> np.ndarray:
    """Flatten images for the dense network.

    Args:
        images: uint8 array of shape (N, 28, 28) with values 0..255.

    Returns:
        float32 array of shape (N, 784) with values in [0, 1]: each row is one
        image, read row by row.
    """
    _check_images(images, "to_dense_input")
    return (np.asarray(images, dtype="float32") / 255).reshape(len(images), FLAT_SIZE)


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
    _check_images(images, "to_cnn_input", data_format)
    return (np.asarray(images, dtype="float32") / 255).reshape(len(images), *input_shape)


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


# ---------------------------------------------------------------------------
# A picture of your own digit, made to look like an MNIST digit (notebook 12)
# ---------------------------------------------------------------------------

DIGIT_BOX = 20  # MNIST fitted each digit into 20 x 20 pixels, then centred it in 28 x 28
MIN_INK = 32  # least contrast (of 255) between the digit and the background


def read_picture(image: str | os.PathLike | np.ndarray) -> np.ndarray:
    """A picture as :func:`image_to_mnist` reads it, before it looks for the digit.

    Args:
        image: what ``image_to_mnist`` takes: a file's path, or an array.

    Returns:
        float32 array of shape (H, W), grey levels 0..255: a photo turned
        upright as its EXIF data says, transparent pixels white paper.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if isinstance(image, np.ndarray):
        return _greyscale(Image.fromarray(_as_uint8(image)))
    path = Path(image).expanduser()
    if not path.is_file():
        raise FileNotFoundError(
            f"No image file at {path}" + (" (it is a folder)" if path.is_dir() else "") + ". "
            "Check the path: a relative path starts from the notebook's folder."
        )
    try:
        with Image.open(path) as picture:
            picture.load()
            # A phone stores a photo as taken and says in its EXIF data how to turn it.
            return _greyscale(ImageOps.exif_transpose(picture))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValueError(
            f"Cannot read {path} as an image ({type(error).__name__}: {error}). "
            "Save the digit as a PNG or JPEG file and try again."
        ) from error


def _as_uint8(array: np.ndarray) -> np.ndarray:
    """An array picture as uint8 (H, W), (H, W, 3) or (H, W, 4); floats in [0, 1] scaled."""
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ValueError(
            "image_to_mnist expects an array of shape (H, W) (grey), (H, W, 3) (RGB) "
            f"or (H, W, 4) (RGBA), but got shape {array.shape}."
        )
    if array.size == 0:
        raise ValueError(f"image_to_mnist got an empty array (shape {array.shape}).")
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(f"image_to_mnist expects numbers, got dtype {array.dtype}.")
    array = array.astype("float32")
    if not np.all(np.isfinite(array)):
        raise ValueError("image_to_mnist got an array with NaN or infinite values.")
    if array.max() <= 1.0:  # floats in [0, 1] (or a boolean mask)
        array = array * 255.0
    return np.round(np.clip(array, 0.0, 255.0)).astype(np.uint8)


def _greyscale(picture) -> np.ndarray:
    """A Pillow image as float32 (H, W) grey levels 0..255, transparent pixels white."""
    from PIL import Image

    if picture.mode in ("I", "I;16", "I;16B", "I;16L", "F"):  # 16-bit or float grey
        levels = np.asarray(picture, dtype="float32")
        top = float(levels.max())
        return levels * (255.0 / top) if top > 255 else levels
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        rgba = picture.convert("RGBA")
        picture = Image.alpha_composite(Image.new("RGBA", rgba.size, (255,) * 4), rgba)
    return np.asarray(picture.convert("L"), dtype="float32")


def image_to_mnist(image: str | os.PathLike | np.ndarray) -> np.ndarray:
    """Turn a picture of one handwritten digit into a 28 x 28 MNIST-style image.

    The steps are those used to make MNIST: the digit becomes light on a dark
    background, is cropped to its ink, scaled (keeping its aspect ratio) to fit
    a 20 x 20 box with grey, anti-aliased edges, and placed in a 28 x 28 image
    so that its centre of mass is at the centre (row 14, column 14).

    Args:
        image: the path of an image file Pillow reads (PNG, JPEG, ...), or an
            array: (H, W) grey levels, (H, W, 3) RGB or (H, W, 4) RGBA, of
            uint8 0..255 or floats in [0, 1]. Dark ink on light paper and light
            ink on a dark background both work: the background is taken to be
            the median of the border pixels, and a light one is inverted.
            Transparent pixels count as white paper; a photo is turned upright
            as its EXIF orientation says.

    Returns:
        uint8 array of shape (28, 28), values 0..255: the ink high (up to
        255) on a background of 0, as in ``load_mnist()``'s ``x_test[i]``. Pass a stack of them to
        ``to_cnn_input`` (e.g. ``to_cnn_input(image[np.newaxis], data_format)``).

    Raises:
        FileNotFoundError: ``image`` is a path and no file is there.
        ValueError: the file is not an image Pillow can read; the array has
            the wrong shape or values; or the picture is blank (no ink that
            stands out from the background).
    """
    grey = read_picture(image)
    height, width = grey.shape
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    background = float(np.median(border))
    # Ink is whatever differs from the background, in the background's opposite direction.
    ink = background - grey if background > 127.5 else grey - background
    ink = np.clip(ink, 0.0, None)
    if ink.max() < MIN_INK:
        raise ValueError(
            f"The image ({height} x {width} pixels) looks blank: no stroke differs from "
            f"the background (grey level {background:.0f}) by {MIN_INK} or more of 255. "
            "Draw the digit thicker or darker, or crop the picture to the digit."
        )

    # Crop to the ink, ignoring faint specks (under a quarter of the darkest stroke).
    rows, cols = np.nonzero(ink >= 0.25 * ink.max())
    ink = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]

    # Fit into the 20 x 20 box, keeping the aspect ratio.
    from PIL import Image

    box_h, box_w = ink.shape
    scale = DIGIT_BOX / max(box_h, box_w)
    new_h = max(1, min(DIGIT_BOX, round(box_h * scale)))
    new_w = max(1, min(DIGIT_BOX, round(box_w * scale)))
    small = Image.fromarray(ink.astype("float32")).resize(  # float32: Pillow mode "F"
        (new_w, new_h), Image.Resampling.LANCZOS
    )
    small = np.clip(np.asarray(small, dtype="float32"), 0.0, None)
    small = small * (255.0 / small.max())  # the strongest stroke is white, as in MNIST

    # Centre by centre of mass in 28 x 28 (kept whole inside the image).
    total = small.sum()
    centre_row = (small.sum(axis=1) * np.arange(new_h)).sum() / total
    centre_col = (small.sum(axis=0) * np.arange(new_w)).sum() / total
    # MNIST put the centre of mass at row 14, column 14 (the average over its
    # 60,000 training digits is 14.00, 14.01), after shifting by whole pixels.
    middle = IMAGE_SIZE / 2
    top = int(np.clip(round(middle - centre_row), 0, IMAGE_SIZE - new_h))
    left = int(np.clip(round(middle - centre_col), 0, IMAGE_SIZE - new_w))
    digit = np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype="float32")
    digit[top : top + new_h, left : left + new_w] = small
    return np.round(digit).astype(np.uint8)
