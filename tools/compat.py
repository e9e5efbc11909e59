"""Run every notebook with the package versions a learner meets elsewhere.

    python tools/compat.py colab     Colab's versions (googlecolab/backend-info)
    python tools/compat.py newest    the newest release of every package, unpinned

(`make test-compat` runs both.) Each builds its own environment in
build/compat/<name>/venv, runs every notebook there at the small settings of
tests/small_runs.json with papermill, and prints one line per notebook: OK,
or the cell and the error. The executed copies and a report.json stay in
build/compat/<name>/. Needs the network for the installs; the notebooks run
offline, on the bundled sample.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.small_runs import small_parameters, sources  # noqa: E402
from tools.make import (  # noqa: E402
    PROJECT,
    SetupError,
    find_python,
    python_version,
    supported_pythons,
)

# Colab's runtime as listed by github.com/googlecolab/backend-info, pip-freeze.txt
# and os-info.txt at commit a724079 (2026-08-19, "Upgrade to Python 3.13").
COLAB_PYTHON = (3, 13)
COLAB = [
    "tensorflow==2.20.0",
    "keras==3.13.2",
    "numpy==2.1.3",
    "matplotlib==3.10.0",
    "pillow==11.3.0",
    "ipykernel==6.17.1",
    "jupyter-client==7.4.9",
    "ipywidgets==7.7.1",
    "scikit-learn==1.6.1",
    "xgboost==3.4.1",
    "ipycanvas",  # not on Colab: the notebooks' install cell brings it with mnist-helpers
]
# What runs the notebooks; Colab itself has no papermill.
RUNNER = ["papermill"]
SAMPLE = PROJECT / "mnist_helpers" / "sample_data" / "mnist-sample.npz"


def learner_packages() -> list[str]:
    """The lines of requirements.txt without their pins (environment markers kept)."""
    lines = (PROJECT / "requirements.txt").read_text().splitlines()
    packages = []
    for line in lines:
        if line.strip() and not line.startswith("#"):
            name, _, rest = line.partition("==")
            marker = rest.partition(";")[2]
            packages.append(f"{name}; {marker.strip()}" if marker else name)
    return packages


def build(folder: Path, python: list[str], packages: list[str]) -> Path:
    """A virtual environment in ``folder`` with ``packages``, the runner and the helpers."""
    venv = folder / "venv"
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    if not (bin_dir / "python").exists() and not (bin_dir / "python.exe").exists():
        subprocess.run([*python, "-m", "venv", str(venv)], check=True)
    pip = [str(bin_dir / "python"), "-m", "pip", "--disable-pip-version-check", "install", "-q"]
    subprocess.run([*pip, *packages, *RUNNER], check=True)
    subprocess.run([*pip, "--no-deps", "--editable", str(PROJECT)], check=True)
    return bin_dir / "python"


def versions(python: Path) -> dict[str, str]:
    """The installed versions of the learner packages in that environment."""
    script = (
        "import importlib.metadata as m, json, sys\n"
        "def version(name):\n"
        "    try:\n"
        "        return m.version(name)\n"
        "    except m.PackageNotFoundError:\n"
        "        return 'not installed'\n"
        "print(json.dumps({name: version(name) for name in sys.argv[1:]}))"
    )
    done = subprocess.run(
        [str(python), "-c", script, *(p.split(";")[0] for p in learner_packages())],
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout) if done.returncode == 0 else {"error": done.stderr[-500:]}


def run_notebooks(python: Path, folder: Path) -> list[dict]:
    """Run every notebook with papermill in that environment; one result per notebook."""
    results = []
    env = {**os.environ, "MNIST_DATA": str(SAMPLE), "TF_CPP_MIN_LOG_LEVEL": "2"}
    env["MNIST_BUILD_DIR"] = str(folder / "build")
    for path in sources():
        out = folder / path.name
        parameters = [
            item
            for key, value in small_parameters(path).items()
            for item in ("-p", key, json.dumps(value) if not isinstance(value, str) else value)
        ]
        start = time.perf_counter()
        done = subprocess.run(
            [str(python), "-m", "papermill", str(path), str(out), "--cwd", str(path.parent),
             "-k", "python3", "--no-progress-bar", *parameters],
            capture_output=True,
            text=True,
            env=env,
        )  # fmt: skip
        result = {"notebook": path.stem, "seconds": round(time.perf_counter() - start, 1)}
        if done.returncode == 0:
            result["ok"] = True
        else:
            result["ok"] = False
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            result["error"] = " | ".join(lines[-3:])[-600:]
        results.append(result)
        status = "OK  " if result["ok"] else "FAIL"
        print(f"{status} {path.stem:<24} {result['seconds']:6.1f} s  {result.get('error', '')}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", choices=["colab", "newest"])
    parser.add_argument("--python", help="the Python to build with (default: found)")
    args = parser.parse_args(argv)
    folder = PROJECT / "build" / "compat" / args.which
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if args.which == "colab":
            python = args.python.split() if args.python else find_python(version=COLAB_PYTHON)
            packages = COLAB
        else:
            newest = supported_pythons()[-1]  # the newest Python too
            python = args.python.split() if args.python else find_python(version=newest)
            packages = learner_packages()
    except SetupError as error:
        print(error, file=sys.stderr)
        return 1
    found = python_version(python)
    print(f"{args.which}: Python {found[0]}.{found[1]} ({' '.join(python)}); {' '.join(packages)}")
    venv_python = build(folder, python, packages)
    installed = versions(venv_python)
    print("installed:", ", ".join(f"{name} {version}" for name, version in installed.items()))
    results = run_notebooks(venv_python, folder)
    report = {"which": args.which, "python": found, "installed": installed, "results": results}
    (folder / "report.json").write_text(json.dumps(report, indent=1))
    failed = [result["notebook"] for result in results if not result["ok"]]
    print(f"{len(results) - len(failed)} of {len(results)} notebooks ran with {args.which}'s "
          f"versions" + (f"; failed: {', '.join(failed)}" if failed else "."))  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
