"""Figures the notebooks share: a grid of digits, and training curves.

Each function returns a matplotlib Figure; in a notebook it is shown when it
is the last value of a cell, and ``figure.savefig(path)`` writes it to a file.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


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
    if images.ndim == 2 and images.shape[1] == 784:
        images = images.reshape(-1, 28, 28)
    if images.ndim == 4 and 1 in (images.shape[1], images.shape[3]):
        images = images.reshape(-1, 28, 28)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"plot_digits expects images of shape (N, 28, 28), got {images.shape}.")
    if labels.ndim != 1:
        raise ValueError(
            f"plot_digits expects labels of shape (N,) with digits 0..9, got shape "
            f"{labels.shape}. If they are one-hot, pass labels.argmax(axis=1)."
        )
    if len(labels) != len(images):
        raise ValueError(
            f"plot_digits got {len(images)} images but {len(labels)} labels; "
            "pass one label per image."
        )
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
            ``load_history``), with accuracy, val_accuracy, loss, val_loss.
        title: the figure's title, e.g. the model's name.

    Returns:
        A Figure with two axes: accuracy (left) and loss (right).
    """
    epochs = np.arange(1, len(history["loss"]) + 1)
    figure, (acc_axis, loss_axis) = plt.subplots(1, 2, figsize=(11, 4))
    for axis, metric in ((acc_axis, "accuracy"), (loss_axis, "loss")):
        axis.plot(epochs, history[metric], "o-", label="training")
        axis.plot(epochs, history[f"val_{metric}"], "s--", label="validation")
        axis.set_title(f"{title}: {metric}")
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric)
        axis.legend()
        axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure
