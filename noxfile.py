"""Nox sessions: the test suite on every CPython from 3.10 to 3.13 that this machine has, run
against the built wheel (not ``src/``), plus lint, types, docs and a benchmark smoke run.
CPython 3.14 and 3.15, which pyenv does not have here, run in a Debian chroot instead:
``.ci/chroot-pythons WHEEL`` (as root; ``.ci/run`` does it).

    nox                            # every session
    nox -s tests                   # the suite on each interpreter found
    nox -s tests-3.12 -- -k async  # arguments after ``--`` go to pytest
    nox -s stdlib_executor_tests   # CPython's own executor tests against the drop-in
    nox -s lint types docs bench_smoke examples

Interpreters are found on ``PATH`` as ``python3.X``; pyenv's versions are found too, even when
only pyenv's shims are on ``PATH`` (see ``expose_pyenv_interpreters``). A version that is not
installed is skipped, never downloaded. ``THREADPOOL_WHEEL=path/to.whl`` tests a wheel built
beforehand (``.ci/run`` builds one and shares it between its nox processes); otherwise the
first session that needs one builds it, once per nox run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import nox

nox.needs_version = ">=2025.5.1"
nox.options.default_venv_backend = "virtualenv"
nox.options.error_on_missing_interpreters = False  # a missing version is skipped, loudly
nox.options.download_python = "never"  # test what the machine has; fetch nothing
nox.options.reuse_venv = "no"
nox.options.sessions = [
    "tests",
    "stdlib_executor_tests",
    "tests_fast_switching",
    "tests_free_threaded",
    "lint",
    "types",
    "docs",
    "bench_smoke",
    "examples",
]

ROOT = Path(__file__).resolve().parent
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
DEFAULT_PYTHON = "3.11"
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")


def expose_pyenv_interpreters() -> None:
    """Make pyenv's interpreters findable as ``python3.X`` on ``PATH``.

    pyenv's shim for ``python3.10`` exists but fails unless 3.10 is the selected version, so a
    plain ``PATH`` lookup finds a command that does not run. For each version in ``PYTHONS``,
    link the newest ``$(pyenv root)/versions/3.X.Y/bin/python3.X`` into ``.nox/.interpreters``
    and put that folder first on ``PATH``. Only the ``python3.X`` names are linked, so
    ``python3``, ``pip`` and friends still resolve as before. Without pyenv, nothing changes.
    """
    root = os.environ.get("PYENV_ROOT")
    if not root and shutil.which("pyenv"):
        found = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
        root = found.stdout.strip()
    versions = Path(root or Path.home() / ".pyenv") / "versions"
    if not versions.is_dir():
        return
    links = ROOT / ".nox" / ".interpreters"
    links.mkdir(parents=True, exist_ok=True)
    for minor in PYTHONS:
        candidates = [
            path / "bin" / f"python{minor}"
            for path in versions.iterdir()
            if re.fullmatch(rf"{re.escape(minor)}\.\d+", path.name)
            and (path / "bin" / f"python{minor}").is_file()
        ]
        if not candidates:
            continue
        newest = max(candidates, key=lambda p: int(p.parent.parent.name.rsplit(".", 1)[1]))
        # Replace the link atomically: .ci/run starts two nox processes at once.
        staging = links / f".python{minor}.{os.getpid()}"
        staging.unlink(missing_ok=True)
        staging.symlink_to(newest)
        os.replace(staging, links / f"python{minor}")
    os.environ["PATH"] = f"{links}{os.pathsep}{os.environ.get('PATH', '')}"


expose_pyenv_interpreters()


def requirement(extra: str, name: str) -> str:
    """The requirement for ``name`` in the ``extra`` optional dependencies of pyproject.toml,
    so a session installs the version range the project declares."""
    for spec in PYPROJECT["project"]["optional-dependencies"][extra]:
        if re.match(rf"{re.escape(name)}\b(?![-_.])", spec):
            return str(spec)
    raise LookupError(f"{name!r} is not in the {extra!r} extra of pyproject.toml")


_built_wheel: list[Path] = []


def wheel(session: nox.Session) -> Path:
    """The wheel under test: ``$THREADPOOL_WHEEL``, or one built from an sdist of the working
    tree, once per nox run (building from the sdist also proves the sdist is complete)."""
    if given := os.environ.get("THREADPOOL_WHEEL"):
        path = Path(given).resolve()
        if not path.is_file():
            session.error(f"THREADPOOL_WHEEL={given} is not a file")
        return path
    if not _built_wheel:
        dist = ROOT / ".nox" / ".dist"
        shutil.rmtree(dist, ignore_errors=True)
        session.install("build")
        session.run("python", "-m", "build", "--outdir", str(dist), str(ROOT))
        (built,) = dist.glob("typed_threadpool-*.whl")
        _built_wheel.append(built)
    return _built_wheel[0]


CHECK_INSTALLED = """
import sys, sysconfig
from pathlib import Path
import threadpool
location = Path(threadpool.__file__).resolve()
site = Path(sysconfig.get_paths()["purelib"]).resolve()
print(f"threadpool {threadpool.__version__} from {location.parent} on {sys.version.split()[0]}")
if site not in location.parents:
    sys.exit(f"threadpool was imported from {location}, not from the installed wheel in {site}")
"""


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Install the wheel with the ``test`` extra into a fresh environment and run the suite.

    pytest runs from the project root, where only ``src/threadpool`` exists, never
    ``threadpool``: so ``import threadpool`` can only find the installed copy, which the
    check below and ``test_imported_from_site_packages_not_the_source_tree`` confirm.
    """
    _run_installed_suite(session, env={})


def _run_installed_suite(session: nox.Session, *paths: str, env: dict[str, str]) -> None:
    session.install("--no-compile", f"{wheel(session)}[test]")
    session.run("python", "-c", CHECK_INSTALLED)
    session.run(
        "python",
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        *paths,
        *session.posargs,
        env={"THREADPOOL_TEST_INSTALLED": "1", **env},
    )


HAS_STDLIB_TESTS = (
    "import importlib.util; print(importlib.util.find_spec('test.test_concurrent_futures') "
    "is not None)"
)


@nox.session(python=PYTHONS)
def stdlib_executor_tests(session: nox.Session) -> None:
    """CPython's own ThreadPoolExecutor tests against the wheel's drop-in (see
    ``.ci/stdlib_executor_tests.py``); skipped on an interpreter without its ``test`` package."""
    found = session.run("python", "-c", HAS_STDLIB_TESTS, silent=True)
    if not found or found.strip() != "True":
        session.skip("this interpreter has no test.test_concurrent_futures (the test package)")
    session.install("--no-compile", str(wheel(session)))
    session.run("python", "-c", CHECK_INSTALLED)
    session.run("python", str(ROOT / ".ci" / "stdlib_executor_tests.py"), *session.posargs)


@nox.session(python=DEFAULT_PYTHON)
def tests_fast_switching(session: nox.Session) -> None:
    """The stress and model tests with the interpreter switching threads every microsecond
    for the whole session (``THREADPOOL_SWITCH_INTERVAL``), against the wheel."""
    _run_installed_suite(
        session, "tests/stress", "tests/model", env={"THREADPOOL_SWITCH_INTERVAL": "1e-6"}
    )


FREE_THREADED = ["3.14t", "3.13t"]

GIL_DISABLED = """
import sys
if sys._is_gil_enabled():
    sys.exit("this interpreter runs with the GIL enabled: the run would prove nothing")
"""


@nox.session(python=FREE_THREADED)
def tests_free_threaded(session: nox.Session) -> None:
    """The whole suite on a free-threaded interpreter (``python3.14t``, ``python3.13t``) with
    ``PYTHON_GIL=0``, so that no extension can turn the GIL back on. nox skips it, saying so,
    on a machine that has neither."""
    session.run("python", "-c", GIL_DISABLED, env={"PYTHON_GIL": "0"})
    _run_installed_suite(session, env={"PYTHON_GIL": "0"})


@nox.session(python=DEFAULT_PYTHON)
def lint(session: nox.Session) -> None:
    """ruff, with the rules in pyproject.toml."""
    session.install(requirement("test", "ruff"))
    session.run("ruff", "check", *session.posargs)


@nox.session(python=DEFAULT_PYTHON)
def types(session: nox.Session) -> None:
    """``mypy --strict`` on the source and, against the installed wheel (so ``py.typed`` must be
    in it), on ``tests/typing``; then pyright on ``tests/typing``."""
    session.install(f"{wheel(session)}[test]", "pyright")
    session.run("mypy", "--strict", "src")
    session.run("mypy", "--strict", "tests/typing")
    # PYRIGHT_PYTHON_FORCE_VERSION unset: the pyright wheel carries its own copy of pyright
    # and runs it with the machine's node; it downloads nothing.
    session.run(
        "pyright",
        "--pythonpath",
        str(Path(session.bin) / "python"),
        "tests/typing",
        env={"PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"},
    )


@nox.session(python=DEFAULT_PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site; with ``--strict`` a warning (a broken link, a missing
    page, a reference that does not resolve) fails the build."""
    session.install(f"{wheel(session)}[docs]")
    site = session.create_tmp()
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        str(Path(site) / "site"),
        env={"NO_MKDOCS_2_WARNING": "1"},  # a notice about a future MkDocs, not about us
    )


@nox.session(python=DEFAULT_PYTHON)
def bench_smoke(session: nox.Session) -> None:
    """Run the benchmarks in their quick mode against the wheel: they must run, not be fast."""
    if not (ROOT / "benchmarks" / "__main__.py").is_file():
        session.skip("benchmarks/__main__.py does not exist yet")
    session.install(str(wheel(session)))
    session.run("python", "-m", "benchmarks", "--quick", *session.posargs)
    # The diagnostic scripts, at their smallest (instructions.py needs valgrind: not here).
    session.run("python", "benchmarks/floor.py", "--reps", "1", "--tasks", "2000")
    session.run("python", "-m", "benchmarks.io_trace", "--reps", "1")
    session.run("python", "-m", "benchmarks.resize_trace", "--quick")
    session.run("python", "-m", "benchmarks.group_failfast", "--quick")
    session.run("python", "-m", "benchmarks.latency_split", "--reps", "1", "--samples", "20")
    session.run("python", "benchmarks/import_time.py", "--rounds", "1")


EXAMPLE_OUTPUT = [
    # (a line examples/scaling_out.py must print, as a regular expression)
    r"threadpool\.ThreadPool +[0-9.]+ s",
    r"ProcessPoolExecutor +[0-9.]+ s",
    r"Dask cluster: scheduler and \d+ workers on tcp://127\.0\.0\.1:\d+(, tcp://127\.0\.0\.1:\d+)+",
    r"Dask ClientExecutor +[0-9.]+ s",
    r"all executors returned the same 8 counts",
]


@nox.session(python=DEFAULT_PYTHON)
def examples(session: nox.Session) -> None:
    """Run examples/scaling_out.py against the wheel with the ``distributed`` extra: on a
    ThreadPool, a ProcessPoolExecutor and a local Dask cluster that it starts on the loopback
    address and stops; check that every run happened and that they agreed. Bounded in time."""
    session.install(f"{wheel(session)}[distributed]")
    command = ["python", "examples/scaling_out.py"]
    if shutil.which("timeout"):  # coreutils: kill a hung cluster instead of stalling CI
        command = ["timeout", "--kill-after=10", "240", *command]
    output = session.run(*command, silent=True, external=True)
    assert isinstance(output, str)
    session.log(output)
    lines = output.splitlines()
    for pattern in EXAMPLE_OUTPUT:
        if not any(re.fullmatch(pattern, line) for line in lines):
            session.error(f"examples/scaling_out.py printed no line like {pattern!r}")
