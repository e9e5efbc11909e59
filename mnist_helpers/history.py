"""Save and read training histories, and find the folder build files go to.

A history is what ``model.fit`` returns in ``history.history``: a dict from a
metric name (``"accuracy"``, ``"loss"``, ``"val_accuracy"``, ``"val_loss"``)
to one float per epoch.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import mnist_helpers

# What a history must hold: what model.fit records with metrics=["accuracy"] and validation.
REQUIRED_KEYS = ("accuracy", "val_accuracy", "loss", "val_loss")


def find_build_dir(build_dir: str | os.PathLike | None = None) -> Path:
    """The folder for models, histories and figures, created if missing.

    Args:
        build_dir: a folder to use. ``None`` means the folder named by the
            environment variable ``MNIST_BUILD_DIR`` if it is set (the tests
            use it to keep their runs apart), else the project's ``build/``
            folder (next to ``mnist_helpers/`` in a checkout), or ``./build``
            when the package is installed elsewhere (e.g. in Colab).

    Returns:
        The folder as an absolute Path. It is never inside ``notebooks/``.
    """
    if build_dir is None:
        build_dir = os.environ.get("MNIST_BUILD_DIR") or None
    if build_dir is None:
        project = Path(mnist_helpers.__file__).resolve().parent.parent
        if (project / "pyproject.toml").is_file() and (project / "notebooks").is_dir():
            build_dir = project / "build"
        else:
            build_dir = Path.cwd() / "build"
    path = Path(build_dir).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_history(history: object, caller: str) -> dict[str, list[float]]:
    """Return ``history`` as a dict of per-epoch lists, or raise ValueError naming ``caller``.

    Takes ``history.history`` from ``model.fit``, or the History object itself.
    It must hold accuracy, val_accuracy, loss and val_loss, as many values each.
    """
    if not isinstance(history, dict) and isinstance(getattr(history, "history", None), dict):
        history = history.history  # the History object that model.fit returns
    if not isinstance(history, dict):
        raise ValueError(
            f"{caller} expects a dict of per-epoch values such as history.history "
            f"(from model.fit) or load_history(...)[0], but got a {type(history).__name__}."
        )
    missing = [key for key in REQUIRED_KEYS if key not in history]
    if missing:
        raise ValueError(
            f"{caller} needs {', '.join(REQUIRED_KEYS)}, but the history has no "
            f"{', '.join(missing)} (it has: {', '.join(sorted(history)) or 'nothing'}). "
            "Compile with metrics=['accuracy'] and fit with validation_split or "
            "validation_data, e.g. model.fit(..., validation_data=(x_valid, y_valid)), "
            "to record them."
        )
    lengths = {key: len(history[key]) for key in REQUIRED_KEYS}
    if len(set(lengths.values())) != 1 or not lengths["loss"]:
        raise ValueError(
            f"{caller} needs one value per epoch in each of {', '.join(REQUIRED_KEYS)}, "
            f"the same number in each, but got lengths {lengths}."
        )
    return history


def save_history(
    history: dict[str, list[float]],
    path: str | os.PathLike,
    **details: float | int | str,
) -> Path:
    """Write a training history, and details such as the test accuracy, as JSON.

    Args:
        history: ``history.history`` from ``model.fit``: metric name to a list
            of floats, one per epoch. It must hold accuracy, loss,
            val_accuracy and val_loss.
        path: the JSON file to write; its folder is created if missing.
        **details: numbers or strings to keep with it (test_accuracy, epochs,
            seconds_per_epoch, data_source, ...).

    Returns:
        The path written. The file is written whole or not at all.
    """
    history = check_history(history, "save_history")
    record = {
        "history": {key: [float(v) for v in values] for key, values in history.items()},
        "details": details,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(record, indent=1))
    os.replace(partial, path)
    return path


def load_history(path: str | os.PathLike) -> tuple[dict[str, list[float]], dict]:
    """Read a history written by :func:`save_history`.

    Returns:
        ``(history, details)``: metric name to one float per epoch, and the
        details saved with it.

    Raises:
        FileNotFoundError: when there is no such file (train the model first).
        ValueError: when the file is not a history this module wrote.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"No training history at {path}. Run the notebook that trains this "
            "model first (05_simple_nn or 06_cnn)."
        )
    try:
        record = json.loads(path.read_text())
        history = record["history"]
        lengths = {len(history[key]) for key in REQUIRED_KEYS}
        values_ok = all(
            isinstance(v, float) and math.isfinite(v) for key in REQUIRED_KEYS for v in history[key]
        )
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise ValueError(
            f"{path} is not a training history saved by save_history ({error!r}). "
            "Delete it and run the training notebook again."
        ) from error
    if len(lengths) != 1 or 0 in lengths or not values_ok:
        raise ValueError(
            f"{path} holds an incomplete or invalid training history (epochs per metric: "
            f"{sorted(lengths)}). Delete it and run the training notebook again."
        )
    return history, record.get("details", {})
