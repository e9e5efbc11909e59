"""The drawing pad of notebook 12: strokes become an MNIST image, read by a callback."""

import numpy as np

from mnist_helpers.drawing import SIZE, DrawingPad


def stroke(pad, points):
    pad.pen_down(*points[0])
    for point in points[1:]:
        pad.pen_moves(*point)
    pad.pen_up(*points[-1])


def test_a_stroke_is_drawn_and_read_as_an_mnist_image():
    seen = []

    def read(image):
        seen.append(image)
        return f"<b>{image.shape}</b>"

    pad = DrawingPad(read)
    assert "Draw a digit" in pad.answer.value and not seen
    stroke(pad, [(140, 40), (140, 120), (140, 240)])  # a vertical line: a 1
    (image,) = seen
    assert image.shape == (28, 28) and image.dtype == np.uint8
    assert image.max() == 255 and image[:, :5].max() == 0  # ink in the middle only
    assert pad.answer.value == "<b>(28, 28)</b>"
    drawn = pad.image()
    assert drawn.shape == (SIZE, SIZE) and drawn[140, 140] == 0 and drawn[140, 20] == 255


def test_moving_without_the_button_draws_nothing_and_clear_starts_again():
    pad = DrawingPad(lambda image: "read")
    pad.pen_moves(100, 100)
    pad.pen_up(100, 100)
    assert pad.image().min() == 255 and "Draw a digit" in pad.answer.value
    stroke(pad, [(60, 60), (200, 200)])
    assert pad.image().min() == 0
    pad.clear()
    assert pad.image().min() == 255 and "Draw a digit" in pad.answer.value


def test_a_finger_draws_like_the_mouse():
    seen = []
    pad = DrawingPad(lambda image: seen.append(image) or "read")
    for handler, touches in [
        ("_touch_start_callbacks", [(140, 40)]),
        ("_touch_move_callbacks", [(140, 240)]),
        ("_touch_end_callbacks", []),
    ]:
        getattr(pad.canvas, handler)(touches)
    assert len(seen) == 1 and seen[0].max() == 255


def test_a_blank_drawing_says_why_it_cannot_be_read():
    seen = []
    pad = DrawingPad(lambda image: seen.append(image) or "read")
    pad.last = (0, 0)  # pressed, then released: a stroke with no ink in it
    pad.pen_up(0, 0)
    assert not seen
    assert pad.answer.value.startswith("Could not read the drawing:")
