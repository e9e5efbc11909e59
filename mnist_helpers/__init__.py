"""Small helpers shared by the MNIST tutorial notebooks.

One module per concern:

- ``data``: load MNIST or Fashion-MNIST (Keras' download, the bundled samples, or local files).
- ``feeding``: batches for ``fit`` and ``evaluate``, without pauses between epochs.
- ``preprocessing``: reshape and scale images for the dense network and the CNN.
- ``models``: the original dense network and CNN, for runs outside their notebooks.
- ``history``: save and read training histories as JSON; where build files go.
- ``plots``: grids of digits, one prediction, training curves, a confusion matrix.

The Keras calls that the tutorial teaches stay in the notebooks; these helpers
hold what several notebooks share or what would distract a beginner.
"""

from mnist_helpers.data import MnistDataError, load_mnist
from mnist_helpers.feeding import make_dataset
from mnist_helpers.history import find_build_dir, load_history, save_history
from mnist_helpers.plots import plot_digits, plot_history, plot_prediction
from mnist_helpers.preprocessing import to_cnn_input, to_dense_input

__all__ = [
    "MnistDataError",
    "find_build_dir",
    "load_history",
    "load_mnist",
    "make_dataset",
    "plot_digits",
    "plot_history",
    "plot_prediction",
    "save_history",
    "to_cnn_input",
    "to_dense_input",
]
