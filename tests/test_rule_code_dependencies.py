"""Each rule lists, as `code(...)` inputs, every package module and SQL file its step runs.

A rule's `code(...)` inputs make Snakemake rerun its jobs when that code changes; a module
missing from the list would leave stale outputs after an edit. This test derives what each
rule's step really imports and reads: the script (workflow/scripts/<rule>.py) names its step as
"impact_regions.<module>:<function>" or imports it (`from impact_regions.<module> import <function>`),
or its shell command runs `python -m impact_regions.<module>` with such a step;
from the function's body (and the bodies of the module's functions it calls) and its module's
top level, every
package import is followed through the modules it reaches (their imports at any level, since a
lazy import inside a function still runs in the job) and every `run_sql("<name>", ...)` call
names a workflow/sql/<name>.sql. The rule's inputs must contain all of them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from workdirs import ROOT

PACKAGE = ROOT / "workflow" / "impact_regions"
SCRIPTS = ROOT / "workflow" / "scripts"
SQL = ROOT / "workflow" / "sql"
TARGET = re.compile(r"[\"'](impact_regions(?:\.\w+)+):(\w+)[\"']")


def module_file(dotted: str) -> Path | None:
    """workflow/impact_regions/a/b.py (or a/b/__init__.py) for "impact_regions.a.b"; None outside the package."""
    parts = dotted.split(".")
    if parts[0] != "impact_regions":
        return None
    base = PACKAGE.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def dotted_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_in(node: ast.AST, path: Path) -> set[Path]:
    """Package modules imported anywhere under `node` of the module at `path` (relative imports resolved)."""
    here = dotted_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[Path] = set()
    for n in ast.walk(node):
        names: list[str] = []
        if isinstance(n, ast.Import):
            names = [a.name for a in n.names]
        elif isinstance(n, ast.ImportFrom):
            if n.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (n.level - 1)]
                base = ".".join(anchor + ([n.module] if n.module else []))
            else:
                base = n.module or ""
            names = [base] + [f"{base}.{a.name}" for a in n.names]  # `from . import x`: x may be a module
        for name in names:
            # the module and the packages above it (importing a.b runs a/__init__.py)
            pieces = name.split(".")
            for i in range(2, len(pieces) + 1):
                f = module_file(".".join(pieces[:i]))
                if f:
                    found.add(f)
    return found


def sql_names(node: ast.AST) -> set[str]:
    return {
        c.args[0].value
        for c in ast.walk(node)
        if isinstance(c, ast.Call)
        and getattr(c.func, "id", getattr(c.func, "attr", None)) == "run_sql"
        and c.args
        and isinstance(c.args[0], ast.Constant)
    }


def step_dependencies(target_module: str, function: str) -> tuple[set[Path], set[str]]:
    """(package files, SQL names) a step runs: its module's top level and the function's body, followed."""
    path = module_file(target_module)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if function is None:  # a module run as a program (`python -m`): all of it
        seen: set[Path] = set()
        todo = {path}
        sqls: set[str] = set()
        while todo:
            f = todo.pop()
            seen.add(f)
            mod = ast.parse(f.read_text(encoding="utf-8"))
            todo |= imports_in(mod, f) - seen
            sqls |= sql_names(mod)
        return seen, sqls
    top = ast.Module(body=[s for s in tree.body if not isinstance(s, (ast.FunctionDef, ast.ClassDef))], type_ignores=[])
    functions = {s.name: s for s in tree.body if isinstance(s, ast.FunctionDef)}
    # the function and the functions of its module it calls, transitively
    bodies, names = [], [function]
    while names:
        name = names.pop()
        if name in {b.name for b in bodies}:
            continue
        bodies.append(functions[name])
        names += [
            c.func.id
            for c in ast.walk(functions[name])
            if isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id in functions
        ]
    sqls = set().union(*(sql_names(b) for b in bodies))
    seen = {path}  # the step's module itself: its top level and the bodies above only
    todo = (imports_in(top, path) | set().union(*(imports_in(b, path) for b in bodies))) - seen
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        mod = ast.parse(f.read_text(encoding="utf-8"))
        todo |= imports_in(mod, f) - seen
        sqls |= sql_names(mod)
    return seen, sqls


def rules_with_steps():
    """(rule name, its input files, the steps its script calls) for every rule of the workflow."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings, StorageSettings

    with SnakemakeApi(OutputSettings()) as api:
        wf = api.workflow(
            resource_settings=ResourceSettings(cores=1),
            config_settings=ConfigSettings(),
            storage_settings=StorageSettings(),
            snakefile=ROOT / "Snakefile",
            workdir=ROOT,
        )._workflow
        out = []
        for rule in wf.rules:
            if rule.script:
                script = (Path(rule.snakefile).parent / str(rule.script)).resolve()
                text = script.read_text(encoding="utf-8")
                steps = TARGET.findall(text) + [
                    (n.module, a.name)
                    for n in ast.walk(ast.parse(text))
                    if isinstance(n, ast.ImportFrom)
                    and (n.module or "").startswith("impact_regions.")
                    and n.module != "impact_regions.entry"
                    for a in n.names
                ]
            elif rule.shellcmd:
                # a shell job: `python -m impact_regions.<module> ... impact_regions.<module>:<function>`
                steps = TARGET.findall(f"'{rule.shellcmd}'".replace(" ", "' '"))
                steps += [(m, None) for m in re.findall(r"-m (impact_regions(?:\.\w+)+)", rule.shellcmd)]
            else:
                continue
            inputs = {(ROOT / str(f)).resolve() for f in rule.input if isinstance(f, str)}
            out.append((rule.name, inputs, steps))
        # a fingerprint of sources (impact_regions.source_fingerprint) stands for the files it hashes:
        # a rule taking it as input depends on them as if they were its own inputs
        fingerprints = {
            (ROOT / str(o)).resolve(): {(ROOT / str(f)).resolve() for f in r.input if isinstance(f, str)}
            for r in wf.rules
            if r.script
            and "source_fingerprint" in (Path(r.snakefile).parent / str(r.script)).read_text(encoding="utf-8")
            for o in r.output
        }
        return [
            (name, inputs.union(*(fingerprints.get(f, set()) for f in inputs)), steps) for name, inputs, steps in out
        ], fingerprints


RULES, FINGERPRINTS = rules_with_steps()


def test_every_rule_with_a_script_names_its_step():
    # GIVEN the workflow WHEN its rules are read THEN each script calls at least one package step
    assert RULES and all(steps for _, _, steps in RULES), [name for name, _, steps in RULES if not steps]


@pytest.mark.parametrize("name,inputs,steps", RULES, ids=[r[0] for r in RULES])
def test_rule_code_inputs_cover_what_its_step_imports(name, inputs, steps):
    # GIVEN a rule and the step(s) its script calls
    needed_files: set[Path] = set()
    needed_sql: set[str] = set()
    for module, function in steps:
        files, sqls = step_dependencies(module, function)
        needed_files |= files
        needed_sql |= sqls
    # WHEN its inputs are compared with what the steps import and read
    missing = sorted(str(f.relative_to(ROOT)) for f in needed_files if f.resolve() not in inputs)
    missing += sorted(f"workflow/sql/{q}.sql" for q in needed_sql if (SQL / f"{q}.sql").resolve() not in inputs)
    # THEN nothing is missing from its code(...) list
    assert not missing, f"rule {name}: add to its code(...): {missing}"


def test_the_report_jobs_depend_on_their_code_through_one_fingerprint():
    # GIVEN the workflow WHEN the report rule's inputs are read
    report = next(inputs for name, inputs, _ in RULES if name == "report")
    # THEN its code comes through the fingerprint file of rule report_sources, which hashes
    # the report's modules, templates and fonts
    [(fingerprint, hashed)] = FINGERPRINTS.items()
    assert fingerprint in report and fingerprint.name == "report-sources.json"
    assert PACKAGE / "render.py" in hashed and ROOT / "templates" / "report.html.j2" in hashed
    assert any(f.suffix == ".ttf" for f in hashed)


def test_the_analysis_sees_a_lazy_import_and_a_query():
    # GIVEN the indices step (SQL queries run through storage.run_sql) WHEN it is analysed
    files, sqls = step_dependencies("impact_regions.indices", "build_indices")
    # THEN the queries and the storage module are found
    assert {"indicator_values", "indicator_scores", "fragility_indices"} <= sqls
    assert PACKAGE / "storage.py" in files
