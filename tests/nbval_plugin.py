"""pytest settings for the suite (loaded with -p tests.nbval_plugin).

- the header says which CPU case the run covers: TensorFlow's oneDNN kernels
  on or off, native bfloat16 or not (`make test ONEDNN=0` switches oneDNN off);
- stderr is not compared: TensorFlow writes log lines there that depend on the
  machine, and a saved-from-JupyterLab notebook holds stderr that pytest's
  kernel does not reproduce;
- each output message may take up to a minute: nbval's default of 5 seconds
  times out while a model trains on a loaded 2-core machine.
"""

import os


def pytest_report_header(config):
    from mnist_helpers.models import bfloat16_flags, cpu_supports_bfloat16, onednn_enabled

    setting = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "not set: TensorFlow's default")
    return [
        f"TensorFlow oneDNN: {'on' if onednn_enabled() else 'off'} "
        f"(TF_ENABLE_ONEDNN_OPTS {setting}); native bfloat16 flags: "
        f"{', '.join(bfloat16_flags()) or 'none'}; mixed bfloat16 used: {cpu_supports_bfloat16()}"
    ]


def pytest_collectstart(collector):
    if hasattr(collector, "skip_compare"):
        collector.skip_compare = (*collector.skip_compare, "stderr")


def pytest_collection_modifyitems(items):
    for item in items:
        if hasattr(item, "output_timeout"):
            item.output_timeout = 60
