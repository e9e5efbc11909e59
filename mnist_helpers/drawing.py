"""A pad to draw a digit on with the mouse (or a finger), in a notebook.

``DrawingPad(read_digit)`` shows a white square, a line for the answer and a
"Clear" button. Each time a stroke ends, the drawing is turned into an MNIST
image by :func:`mnist_helpers.preprocessing.image_to_mnist` (the same steps
as for a photo) and handed to ``read_digit``, whose return value (text or
HTML) is shown under the pad. It uses ipycanvas, a Jupyter widget library:
the strokes are drawn in the browser and, as the mouse moves, on a Pillow
image in Python, which is what the model reads.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw

from mnist_helpers.preprocessing import image_to_mnist

SIZE = 280  # pixels: ten times MNIST's 28, big enough to draw on
PEN = 22  # the stroke width, about MNIST's stroke width once shrunk to 20 x 20


class DrawingPad:
    """A canvas to draw a digit on; ``read_digit(image)`` gets each new drawing.

    Args:
        read_digit: called with the drawing as MNIST would have it, uint8
            (28, 28), ink 255 on 0; returns the text (HTML allowed) to show.

    ``pad.widget`` is what a notebook cell displays; ``pad.image()`` is the
    drawing so far, uint8 (280, 280), dark ink 0 on white 255.
    """

    def __init__(self, read_digit: Callable[[np.ndarray], str]) -> None:
        from ipycanvas import Canvas
        from ipywidgets import HTML, Button, Layout, VBox

        self.read_digit = read_digit
        self.canvas = Canvas(width=SIZE, height=SIZE, layout=Layout(border="1px solid #999"))
        self.answer = HTML("Draw a digit in the box, with the mouse or a finger.")
        clear = Button(description="Clear")
        clear.on_click(lambda _: self.clear())
        self.widget = VBox([self.canvas, self.answer, clear])
        self.canvas.on_mouse_down(self.pen_down)
        self.canvas.on_mouse_move(self.pen_moves)
        self.canvas.on_mouse_up(self.pen_up)
        self.canvas.on_mouse_out(self.pen_up)
        # A finger on a touch screen: the first touch of each event is the pen.
        self.canvas.on_touch_start(lambda touches: self.pen_down(*touches[0]))
        self.canvas.on_touch_move(lambda touches: self.pen_moves(*touches[0]))
        self.canvas.on_touch_end(lambda touches: self.pen_up(0, 0))
        self.clear()

    def clear(self) -> None:
        """Start again on white paper."""
        self.drawing = Image.new("L", (SIZE, SIZE), 255)
        self.pen = ImageDraw.Draw(self.drawing)
        self.last: tuple[float, float] | None = None
        self.canvas.clear()
        self.canvas.fill_style = "white"
        self.canvas.fill_rect(0, 0, SIZE, SIZE)
        self.canvas.stroke_style = "black"
        self.canvas.line_width = PEN
        self.canvas.line_cap = "round"
        self.answer.value = "Draw a digit in the box, with the mouse or a finger."

    def pen_down(self, x: float, y: float) -> None:
        self.last = (x, y)
        self.pen_moves(x, y)

    def pen_moves(self, x: float, y: float) -> None:
        if self.last is None:
            return  # the mouse moves without a button pressed
        self.canvas.stroke_line(*self.last, x, y)
        self.pen.line([self.last, (x, y)], fill=0, width=PEN)
        radius = PEN / 2  # round ends, as in the browser
        self.pen.ellipse([x - radius, y - radius, x + radius, y + radius], fill=0)
        self.last = (x, y)

    def pen_up(self, x: float, y: float) -> None:
        if self.last is None:
            return
        self.last = None
        try:
            digit = image_to_mnist(self.image())
        except ValueError as error:  # e.g. nothing drawn inside the box
            self.answer.value = f"Could not read the drawing: {error}"
            return
        self.answer.value = self.read_digit(digit)

    def image(self) -> np.ndarray:
        """The drawing so far: uint8 (280, 280), dark ink 0 on white 255."""
        return np.asarray(self.drawing).copy()
