"""The layout of the package's modules: the data's constants at the top.

In every module of workflow/impact_regions/, each module-level assignment to an UPPER_CASE name
(a constant: column lists, thresholds, labels, patterns) comes before the module's first
top-level `def` or `class`; only the module docstring, `from __future__`, the imports and
`__all__` may come first. A reader then finds every constant of a module in one place, before
the code that uses them (issue 14: "the data's constants at the top of the module").
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from workdirs import ROOT

PACKAGE = ROOT / "workflow" / "impact_regions"
CONSTANT = re.compile(r"_*[A-Z][A-Z0-9_]*")

MODULES = sorted(PACKAGE.rglob("*.py"))


def _assignments(statement: ast.stmt) -> list[tuple[str, int]]:
    """(name, line) of every name a module-level statement assigns (inside top-level if/try/with
    blocks too; not inside functions or classes)."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return []
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        targets = [statement.target]
    else:
        blocks = [getattr(statement, f, []) for f in ("body", "orelse", "finalbody")]
        blocks += [h.body for h in getattr(statement, "handlers", [])]
        return [a for block in blocks for s in block for a in _assignments(s)]
    return [(n.id, statement.lineno) for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def constants_below_a_def(source: str) -> list[str]:
    """'NAME (line N)' for every constant of `source` assigned after its first top-level def or class."""
    body = ast.parse(source).body
    first = next(
        (i for i, s in enumerate(body) if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))),
        len(body),
    )
    return [
        f"{name} (line {line})" for s in body[first + 1 :] for name, line in _assignments(s) if CONSTANT.fullmatch(name)
    ]


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_constants_come_before_the_first_def(path: Path):
    # GIVEN a module of the package
    name = str(path.relative_to(PACKAGE))
    # WHEN its top-level statements are read
    late = constants_below_a_def(path.read_text(encoding="utf-8"))
    # THEN no constant is assigned below its first def or class
    assert not late, f"{name}: move these constants above the first def/class: {late}"


def test_the_check_sees_a_constant_below_a_def():
    # GIVEN a module with one constant above its first function and three below (one in an if block)
    source = (
        '"""Doc."""\nfrom __future__ import annotations\n\nimport os\n\n__all__ = ["f"]\nTOP = 1\n\n\n'
        "def f():\n    INNER = 2\n    return INNER\n\n\nLATE = 3\n_PRIVATE_LATE = 4\nlowercase = 5\n"
        "if os.name:\n    BRANCH = 6\n"
    )
    # WHEN it is checked
    late = constants_below_a_def(source)
    # THEN the constants below the def are named, with their line; the ones above, inside the
    # function and lowercase names are not
    assert late == ["LATE (line 15)", "_PRIVATE_LATE (line 16)", "BRANCH (line 19)"]
