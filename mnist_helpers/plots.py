"""Figures the notebooks share: digits, a prediction, training curves.

Each function returns a matplotlib Figure; in a notebook it is shown when it
is the last value of a cell, and ``figure.savefig(path)`` writes it to a file.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from mnist_helpers.history import check_history


def plot_digits(
    images: np.ndarray,
    labels: np.ndarray,
    predictions: np.ndarray | None = None,
    n_cols: int = 10,
) -> Figure:
    """Show images in a grid, each titled with its label (and prediction).

    Args:
        images: (N, 28, 28) array of pixels (uint8 0..255 or float 0..1),
            or (N, 784) flattened images.
        labels: (N,) integer digit labels 0..9 (not one-hot).
        predictions: optional (N,) predicted digits; a wrong one is titled in red.
        n_cols: digits per row.

    Returns:
        The Figure, about 1 inch per digit.
    """
    images = np.asarray(images)
    labels = np.asarray(labels)
    given = images.shape
    if images.ndim == 2 and images.shape[1] == 784:
        images = images.reshape(-1, 28, 28)
    if images.ndim == 4 and (images.shape[1:] in ((1, 28, 28), (28, 28, 1))):
        images = images.reshape(-1, 28, 28)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        hint = ""
        if images.ndim == 2 and images.shape == (28, 28):
            hint = " This is one image: pass images[np.newaxis] (and a list of one label)."
        raise ValueError(
            f"plot_digits expects images of shape (N, 28, 28) (or (N, 784), "
            f"(N, 28, 28, 1), (N, 1, 28, 28)), but got shape {given}.{hint}"
        )
    _check_digits(labels, "labels", len(images))
    if predictions is not None:
        predictions = np.asarray(predictions)
        _check_digits(predictions, "predictions", len(images))
    n_rows = max(1, -(-len(images) // n_cols))
    figure, axes = plt.subplots(n_rows, n_cols, figsize=(n_cols, 1.2 * n_rows), squeeze=False)
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index >= len(images):
            continue
        axis.imshow(images[index], cmap="gray_r")
        title, colour = str(labels[index]), "black"
        if predictions is not None:
            title = f"{labels[index]} → {predictions[index]}"
            colour = "black" if predictions[index] == labels[index] else "red"
        axis.set_title(title, fontsize=9, color=colour)
    figure.tight_layout()
    return figure


def plot_history(history: dict[str, list[float]], title: str) -> Figure:
    """Accuracy and loss per epoch, training and validation, side by side.

    Args:
        history: ``history.history`` from ``model.fit`` (or from
            ``load_history``), with accuracy, val_accuracy, loss, val_loss,
            one value per epoch each. The History object that ``model.fit``
            returns is accepted too.
        title: the figure's title, e.g. the model's name.

    Returns:
        A Figure with two axes: accuracy (left) and loss (right).
    """
    history = check_history(history, "plot_history")
    epochs = np.arange(1, len(history["loss"]) + 1)
    figure, (acc_axis, loss_axis) = plt.subplots(1, 2, figsize=(11, 4))
    for axis, metric in ((acc_axis, "accuracy"), (loss_axis, "loss")):
        axis.plot(epochs, history[metric], "o-", label="training")
        axis.plot(epochs, history[f"val_{metric}"], "s--", label="validation")
        axis.set_title(f"{title}: {metric}")
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs 1, 2, 3 ...
        axis.set_ylabel(metric)
        axis.legend()
        axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def plot_prediction(image: np.ndarray, probabilities: np.ndarray, label: int) -> Figure:
    """One digit and the model's ten probabilities for it, side by side.

    Args:
        image: one image, (28, 28), (784,), (28, 28, 1) or (1, 28, 28), pixels
            uint8 0..255 or float 0..1.
        probabilities: (10,) float, the model's output for that image.
        label: the digit the image really shows, 0..9.

    Returns:
        A Figure: the digit (left) and a bar per digit (right), titled with
        the predicted digit, the most probable one.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.shape != (10,):
        raise ValueError(
            f"plot_prediction expects the 10 probabilities of one image, shape (10,), but got "
            f"shape {probabilities.shape}. For a batch, pass one row: probabilities[0]."
        )
    image = np.asarray(image)
    if image.size != 784:
        raise ValueError(f"plot_prediction expects one 28 x 28 image, but got shape {image.shape}.")
    predicted = int(probabilities.argmax())
    figure, (digit_axis, bar_axis) = plt.subplots(
        1, 2, figsize=(8, 2.8), gridspec_kw={"width_ratios": [1, 2.5]}
    )
    digit_axis.imshow(image.reshape(28, 28), cmap="gray_r")
    digit_axis.set_title(f"the digit: a {label}", fontsize=10)
    digit_axis.axis("off")
    colours = ["tab:green" if digit == label else "tab:blue" for digit in range(10)]
    bar_axis.bar(range(10), probabilities, color=colours)
    bar_axis.set_xticks(range(10))
    bar_axis.set_ylim(0, 1)
    bar_axis.set_xlabel("digit")
    bar_axis.set_ylabel("probability")
    bar_axis.set_title(f"predicted: {predicted} ({probabilities[predicted]:.1%})", fontsize=10)
    figure.tight_layout()
    return figure


def _check_digits(values: np.ndarray, what: str, count: int) -> None:
    """Raise ValueError unless ``values`` are ``count`` digits 0..9, shape (N,)."""
    if values.ndim != 1:
        hint = ""
        if values.ndim == 2 and values.shape[1] == 10:
            hint = (
                f" These look like one-hot {what} or the model's probabilities (10 "
                f"per image): pass {what}.argmax(axis=1)."
            )
        raise ValueError(
            f"plot_digits expects {what} of shape (N,) with digits 0..9, but got "
            f"shape {values.shape}.{hint}"
        )
    if len(values) != count:
        raise ValueError(
            f"plot_digits got {count} images but {len(values)} {what}; pass one per image."
        )
    if values.size and not np.issubdtype(values.dtype, np.integer):
        raise ValueError(
            f"plot_digits expects {what} as integer digits 0..9, but got dtype "
            f"{values.dtype}. If they are the model's outputs, pass their argmax(axis=1)."
        )
    if values.size and (values.min() < 0 or values.max() > 9):
        raise ValueError(
            f"plot_digits expects {what} with digits 0..9, but got values from "
            f"{values.min()} to {values.max()}."
        )
