"""The public face: ``threadpool.__all__`` (a tuple) lists exactly the public objects the
package defines, each documented; and the package under test is the one we meant to test."""

from __future__ import annotations
import __future__

import ast
import importlib
import importlib.metadata
import inspect
import itertools
import os
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

import threadpool

ROOT = Path(__file__).resolve().parents[1]
API_PAGE = ROOT / "docs" / "api.md"

NOT_EXPORTS = {"__version__"}
"""Public-looking attributes of the package that are deliberately not in ``__all__``."""


def defined_in_package(obj: object) -> bool:
    module = getattr(obj, "__module__", None)
    return isinstance(module, str) and (module == "threadpool" or module.startswith("threadpool."))


def public_attributes() -> dict[str, Any]:
    """The package's attributes that do not start with ``_``, without the modules it imports
    (``logging``) and ``from __future__`` features (``annotations``). Read through ``dir()``
    and ``getattr()``, which include what the package makes on first use (``OnFull``)."""
    return {
        name: value
        for name, value in ((name, getattr(threadpool, name)) for name in dir(threadpool))
        if not name.startswith("_")
        and not inspect.ismodule(value)
        and not isinstance(value, __future__._Feature)
    }


def attribute_docstring(module: Any, name: str) -> str | None:
    """The string literal right after ``name = ...`` at the top level of ``module``'s source:
    the attribute docstring that mkdocstrings shows for aliases such as ``OnFull`` (which is
    defined for type checkers only, under ``if TYPE_CHECKING:``, and made at run time on use)."""
    tree = ast.parse(inspect.getsource(module))
    body = [
        inner
        for node in tree.body
        for inner in (node.body if isinstance(node, ast.If) else [node])
    ]
    for node, following in itertools.pairwise(body):
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            if (
                isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                return following.value.value
            return None
    return None


def docstring(name: str) -> str | None:
    obj = getattr(threadpool, name)
    if inspect.isclass(obj) or inspect.isfunction(obj):
        return obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__
    # An alias or constant: documented beside its assignment in the private module that
    # defines it (the one whose ``__all__`` lists it).
    for module_name in sorted(sys.modules):
        if module_name.startswith("threadpool._"):
            module = sys.modules[module_name]
            if name in getattr(module, "__all__", ()) and getattr(module, name) is obj:
                return attribute_docstring(module, name)
    return None


# ---------------------------------------------------------------- __all__


def test_all_is_a_tuple_of_unique_names() -> None:
    assert isinstance(threadpool.__all__, tuple)
    assert all(isinstance(name, str) for name in threadpool.__all__)
    assert len(set(threadpool.__all__)) == len(threadpool.__all__)


def test_all_names_exist_and_are_public() -> None:
    for name in threadpool.__all__:
        assert not name.startswith("_"), name
        assert hasattr(threadpool, name), f"{name} is in __all__ but not in the package"


def test_every_public_attribute_is_in_all() -> None:
    """Every public class, function or alias the package exposes must be listed: forgetting one
    would hide it from ``from threadpool import *``, from the docstring and docs checks below,
    and from readers of ``__all__``. (Aliases such as ``OnFull``, a ``typing.Literal``, carry no
    ``__module__`` of ours, so this counts every public attribute, not only our classes.)"""
    assert set(public_attributes()) - NOT_EXPORTS == set(threadpool.__all__)


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, Any] = {}
    exec("from threadpool import *", namespace)
    namespace.pop("__builtins__")
    assert set(namespace) == set(threadpool.__all__)


@pytest.mark.parametrize("name", threadpool.__all__)
def test_export_is_defined_in_the_package(name: str) -> None:
    """What ``__all__`` names is the package's own (or, for a typing alias, defined in one of
    its modules), not something re-exported from elsewhere."""
    obj = getattr(threadpool, name)
    if inspect.isclass(obj) or inspect.isfunction(obj):
        assert defined_in_package(obj), f"{name} comes from {obj.__module__}"
        assert obj.__module__.startswith("threadpool._"), "defined in a private module"


@pytest.mark.parametrize("name", threadpool.__all__)
def test_export_has_a_docstring(name: str) -> None:
    doc = docstring(name)
    assert doc is not None, f"{name} has no docstring of its own"
    assert doc.strip(), f"{name} has an empty docstring"


@pytest.mark.parametrize("name", threadpool.__all__)
def test_export_is_on_the_api_page(name: str) -> None:
    if not API_PAGE.is_file():
        pytest.skip(f"{API_PAGE} is not in this checkout")
    assert f"::: threadpool.{name}\n" in API_PAGE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "name", [n for n in threadpool.__all__ if inspect.isclass(getattr(threadpool, n))]
)
def test_public_members_have_docstrings(name: str) -> None:
    """Every public method and property a class defines itself is documented."""
    cls = getattr(threadpool, name)
    undocumented = [
        member
        for member, value in vars(cls).items()
        if not member.startswith("_")
        and (inspect.isfunction(value) or isinstance(value, (property, staticmethod, classmethod)))
        and not (inspect.getdoc(getattr(cls, member)) or "").strip()
    ]
    assert undocumented == []


@pytest.mark.parametrize("module_name", ["_errors", "_executor", "_pool", "_state"])
def test_private_modules_all_agree_with_the_package(module_name: str) -> None:
    """Each private module's ``__all__`` is a tuple of names the package re-exports as is."""
    module = importlib.import_module(f"threadpool.{module_name}")
    assert isinstance(module.__all__, tuple)
    for name in module.__all__:
        assert name in threadpool.__all__, f"{module_name}.{name} is not exported"
        assert getattr(threadpool, name) is getattr(module, name)


def test_version_is_a_string() -> None:
    assert isinstance(threadpool.__version__, str)
    assert threadpool.__version__.count(".") >= 2


def test_version_is_the_installed_distributions() -> None:
    """The package is installed as ``typed-threadpool`` (the index's ``threadpool`` is another
    project), and its metadata carries the version written in ``threadpool.__version__``."""
    assert importlib.metadata.version("typed-threadpool") == threadpool.__version__


# ---------------------------------------------------------------- the package under test


def test_py_typed_marker_is_installed() -> None:
    """Without ``py.typed`` in the package, type checkers ignore our annotations."""
    assert (Path(threadpool.__file__).parent / "py.typed").is_file()


def test_the_copy_under_test_is_the_intended_one() -> None:
    """The nox sessions install the wheel and set THREADPOOL_TEST_INSTALLED=1: the tests must
    then exercise that installed copy, not ``src/``. Otherwise the README's editable install
    is under test, which is ``src/`` itself."""
    location = Path(threadpool.__file__).resolve()
    if os.environ.get("THREADPOOL_TEST_INSTALLED") == "1":
        site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
        assert site_packages in location.parents, f"threadpool imported from {location}"
        assert (ROOT / "src") not in location.parents
    else:
        assert (ROOT / "src").resolve() in location.parents, f"imported from {location}"
