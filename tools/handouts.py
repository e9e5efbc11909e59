"""Handouts for a workshop: student copies of the notebooks, and HTML pages.

    python tools/handouts.py student [--out build/student]
    python tools/handouts.py html [--from build/notebooks] [--out build/html]

`student` copies the notebooks with every output cleared and the cells tagged
`solution` removed (nbconvert's ClearOutputPreprocessor and
TagRemovePreprocessor), next to the helper package and the setup files, and
zips the lot. `html` renders notebooks (by default the executed copies of
`make run`) as a small website: one page each, linked in order, and an index.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import zipfile
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

PROJECT = Path(__file__).resolve().parent.parent
SUPPORT_FILES = [
    "README.md",
    "requirements.txt",
    "pyproject.toml",
    "environment.yml",
    "Makefile",
    "tools/make.py",
]


def student_version(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without the cells tagged ``solution`` and without outputs."""
    resources: dict = {}
    notebook, _ = TagRemovePreprocessor(remove_cell_tags={"solution"}).preprocess(
        notebook, resources
    )
    notebook, _ = ClearOutputPreprocessor().preprocess(notebook, resources)
    for cell in notebook.cells:
        cell.metadata.pop("jupyter", None)  # nothing left to keep collapsed
    return notebook


def make_student_copies(notebooks: Path, out: Path) -> Path:
    """Write student copies under ``out`` and zip them; return the zip's path."""
    shutil.rmtree(out, ignore_errors=True)
    (out / "notebooks").mkdir(parents=True)
    for path in sorted(notebooks.glob("[0-9][0-9]_*.ipynb")):
        notebook = student_version(nbformat.read(path, as_version=4))
        nbformat.write(notebook, out / "notebooks" / path.name)
    shutil.copytree(
        PROJECT / "mnist_helpers",
        out / "mnist_helpers",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in SUPPORT_FILES:
        if (PROJECT / name).exists():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT / name, out / name)
    archive = out.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(out.rglob("*")):
            if path.is_file():
                zipped.write(path, Path(out.name) / path.relative_to(out))
    return archive


STYLE = (
    "<style>nav.series{font:15px sans-serif;padding:8px 16px;background:#f3f3f3;"
    "display:flex;gap:24px}nav.series a{color:#0b57d0}</style>"
)


def title_of(notebook: nbformat.NotebookNode, default: str) -> str:
    """The notebook's first heading, without the #."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("#"):
            return cell.source.splitlines()[0].lstrip("# ")
    return default


def navigation(titles: list[tuple[str, str]], index: int) -> str:
    """Links to the previous notebook, the index and the next notebook."""
    links = []
    if index > 0:
        links.append(f'<a href="{titles[index - 1][0]}.html">&larr; {titles[index - 1][1]}</a>')
    links.append('<a href="index.html">All notebooks</a>')
    if index + 1 < len(titles):
        links.append(f'<a href="{titles[index + 1][0]}.html">{titles[index + 1][1]} &rarr;</a>')
    return f'<nav class="series">{"".join(links)}</nav>'


def make_html(notebooks: Path, out: Path) -> Path:
    """A small website of the executed notebooks in ``notebooks``; return its index page.

    One page per notebook (nbconvert's HTML, outputs and figures included),
    with links to the previous and next notebook and to the index, which
    lists the series in order.
    """
    paths = sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise SystemExit(f"No notebooks in {notebooks}: run `make run` first.")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    exporter = HTMLExporter()
    loaded = [(path, nbformat.read(path, as_version=4)) for path in paths]
    titles = [(path.stem, title_of(notebook, path.stem)) for path, notebook in loaded]
    for number, (path, notebook) in enumerate(loaded):
        body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": path.stem}})
        nav = navigation(titles, number)
        body = body.replace("</head>", f"{STYLE}</head>", 1)
        opening = re.search(r"<body[^>]*>", body)
        body = body[: opening.end()] + nav + body[opening.end() :]
        body = body.replace("</body>", f"{nav}</body>", 1)
        (out / f"{path.stem}.html").write_text(body, encoding="utf-8")
    items = "\n".join(f'<li><a href="{stem}.html">{title}</a></li>' for stem, title in titles)
    index = out / "index.html"
    index.write_text(
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>MNIST with Keras: the notebooks</title>{STYLE}</head><body>\n"
        "<h1>Handwritten digit recognition with Keras</h1>\n"
        "<p>The tutorial's notebooks, executed, with their outputs and figures. "
        "Read them in order; each page links to the next.</p>\n<ol>\n"
        + items
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
