"""Execute the tutorial notebooks in order with papermill, into a build folder.

    python tools/run_notebooks.py [--out build/notebooks] [-p name value ...] [NB ...]

The source notebooks in notebooks/ are only read. The executed copies are
written to a temporary folder next to --out and moved into place when every
notebook has run, so an interrupted or failed run never leaves a mix of old and
new copies (the next run starts by deleting the leftovers). Data come from
MNIST_DATA, or Keras' download, or the bundled sample (see mnist_helpers.data).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import signal
import sys
import time
from pathlib import Path

import papermill

PROJECT = Path(__file__).resolve().parent.parent
NOTEBOOKS = PROJECT / "notebooks"


def parse_value(text: str) -> object:
    """Turn a command-line value into None, a bool, an int, a float or a str."""
    special = {"None": None, "True": True, "False": False}
    if text in special:
        return special[text]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def start_clean(out: Path, partial: Path, previous: Path) -> None:
    """Remove what an interrupted run left behind, keeping the last complete run.

    ``partial`` (a run stopped half way) is deleted. ``previous`` is the last
    complete run set aside while the new one was swapped in: it is put back if
    the swap did not finish, and deleted otherwise.
    """
    if partial.exists():
        print(f"Removing {partial}, left by an interrupted run.", flush=True)
        shutil.rmtree(partial)
    if previous.exists():
        if out.exists():
            shutil.rmtree(previous)
        else:
            previous.rename(out)


def interrupted(name: str, out: Path) -> str:
    """The message for a run stopped with Ctrl+C."""
    kept = f"{out} still holds the last complete run" if out.exists() else f"{out} was not made"
    return (
        f"\nInterrupted while running {name}. The source notebooks are unchanged and "
        f"{kept}; the next run starts clean."
    )


def watch_for_ctrl_c() -> list[int]:
    """Note every Ctrl+C (SIGINT) in a list, then let Python raise KeyboardInterrupt as usual.

    Ctrl+C reaches the kernel too, and a kernel that is still starting dies
    of it; papermill then raises an error about a dead kernel instead of
    KeyboardInterrupt. The list tells the two apart.
    """
    seen: list[int] = []

    def note(signum, frame):
        seen.append(signum)
        signal.default_int_handler(signum, frame)

    signal.signal(signal.SIGINT, note)
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="names, e.g. 05_simple_nn (default: all)")
    parser.add_argument("--out", default=str(PROJECT / "build" / "notebooks"))
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
    )
    args = parser.parse_args()
    # papermill logs each cell's output (log_output=True below) at INFO level: show
    # it, so that a long run prints its progress as it goes.
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    out = Path(args.out).resolve()
    if out == NOTEBOOKS or NOTEBOOKS in out.parents:
        parser.error(f"--out {out} is inside notebooks/: executed copies never go there")
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if args.notebooks:
        wanted = {name.removesuffix(".ipynb") for name in args.notebooks}
        paths = [path for path in paths if path.stem in wanted]
        missing = wanted - {path.stem for path in paths}
        if missing:
            parser.error(f"no such notebook: {', '.join(sorted(missing))}")
    parameters = {name: parse_value(value) for name, value in args.parameter}

    partial = out.with_name(out.name + ".partial")
    previous = out.with_name(out.name + ".previous")
    start_clean(out, partial, previous)
    partial.mkdir(parents=True)
    timings = []
    ctrl_c = watch_for_ctrl_c()
    for path in paths:
        print(f"--- {path.name}", flush=True)
        start = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(path),
                str(partial / path.name),
                parameters=parameters,
                cwd=str(NOTEBOOKS),
                progress_bar=False,
                log_output=True,
            )
        except BaseException as error:
            in_the_kernel = getattr(error, "ename", None) == "KeyboardInterrupt"
            if ctrl_c or in_the_kernel or isinstance(error, KeyboardInterrupt):
                print(interrupted(path.name, out), file=sys.stderr)
                return 130
            if not isinstance(error, papermill.PapermillExecutionError):
                raise
            print(
                f"\nFAILED: {path.name}, cell {error.exec_count}: {error.ename}: "
                f"{error.evalue}\nThe executed copy, with the error, is "
                f"{partial / path.name}. The source notebooks are unchanged.",
                file=sys.stderr,
            )
            return 1
        timings.append((path.name, time.perf_counter() - start))

    # Swap in the new copies: the old folder is set aside first and deleted last,
    # so that a run stopped here leaves a complete folder that start_clean() finds.
    if out.exists():
        out.rename(previous)
    partial.rename(out)
    shutil.rmtree(previous, ignore_errors=True)
    print("\nSeconds per notebook:")
    for name, seconds in timings:
        print(f"  {name:<28} {seconds:7.1f}")
    print(f"Executed notebooks are in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
