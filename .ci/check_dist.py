"""Check the release artefacts in a folder made by ``python -m build``: what a user would get.

    python .ci/check_dist.py DIST_DIR            # .ci/run does this with the wheel it built
    python .ci/check_dist.py DIST_DIR --release  # before an upload: the version has a dated section

1. ``twine check --strict`` on the sdist and the wheel (twine is in the ``dev`` extra).
2. The sdist carries every tracked file under ``tests/``, ``docs/`` and ``examples/``,
   ``CHANGELOG.md`` and ``LICENSE``: enough to run the tests and build the docs from it.
3. The wheel holds the package, with ``py.typed``, and nothing else: no tests, no benchmarks.
4. The metadata: the distribution's name, the version written in ``threadpool/__init__.py``, the
   project's URLs, the licence, with its text in the wheel.
5. CHANGELOG.md: ``[Unreleased]`` on top, every release below it dated; with ``--release``, the
   version being released has its own dated section.
6. A fresh virtual environment with nothing but the wheel (and its dependencies): the package
   imports from there, reports the installed version, and the README's example runs.

Prints what it checked; exits 1 after the first failed check, naming it.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
import tarfile
import tempfile
import venv
import zipfile
from email.parser import HeaderParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST_NAME = "typed-threadpool"
PACKAGE = "threadpool"
URLS = ("Documentation", "Changelog", "Source", "Issues")
SDIST_MUST_CARRY = ("tests", "docs", "examples", "CHANGELOG.md", "LICENSE")
RELEASE_HEADING = re.compile(r"## \[(?P<version>[^\]]+)\] - (?P<date>\d{4}-\d{2}-\d{2})")


class CheckFailed(Exception):
    """One check did not hold; the message says which and why."""


def ok(message: str) -> None:
    print(f"ok: {message}", flush=True)


def source_version() -> str:
    """The ``__version__`` string literal in ``src/threadpool/__init__.py``, read without importing
    the package (as setuptools reads it for the metadata)."""
    tree = ast.parse((ROOT / "src" / PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["__version__"]
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise CheckFailed("src/threadpool/__init__.py has no __version__ = '...' literal")


def artefacts(dist: Path) -> tuple[Path, Path]:
    sdists, wheels = sorted(dist.glob("*.tar.gz")), sorted(dist.glob("*.whl"))
    if len(sdists) != 1 or len(wheels) != 1:
        raise CheckFailed(f"want one sdist and one wheel in {dist}, found {sdists + wheels}")
    return sdists[0], wheels[0]


def check_twine(sdist: Path, wheel: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    print(done.stdout + done.stderr, end="")
    if done.returncode != 0:
        raise CheckFailed("twine check --strict failed")
    ok("twine check --strict on the sdist and the wheel")


def tracked_files(*paths: str) -> list[str]:
    """The files git tracks under ``paths``; in a copy without git, the files on disk."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--", *paths], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        listed = [
            str(f.relative_to(ROOT))
            for p in paths
            for f in ([ROOT / p] if (ROOT / p).is_file() else (ROOT / p).rglob("*"))
            if f.is_file() and "__pycache__" not in f.parts
        ]
    return sorted(listed)


def check_sdist(sdist: Path) -> None:
    with tarfile.open(sdist) as archive:
        # Every member sits under one top folder, "typed_threadpool-0.1.0/".
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    wanted = tracked_files(*SDIST_MUST_CARRY)
    if not any(name.startswith("tests/") for name in wanted):
        raise CheckFailed("found no tests to look for in the sdist")
    missing = [name for name in wanted if name not in names]
    if missing:
        raise CheckFailed(f"the sdist lacks {missing} (see MANIFEST.in)")
    ok(f"the sdist carries {', '.join(SDIST_MUST_CARRY)}: {len(wanted)} files")


def check_wheel(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    tops = {name.split("/", 1)[0] for name in names}
    strays = sorted(top for top in tops if top != PACKAGE and not top.endswith(".dist-info"))
    if strays:
        raise CheckFailed(f"the wheel holds more than the package: {strays}")
    unwanted = [n for n in names if re.search(r"(^|/)(tests?|benchmarks|conftest\.py)(/|$)", n)]
    if unwanted:
        raise CheckFailed(f"the wheel holds tests or benchmarks: {unwanted}")
    if f"{PACKAGE}/py.typed" not in names:
        raise CheckFailed("the wheel lacks threadpool/py.typed: type checkers would ignore it")
    modules = sorted(p.name for p in (ROOT / "src" / PACKAGE).glob("*.py"))
    missing = [m for m in modules if f"{PACKAGE}/{m}" not in names]
    if missing:
        raise CheckFailed(f"the wheel lacks modules of src/threadpool: {missing}")
    ok(f"the wheel holds threadpool/ ({len(modules)} modules and py.typed) and its metadata only")


def check_metadata(wheel: Path, version: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (path,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = HeaderParser().parsestr(archive.read(path).decode("utf-8"))
    if metadata["Name"] != DIST_NAME:
        raise CheckFailed(f"the distribution is called {metadata['Name']!r}, not {DIST_NAME!r}")
    if metadata["Version"] != version:
        raise CheckFailed(f"metadata version {metadata['Version']} != __version__ {version}")
    labels = {url.split(",", 1)[0].strip() for url in metadata.get_all("Project-URL") or []}
    if missing := [label for label in URLS if label not in labels]:
        raise CheckFailed(f"Project-URL lacks {missing}")
    if metadata["License-Expression"] != "MIT" or metadata.get_all("License-File") != ["LICENSE"]:
        raise CheckFailed("the metadata must give License-Expression MIT and License-File LICENSE")
    if not any(name.endswith(".dist-info/licenses/LICENSE") for name in names):
        raise CheckFailed("the wheel lacks the licence's text (.dist-info/licenses/LICENSE)")
    ok(
        f"{DIST_NAME} {version}, Requires-Python {metadata['Requires-Python']}, URLs {URLS},"
        " licence MIT with its text"
    )


def check_changelog(version: str, release: bool) -> None:
    headings = [
        line
        for line in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    ]
    if not headings or headings[0] != "## [Unreleased]":
        raise CheckFailed("CHANGELOG.md must start with the section ## [Unreleased]")
    released = {}
    for heading in headings[1:]:
        match = RELEASE_HEADING.fullmatch(heading)
        if not match:
            raise CheckFailed(f"CHANGELOG.md: {heading!r} is not '## [X.Y.Z] - YYYY-MM-DD'")
        released[match["version"]] = match["date"]
    if release and version not in released:
        raise CheckFailed(f"CHANGELOG.md has no dated section '## [{version}] - YYYY-MM-DD'")
    if version in released:
        ok(f"CHANGELOG.md: [Unreleased], then {version} released on {released[version]}")
    else:
        ok(f"CHANGELOG.md: [Unreleased] on top; {version} not released yet")


def readme_example() -> str:
    """The README's first Python block: the example a new user runs first."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^```python\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    if not match:
        raise CheckFailed("README.md has no ```python example")
    return match.group(1)


INSTALLED = """
import importlib.metadata, sys, sysconfig
from pathlib import Path
import threadpool
location = Path(threadpool.__file__).resolve()
purelib = Path(sysconfig.get_paths()["purelib"]).resolve()
assert purelib in location.parents, f"imported from {location}, not from {purelib}"
installed = importlib.metadata.version(sys.argv[1])
assert installed == threadpool.__version__ == sys.argv[2], (installed, threadpool.__version__)
print(f"threadpool {threadpool.__version__} from {location.parent}")
"""


def check_fresh_install(wheel: Path, version: str) -> None:
    with tempfile.TemporaryDirectory(prefix="threadpool-dist-") as scratch:
        env_dir = Path(scratch) / "venv"
        venv.create(env_dir, with_pip=True)
        python = str(env_dir / "bin" / "python")

        def run(*args: str) -> None:
            # From an empty folder, so nothing of the source tree is importable.
            done = subprocess.run(
                [python, *args], cwd=scratch, capture_output=True, text=True, check=False
            )
            print(done.stdout + done.stderr, end="")
            if done.returncode != 0:
                raise CheckFailed(f"in the fresh venv, {args[:3]} failed")

        run("-m", "pip", "install", "--quiet", "--no-compile", str(wheel))
        run("-m", "pip", "check")
        run("-c", INSTALLED, DIST_NAME, version)
        run("-c", readme_example())
    ok("a fresh venv installs the wheel alone, imports it and runs the README's example")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dist", type=Path, help="the folder python -m build wrote to")
    parser.add_argument("--release", action="store_true", help="require a dated CHANGELOG section")
    args = parser.parse_args()
    try:
        version = source_version()
        sdist, wheel = artefacts(args.dist)
        print(f"checking {sdist.name} and {wheel.name}", flush=True)
        check_twine(sdist, wheel)
        check_sdist(sdist)
        check_wheel(wheel)
        check_metadata(wheel, version)
        check_changelog(version, args.release)
        check_fresh_install(wheel, version)
    except CheckFailed as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    print("the release artefacts pass every check")
    return 0


if __name__ == "__main__":
    sys.exit(main())
