"""The naming rules of docs/naming.md hold on the tables of a run (issue 14, item 3).

One plain `snakemake` run on the tiny dataset (Corse, Martinique, and a custom territory made of
Corse-du-Sud and Martinique, so that the custom parts exist too) in a temporary working
directory. Every Parquet table under data/processed (staging, base, custom parts, published) is
read back:

* every text column that holds codes (all of them but the free texts, paths, geographic codes
  and the producers' own categories of FREE_TEXT) holds lowercase ASCII snake_case values, none
  of them an English value that the migration table of docs/naming.md replaced; the columns
  whose values DESIGN.md writes (`kind`, `family`) hold DESIGN's values, as written there;
* every boolean column starts with is_ or has_, and so does every boolean key of the JSON files
  the run writes (provenance, report contexts, chart facts), but the configuration's own keys.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from workdirs import ROOT, TINY, snakemake, workdir_with

SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
BOOLEAN = re.compile(r"^(is|has)_[a-z0-9_]+$")

#: Text columns that are not codes of the project (docs/naming.md, « Two languages »): names,
#: sentences, file paths, raw column names, geographic codes and codes built on them, respondent
#: and sampling ids of the survey files, the survey's own categories.
FREE_TEXT = {
    "territory_code",
    "departement_code",
    "region_code",
    "geo_code",
    "territory_name",
    "departement_name",
    "detail",
    "source",
    "column",
    "respondent_id",
    "stratum",
    "psu",
    "category",
}
#: Where an empty string means « sans objet » (docs/naming.md): the keys of index_audit that a
#: check does not use, and the tail of an untreated indicator.
EMPTY_ALLOWED = {
    "index_audit": {"domain_id", "indicator_id", "other_indicator_id"},
    "indicator_treatment": {"tail"},
}
#: Values DESIGN.md writes itself keep DESIGN's spelling (docs/naming.md, « Values fixed by
#: DESIGN »): other tools read them as written there.
DESIGN_VALUES = {
    ("territories", "kind"): {"region", "custom", "departement", "france"},
    # + ensemble: the overall index's row (domain_id ensemble), which DESIGN leaves to the project
    ("fragility_indices", "family"): {"économique", "social", "sociétal", "environnemental", "ensemble"},
    ("fragility_point", "family"): {"économique", "social", "sociétal", "environnemental", "ensemble"},
}
#: Boolean keys copied from the configuration, which keep the configuration's names.
CONFIG_KEYS = {"enabled"}

REGIONS = {
    "corse": 'code: "94"\nname: Corse\nslug: corse\n',
    "martinique": 'code: "02"\nname: Martinique\nslug: martinique\n',
    "iles": 'code: ILES\nname: Îles\nslug: iles\ndepartements: ["2A", "972"]\n',
}


def migrated_values() -> dict[str, str]:
    """old -> new coded value, from the first table of the « Migration » section of docs/naming.md."""
    text = (ROOT / "docs" / "naming.md").read_text(encoding="utf-8")
    section = text.split("## Migration", 1)[1].split("Columns and keys", 1)[0]
    rows = re.findall(r"^\|[^|]+\| `([^`]+)` \| `([^`]+)` \|$", section, flags=re.MULTILINE)
    assert len(rows) >= 25, "the migration table of docs/naming.md was not found"
    return dict(rows)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    workdir = workdir_with(tmp_path_factory.mktemp("naming"), TINY, REGIONS)
    proc = snakemake(workdir)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return workdir


def tables(run: Path) -> dict[str, pa.Table]:
    processed = run / "data" / "processed"
    return {
        str(p.relative_to(processed)): pq.read_table(p)
        for p in sorted(processed.rglob("*.parquet"))
        if "report_build" not in p.parts
    }


def test_every_layer_is_read(run):
    # GIVEN the tiny run with a custom territory WHEN its tables are listed
    names = set(tables(run))
    # THEN the staging tables, the base, the custom part and the published tables are all there
    assert {"staging/indicator_raw.parquet", "staging/indicator_treatment.parquet"} <= names
    assert {"base/territories.parquet", "custom/iles/territories.parquet", "territories.parquet"} <= names
    assert "custom/iles/survey_estimates.parquet" in names


def test_coded_values_are_french_lowercase_ascii_snake_case(run):
    # GIVEN the English values that the migration replaced
    old = migrated_values()
    assert {"caution", "sum_of_counts", "mean_rank_shift"} <= set(old)
    checked = 0
    for name, table in tables(run).items():
        stem = Path(name).stem
        for field in table.schema:
            if not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
                continue
            if field.name in FREE_TEXT:
                continue
            values = {v for v in table.column(field.name).to_pylist() if v is not None}
            if field.name in EMPTY_ALLOWED.get(stem, set()):
                values.discard("")
            if (stem, field.name) in DESIGN_VALUES:
                # THEN a column whose values DESIGN writes holds only those
                assert values <= DESIGN_VALUES[stem, field.name], f"{name}: {field.name} holds {values}"
                checked += 1
                continue
            # THEN every value is a lowercase ASCII snake_case code ...
            bad = sorted(v for v in values if not SNAKE.match(v))
            assert not bad, (
                f"{name}: column {field.name} holds values that are not lowercase ASCII snake_case: {bad[:5]}"
            )
            # ... and none is an English value that the migration replaced
            stale = sorted(values & (set(old) - set(old.values())))
            assert not stale, f"{name}: column {field.name} still holds {stale} (see docs/naming.md, Migration)"
            checked += 1
    assert checked > 40
    # AND the custom territory is of kind custom (DESIGN §6), in its part and in the published table
    for name in ("custom/iles/territories.parquet", "territories.parquet"):
        kinds = dict(zip(*tables(run)[name].select(["territory_code", "kind"]).to_pydict().values(), strict=True))
        assert kinds["ILES"] == "custom", name


def test_boolean_columns_start_with_is_or_has(run):
    # GIVEN every table of the run WHEN its boolean columns are listed
    booleans = {
        (name, field.name)
        for name, table in tables(run).items()
        for field in table.schema
        if pa.types.is_boolean(field.type)
    }
    assert ("perception_gaps.parquet", "is_gap_significant") in booleans
    # THEN each starts with is_ or has_
    assert not [b for b in booleans if not BOOLEAN.match(b[1])]


def test_boolean_keys_of_the_json_files_start_with_is_or_has(run):
    # GIVEN the JSON files of the run: provenance, report contexts, facts of the charts and PDFs
    processed = run / "data" / "processed"
    files = sorted(processed.rglob("*.json"))
    assert any(f.name == "context.json" for f in files) and any(f.name == "provenance.json" for f in files)
    bad: list[str] = []

    def walk(node, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, bool) and not BOOLEAN.match(key) and key not in CONFIG_KEYS:
                    bad.append(f"{path}.{key}")
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, f"{path}[]")

    for f in files:
        walk(json.loads(f.read_text(encoding="utf-8")), str(f.relative_to(processed)))
    # THEN every boolean key starts with is_ or has_
    assert not bad, sorted(set(bad))[:10]
