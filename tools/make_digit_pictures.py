"""Make the pictures of digits that notebook 12 reads: MNIST test digits, made to look like photos.

    .venv/bin/python tools/make_digit_pictures.py

For each digit in DIGITS, one test digit of the bundled sample
(mnist_helpers/sample_data/mnist-sample.npz, official MNIST test digits) is
drawn as dark ink on light paper, enlarged with smooth (bicubic)
interpolation, put off-centre on a page that is not square, lit unevenly (a
gentle brightness gradient) and given a little noise, then saved as
mnist_helpers/images/digit_<label>.png. The test digit is the most typical
one of its label: the one closest to the average training image of that
digit (no model is run to choose it). The same seed gives the same files.
"""

from pathlib import Path

import numpy as np
from PIL import Image

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT / "mnist_helpers" / "sample_data" / "mnist-sample.npz"
OUTPUT = PROJECT / "mnist_helpers" / "images"
DIGITS = [0, 2, 3, 4, 7, 9]
SEED = 8


def most_typical_test_digit(data, label):
    """The index in x_test of the test digit closest to the average training digit of label."""
    average = data["x_train"][data["y_train"] == label].mean(axis=0)
    candidates = np.flatnonzero(data["y_test"] == label)
    distances = [np.abs(data["x_test"][index] - average).sum() for index in candidates]
    return int(candidates[np.argmin(distances)])


def photo_of(digit, rng):
    """A 28 x 28 MNIST digit (ink 255, background 0) as a grey photo of ink on paper."""
    size = int(28 * rng.uniform(5.5, 7))  # the 28 x 28 frame, enlarged
    ink = Image.fromarray(digit.astype("float32") / 255).resize(
        (size, size), Image.Resampling.BICUBIC
    )
    width, height = size + rng.integers(30, 80), size + rng.integers(90, 150)
    page = np.zeros((height, width), dtype="float32")  # how much ink, 0..1
    top, left = rng.integers(0, height - size), rng.integers(0, width - size)
    page[top : top + size, left : left + size] = np.clip(np.asarray(ink), 0, 1)

    rows, cols = np.mgrid[0:height, 0:width]
    angle = rng.uniform(0, 2 * np.pi)
    slope = np.cos(angle) * cols / width + np.sin(angle) * rows / height
    light = 235 - 18 * (slope - slope.min()) / (slope.max() - slope.min())  # 217..235
    photo = light * (1 - 0.8 * page) + rng.normal(0, 2, size=page.shape)
    return np.clip(photo, 0, 255).round().astype(np.uint8)


def main(output=OUTPUT):
    rng = np.random.default_rng(SEED)
    data = dict(np.load(SAMPLE))
    output.mkdir(exist_ok=True)
    for label in DIGITS:
        index = most_typical_test_digit(data, label)
        path = output / f"digit_{label}.png"
        Image.fromarray(photo_of(data["x_test"][index], rng)).save(path, optimize=True)
        with Image.open(path) as picture:
            print(
                f"{path.name}: x_test[{index}], {picture.size[0]} x {picture.size[1]} pixels, "
                f"{path.stat().st_size / 1000:.0f} KB"
            )


if __name__ == "__main__":
    main()
