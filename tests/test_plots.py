"""Tests of mnist_helpers.plots: what the figures show, and bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mnist_helpers.plots import plot_digits, plot_history  # noqa: E402

HISTORY = {
    "accuracy": [0.9, 0.95, 0.97],
    "loss": [0.3, 0.2, 0.1],
    "val_accuracy": [0.92, 0.96, 0.965],
    "val_loss": [0.25, 0.15, 0.16],
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_plot_digits_titles_each_digit_with_its_label():
    images = np.zeros((12, 28, 28), np.uint8)
    labels = np.arange(12) % 10
    figure = plot_digits(images, labels, n_cols=5)
    titles = [axis.get_title() for axis in figure.axes]
    assert len(figure.axes) == 15  # 3 rows of 5
    assert titles[:12] == [str(label) for label in labels] and titles[12:] == [
        "",
        "",
        "",
    ]


def test_plot_digits_marks_wrong_predictions_in_red():
    images = np.zeros((2, 784), np.float32)  # flattened images are accepted
    figure = plot_digits(images, np.array([3, 5]), predictions=np.array([3, 6]), n_cols=2)
    right, wrong = figure.axes
    assert right.get_title() == "3 → 3" and wrong.get_title() == "5 → 6"
    assert right.title.get_color() == "black" and wrong.title.get_color() == "red"


@pytest.mark.parametrize(
    ("images", "labels", "problem"),
    [
        (
            np.zeros((2, 32, 32)),
            np.zeros(2, int),
            r"expects images of shape \(N, 28, 28\)",
        ),
        (np.zeros((2, 28, 28)), np.eye(10)[:2], "one-hot.*argmax"),
        (np.zeros((3, 28, 28)), np.zeros(2, int), "3 images but 2 labels"),
    ],
)
def test_plot_digits_bad_input(images, labels, problem):
    with pytest.raises(ValueError, match=problem):
        plot_digits(images, labels)


def test_plot_history_draws_training_and_validation_accuracy_and_loss(tmp_path):
    figure = plot_history(HISTORY, "CNN")
    accuracy_axis, loss_axis = figure.axes
    assert accuracy_axis.get_title() == "CNN: accuracy" and loss_axis.get_title() == "CNN: loss"
    assert accuracy_axis.get_xlabel() == "epoch" and loss_axis.get_ylabel() == "loss"
    for axis, metric in ((accuracy_axis, "accuracy"), (loss_axis, "loss")):
        training, validation = axis.get_lines()
        assert list(training.get_ydata()) == HISTORY[metric]
        assert list(validation.get_ydata()) == HISTORY[f"val_{metric}"]
        assert list(training.get_xdata()) == [1, 2, 3]
        assert [t.get_text() for t in axis.get_legend().get_texts()] == [
            "training",
            "validation",
        ]
    figure.savefig(tmp_path / "history.png")
    assert (tmp_path / "history.png").read_bytes()[:4] == b"\x89PNG"
