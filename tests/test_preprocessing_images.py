"""Tests of mnist_helpers.preprocessing.image_to_mnist: a picture of a digit to MNIST's format."""

import runpy
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mnist_helpers import load_mnist
from mnist_helpers.preprocessing import image_to_mnist

PROJECT = Path(__file__).resolve().parent.parent
# The pictures notebook 12 reads by default, made by tools/make_digit_pictures.py.
SHIPPED = sorted((PROJECT / "mnist_helpers" / "images").glob("*.png"))


def centre_of_mass(image):
    image = image.astype("float64")
    rows, cols = np.indices(image.shape)
    return (rows * image).sum() / image.sum(), (cols * image).sum() / image.sum()


def ink_box(image, level=0):
    rows, cols = np.nonzero(image > level)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


@pytest.fixture(scope="module")
def mnist_digit():
    """A real MNIST test digit (a 7) from the bundled sample: uint8 (28, 28), ink 255 on 0."""
    (_, _), (x_test, y_test) = load_mnist("sample")
    index = int(np.nonzero(y_test == 7)[0][0])
    return x_test[index]


def on_paper(digit, scale=8, margins=(30, 15, 70, 45), paper=250, ink=20):
    """The digit as dark ink on light paper, upscaled, with uneven margins: uint8 (H, W)."""
    grey = paper - digit.astype("float32") / 255 * (paper - ink)
    big = Image.fromarray(grey.astype("uint8")).resize(
        (28 * scale, 28 * scale), Image.Resampling.BICUBIC
    )
    left, top, right, bottom = margins
    canvas = Image.new("L", (28 * scale + left + right, 28 * scale + top + bottom), paper)
    canvas.paste(big, (left, top))
    return np.asarray(canvas)


def similarity(a, b):
    """Correlation of two images, at the best shift of up to one pixel either way.

    Centring by the centre of mass rounds to whole pixels, so a digit can come
    back one pixel off; anything more than that is a real difference.
    """
    return max(
        np.corrcoef(np.roll(a, (dy, dx), axis=(0, 1)).ravel().astype(float),
                    b.ravel().astype(float))[0, 1]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
    )  # fmt: skip


def test_a_scanned_mnist_digit_comes_back_as_it_was(tmp_path, mnist_digit):
    path = tmp_path / "seven.png"
    Image.fromarray(on_paper(mnist_digit)).save(path)
    result = image_to_mnist(path)
    assert result.shape == (28, 28) and result.dtype == np.uint8
    assert result.max() == 255 and result[0].max() == 0  # light digit, black border
    assert similarity(result, mnist_digit) > 0.9


def test_a_path_as_str_and_an_array_give_the_same_image(tmp_path, mnist_digit):
    paper = on_paper(mnist_digit)
    path = tmp_path / "seven.png"
    Image.fromarray(paper).save(path)
    np.testing.assert_array_equal(image_to_mnist(str(path)), image_to_mnist(paper))


def test_light_on_dark_is_not_inverted_and_gives_the_same_digit(mnist_digit):
    dark_on_light = on_paper(mnist_digit)
    light_on_dark = 255 - dark_on_light
    a, b = image_to_mnist(dark_on_light), image_to_mnist(light_on_dark)
    assert similarity(a, b) > 0.99
    assert b[0].max() == 0


def test_rgb_rgba_and_float_arrays(mnist_digit):
    grey = on_paper(mnist_digit)
    reference = image_to_mnist(grey)
    rgb = np.stack([grey] * 3, axis=-1)
    assert similarity(image_to_mnist(rgb), reference) > 0.99
    assert similarity(image_to_mnist(grey / 255.0), reference) > 0.99
    # black ink drawn on a transparent layer: transparent pixels are white paper
    rgba = np.zeros((*grey.shape, 4), dtype=np.uint8)
    rgba[..., 3] = 255 - grey
    assert similarity(image_to_mnist(rgba), reference) > 0.95


def test_a_transparent_png_file(tmp_path, mnist_digit):
    grey = on_paper(mnist_digit)
    rgba = np.zeros((*grey.shape, 4), dtype=np.uint8)
    rgba[..., 3] = 255 - grey  # black ink, alpha = how much ink
    path = tmp_path / "transparent.png"
    Image.fromarray(rgba).save(path)
    assert similarity(image_to_mnist(path), image_to_mnist(grey)) > 0.95


@pytest.mark.parametrize(("height", "width"), [(300, 40), (40, 300), (120, 120)])
def test_the_digit_fits_20_by_20_keeping_its_aspect_ratio(height, width):
    picture = np.full((400, 500), 255, dtype=np.uint8)
    picture[50 : 50 + height, 70 : 70 + width] = 0  # a black bar or square
    result = image_to_mnist(picture)
    box_h, box_w = ink_box(result, level=127)
    assert max(box_h, box_w) == 20
    assert abs(box_h / box_w - height / width) < 0.25 * max(height / width, 1)


def test_the_centre_of_mass_is_in_the_middle():
    picture = np.full((200, 200), 255, dtype=np.uint8)
    picture[20:180, 20:40] = 0  # an "L": heavy on the left and at the bottom
    picture[160:180, 20:120] = 0
    row, col = centre_of_mass(image_to_mnist(picture))
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5


def test_small_specks_do_not_widen_the_crop():
    picture = np.full((300, 300), 255, dtype=np.uint8)
    picture[100:200, 140:160] = 0  # a "1"
    picture[5, 5] = 200  # a faint speck of dust in a corner
    box_h, box_w = ink_box(image_to_mnist(picture), level=127)
    assert box_h == 20 and box_w <= 6


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="No image file at .*nothing.png"):
        image_to_mnist(tmp_path / "nothing.png")
    with pytest.raises(FileNotFoundError, match="it is a folder"):
        image_to_mnist(tmp_path)


def test_a_file_that_is_not_an_image_says_so(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("this is not a picture")
    with pytest.raises(ValueError, match=r"Cannot read .*notes.png as an image"):
        image_to_mnist(path)


@pytest.mark.parametrize("level", [0, 128, 255])
def test_a_blank_image_says_so(tmp_path, level):
    path = tmp_path / "blank.png"
    Image.fromarray(np.full((100, 80), level, dtype=np.uint8)).save(path)
    with pytest.raises(ValueError, match=r"100 x 80 pixels\) looks blank"):
        image_to_mnist(path)


def test_faint_noise_alone_counts_as_blank():
    rng = np.random.default_rng(0)
    picture = (240 + rng.integers(-10, 10, size=(60, 60))).astype(np.uint8)
    with pytest.raises(ValueError, match="looks blank"):
        image_to_mnist(picture)


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((5, 5, 2)), r"shape \(5, 5, 2\)"),
        (np.zeros((3, 5, 5, 1)), r"shape \(3, 5, 5, 1\)"),
        (np.zeros((0, 5)), "empty"),
        (np.array([["a", "b"]]), "expects numbers"),
        (np.array([[0.0, np.nan]]), "NaN"),
    ],
)
def test_bad_arrays_say_what_is_wrong(array, message):
    with pytest.raises(ValueError, match=message):
        image_to_mnist(array)


def test_the_images_shipped_for_notebook_08_convert():
    assert len(SHIPPED) >= 3
    for path in SHIPPED:
        with Image.open(path) as picture:
            assert min(picture.size) >= 150  # a photo-sized picture, not already 28 x 28
            assert picture.size[0] != picture.size[1], path.name  # not square either
        assert path.stat().st_size < 50_000, path.name
        digit = image_to_mnist(path)
        assert digit.shape == (28, 28) and digit.max() == 255
        row, col = centre_of_mass(digit)
        assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5, path.name


def test_a_photo_is_turned_upright_as_its_exif_says(tmp_path):
    picture = np.full((200, 300), 255, dtype=np.uint8)
    picture[90:110, 50:250] = 0  # stored as a horizontal bar ...
    exif = Image.Exif()
    exif[0x0112] = 6  # ... in a photo to be shown turned by 90 degrees
    path = tmp_path / "photo.jpg"
    Image.fromarray(picture).save(path, exif=exif, quality=95)
    box_h, box_w = ink_box(image_to_mnist(path), level=127)
    assert box_h == 20 and box_w <= 6  # upright: a "1"


def test_a_16_bit_png(tmp_path, mnist_digit):
    grey = on_paper(mnist_digit).astype(np.uint16) * 257  # 0..65535
    path = tmp_path / "deep.png"
    Image.fromarray(grey).save(path)
    assert similarity(image_to_mnist(path), image_to_mnist(on_paper(mnist_digit))) > 0.99


def test_the_shipped_images_are_what_the_tool_makes(tmp_path):
    tool = runpy.run_path(str(PROJECT / "tools" / "make_digit_pictures.py"))
    tool["main"](tmp_path)
    made = sorted(tmp_path.glob("*.png"))
    assert [path.name for path in made] == [path.name for path in SHIPPED]
    for shipped, remade in zip(SHIPPED, made, strict=True):
        with Image.open(shipped) as a, Image.open(remade) as b:
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=shipped.name)
