"""MkDocs hook: write the package's version where a page says ``{{ threadpool_version }}``.

The version is read from ``src/threadpool/__init__.py`` (its ``__version__``, the one place it
is written), without importing the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

MARKER = "{{ threadpool_version }}"
SOURCE = Path(__file__).resolve().parents[1] / "src" / "threadpool" / "__init__.py"


def version() -> str:
    for node in ast.parse(SOURCE.read_text(encoding="utf-8")).body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["__version__"]
            and isinstance(node.value, ast.Constant)
        ):
            return str(node.value.value)
    raise LookupError(f"no __version__ = '...' in {SOURCE}")


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    return markdown.replace(MARKER, version())
