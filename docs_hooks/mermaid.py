"""MkDocs hook: the site carries its own copy of Mermaid, so diagrams render offline.

Material for MkDocs draws ```` ```mermaid ```` blocks with the ``mermaid`` script, which it
fetches from a CDN unless the page has already loaded one. mkdocs.yml lists
``js/mermaid.min.js`` in ``extra_javascript``, and this hook adds that file to the site:
``dist/mermaid.min.js`` (MIT-licensed; its licence goes beside it) from the ``mermaid`` package
on the npm registry, at the version pinned below, fetched with ``npm pack`` once per machine
into a cache folder and checked against the pinned hash. Building the docs therefore needs npm
(and the registry, the first time); the site it builds needs nothing but itself.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

VERSION = "11.17.2"  # the major version Material for MkDocs 9 loads from its CDN
INTEGRITY = (
    "sha512-V6K3C8EBdEsPFZXSKMJe6ppQOENxuHARr9GvHX4hh47lAbhMRD9qf4oEK7LoaRQxULMa80/qt5gHO73aCleBBg=="
)
"""The npm registry's ``dist.integrity`` of ``mermaid-{VERSION}.tgz``."""

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "threadpool-docs"
WANTED = {"package/dist/mermaid.min.js": "mermaid.min.js", "package/LICENSE": "mermaid.LICENSE"}


def on_files(files: Files, config: MkDocsConfig) -> Files:
    folder = _unpacked()
    for name in WANTED.values():
        files.append(File.generated(config, f"js/{name}", abs_src_path=str(folder / name)))
    return files


def _unpacked() -> Path:
    """The cache folder holding this version's files, filled on first use."""
    folder = CACHE / f"mermaid-{VERSION}"
    if all((folder / name).is_file() for name in WANTED.values()):
        return folder
    npm = shutil.which("npm")
    if npm is None:
        raise PluginError("the docs bundle Mermaid from the npm registry: install npm (Node.js)")
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as scratch:
        subprocess.run(
            [npm, "pack", f"mermaid@{VERSION}", "--pack-destination", scratch, "--silent"],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=300,
        )
        tarball = Path(scratch) / f"mermaid-{VERSION}.tgz"
        digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        if f"sha512-{digest}" != INTEGRITY:
            raise PluginError(f"{tarball.name} does not match the pinned hash: not using it")
        unpacked = Path(scratch) / "unpacked"
        unpacked.mkdir()
        with tarfile.open(tarball) as archive:
            for member, name in WANTED.items():
                source = archive.extractfile(member)
                assert source is not None, member
                (unpacked / name).write_bytes(source.read())
        # Another build may have got there first; either copy is the same.
        try:
            unpacked.rename(folder)
        except OSError:
            if not folder.is_dir():
                raise
    return folder
