"""Handouts for a workshop: student copies of the notebooks, and HTML pages.

    python tools/handouts.py student [--out build/student]
    python tools/handouts.py html [--from build/notebooks] [--out build/html]

`student` copies the notebooks with every output cleared and the solutions
(cells tagged `solution`, and the "**Solution**" notes above them) removed,
next to the helper package and the setup files, and zips the lot.
`html` renders notebooks (by default the executed copies of `make run`) to
one HTML page each, with an index page, for reading without Jupyter.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import zipfile
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

PROJECT = Path(__file__).resolve().parent.parent
SUPPORT_FILES = ["README.md", "requirements.txt", "pyproject.toml", "environment.yml", "Makefile"]


def student_version(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without solutions and without outputs."""
    cells = []
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", [])
        if "solution" in tags or cell.source.startswith("**Solution**"):
            continue
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("jupyter", None)
        cells.append(cell)
    notebook.cells = cells
    return notebook


def make_student_copies(notebooks: Path, out: Path) -> Path:
    """Write student copies under ``out`` and zip them; return the zip's path."""
    shutil.rmtree(out, ignore_errors=True)
    (out / "notebooks").mkdir(parents=True)
    for path in sorted(notebooks.glob("[0-9][0-9]_*.ipynb")):
        notebook = student_version(nbformat.read(path, as_version=4))
        nbformat.write(notebook, out / "notebooks" / path.name)
    if (notebooks / "images").is_dir():
        shutil.copytree(notebooks / "images", out / "notebooks" / "images")
    shutil.copytree(
        PROJECT / "mnist_helpers",
        out / "mnist_helpers",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in SUPPORT_FILES:
        if (PROJECT / name).exists():
            shutil.copy2(PROJECT / name, out / name)
    archive = out.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(out.rglob("*")):
            if path.is_file():
                zipped.write(path, Path(out.name) / path.relative_to(out))
    return archive


def make_html(notebooks: Path, out: Path) -> Path:
    """Render each notebook in ``notebooks`` to ``out``; return the index page."""
    paths = sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise SystemExit(f"No notebooks in {notebooks}: run `make run` first.")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    exporter = HTMLExporter()
    items = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": path.stem}})
        (out / f"{path.stem}.html").write_text(body, encoding="utf-8")
        title = next(
            (
                c.source.splitlines()[0].lstrip("# ")
                for c in notebook.cells
                if c.cell_type == "markdown"
            ),
            path.stem,
        )
        items.append(f'<li><a href="{path.stem}.html">{title}</a></li>')
    index = out / "index.html"
    index.write_text(
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        "<title>MNIST with Keras: the notebooks</title></head><body>\n"
        "<h1>Handwritten digit recognition with Keras</h1>\n<ol>\n"
        + "\n".join(items)
        + "\n</ol>\n</body></html>\n",
        encoding="utf-8",
    )
    return index


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    student = commands.add_parser("student", help="student copies and a zip")
    student.add_argument("--out", type=Path, default=PROJECT / "build" / "student")
    html = commands.add_parser("html", help="executed notebooks as HTML pages")
    html.add_argument("--from", dest="source", type=Path, default=PROJECT / "build" / "notebooks")
    html.add_argument("--out", type=Path, default=PROJECT / "build" / "html")
    args = parser.parse_args()
    if args.command == "student":
        archive = make_student_copies(PROJECT / "notebooks", args.out)
        print(f"Student copies in {args.out}/notebooks, zipped as {archive}")
    else:
        index = make_html(args.source, args.out)
        print(f"HTML pages in {args.out}; open {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
