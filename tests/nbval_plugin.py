"""pytest settings for running the notebooks with nbval (loaded with -p).

- stderr is not compared: TensorFlow writes log lines there that depend on the
  machine, and a saved-from-JupyterLab notebook holds stderr that pytest's
  kernel does not reproduce.
- each output message may take up to a minute: nbval's default of 5 seconds
  times out while a model trains on a loaded 2-core machine.
"""


def pytest_collectstart(collector):
    if hasattr(collector, "skip_compare"):
        collector.skip_compare = (*collector.skip_compare, "stderr")


def pytest_collection_modifyitems(items):
    for item in items:
        if hasattr(item, "output_timeout"):
            item.output_timeout = 60
