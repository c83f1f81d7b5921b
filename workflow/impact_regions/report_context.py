"""Everything one regional synthesis prints, computed from the processed tables.

:func:`build_context` returns a JSON-serialisable dict for one territory: the figures of every
section of REPORT_SPEC with their France values, reliability flags and significance, and the
generated French sentences. Each section has its module (report_profile, report_perception,
report_actors, report_method; report_essentiel writes the first page's key messages from what
the sections found). Charts and the HTML template only lay this out: no number or sentence is
computed in a template. Figures are kept raw (floats, shares in [0, 1]) next to the sentences;
formatting goes through :mod:`impact_regions.french`.

Wording rules, from DESIGN §7: a difference to France is called higher or lower only when it is
significant; estimates flagged 'prudence' are marked « à interpréter avec prudence »;
suppressed estimates are never printed.
"""

from __future__ import annotations

from . import french as fr
from .report_actors import actors_section
from .report_common import Estimates
from .report_essentiel import key_messages
from .report_indicators import indicator_table
from .report_method import methodology_section
from .report_perception import perception_section
from .report_profile import profile_section
from .report_surveys import survey_documentation
from .territories import territory_nominative

#: The columns of each table that a report reads (the others are not loaded); each is a column of
#: the table's contract, workflow/schemas/tables.yaml (tests/test_table_contract.py).
TABLE_COLUMNS = {
    "territories": ["territory_code", "kind"],
    "indicator_values": [
        "indicator_id",
        "territory_code",
        "value",
        "missing_reason",
        "value_method",
        "source_level",
        "coverage",
    ],
    "fragility_indices": [
        "territory_code",
        "domain_id",
        "score",
        "rank_among_regions",
        "rank_among_departements",
        "n_indicators",
        "rank_median",
        "rank_p05",
        "rank_p95",
    ],
    "survey_estimates": [
        "territory_code",
        "respondent_group",
        "measure_id",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "n",
        "n_eff",
        "diff_vs_france",
        "p_value",
        "is_significant",
        "reliability",
    ],
    "perception_gaps": [
        "territory_code",
        "domain_id",
        "objective_score",
        "perceived_score",
        "perceived_diff_vs_france",
        "rank_objective",
        "rank_perceived",
        "quadrant",
        "is_significant",
        "perceived_reliability",
        "spearman_rho",
        "gap",
        "gap_ci_low",
        "gap_ci_high",
        "is_gap_significant",
    ],
    "raking_margins": [
        "territory_code",
        "variable",
        "category",
        "target_share",
        "achieved_share",
        "achieved_share_design",
        "kish_efficiency",
        "kish_efficiency_design",
        "n",
    ],
    # a table of the whole run (no territory_code): every row is read
    "sensitivity": ["choice", "first_order", "total"],
}


def read_tables(paths: list[dict[str, str]], territory_codes, peer_kind: str = "region") -> dict[str, list[dict]]:
    """The rows of the processed tables that one report needs, as plain dicts (no pandas).

    `paths`: the table files of each part (the base, then the territory's own rows if it is a
    custom territory), read in that order. Returns ``{table: [row, ...]}`` for the tables of
    :data:`TABLE_COLUMNS`, with only those columns, in file order: the rows of the territories in
    `territory_codes` (the report's territory, ``FR``, its départements ``DEP-xx``), for
    ``territories`` every row (to count the regions), and for ``fragility_indices`` the rows of the
    territories of kind `peer_kind` too (to tell tied ranks): the regions, or for a département's
    report the départements. Cells are Python values, a missing cell is None. pyarrow is
    imported here, not pandas: the report job starts faster.
    """
    import pyarrow.parquet as pq  # noqa: PLC0415 (only the report job needs it)

    wanted = set(territory_codes)
    out: dict[str, list[dict]] = {}
    for name, columns in TABLE_COLUMNS.items():
        rows = out[name] = []
        for part in paths:
            if name not in part:  # a custom territory's part only has its per-territory tables
                continue
            table = pq.ParquetFile(part[name]).read(columns=columns, use_threads=False)  # small files
            if "territory_code" not in columns or name == "territories":
                keep = range(table.num_rows)
            else:
                codes = table.column("territory_code").to_pylist()
                also = (
                    {r["territory_code"] for r in out["territories"] if r["kind"] == peer_kind}
                    if name == "fragility_indices"
                    else set()
                )
                keep = [i for i, c in enumerate(codes) if c in wanted or c in also]
            cols = [table.column(c) for c in columns]
            rows.extend(dict(zip(columns, (col[i].as_py() for col in cols), strict=True)) for i in keep)
    return out


def report_territory_codes(territory: dict) -> list[str]:
    """The territory codes whose rows a report reads: its own, France's and its départements'."""
    return [territory["code"], "FR"] + ["DEP-" + c for c in territory["departements"]]


def build_context(
    territory: dict,
    tables: dict[str, list[dict]],
    departements: list[dict],
    catalogue: dict,
    codebook: dict,
    config: dict,
    provenance: dict,
    demo: bool,
) -> dict:
    """The full content of one report (see the module docstring).

    `tables`: rows from :func:`read_tables` (at least those of :func:`report_territory_codes`);
    `departements`: every département of the reference geography, from
    :func:`impact_regions.geo.read_departements`.
    """
    code = territory["code"]
    deps = [d for d in departements if d["code_departement"] in territory["departements"]]
    est = Estimates(tables["survey_estimates"], code)
    population = sum(d["population_municipale"] for d in deps)
    context = {
        # names with the typographic apostrophe (Provence-Alpes-Côte d’Azur), as every sentence
        "territory": {
            "code": code,
            "name": fr.typography(territory["name"]),
            "short_name": fr.typography(territory["short_name"]),
            "slug": territory["slug"],
            "kind": territory["kind"],
            "locative": fr.typography(territory["locative"]),
            "genitive": fr.typography(territory["genitive"]),
            "nominative": fr.typography(territory_nominative(territory)),
            "intro": territory.get("intro", ""),
            "population": population,
            "population_text": fr.integer(population),
            "n_departements": len(deps),
            "n_communes": sum(int(d["nb_communes"]) for d in deps),
            "departements": [{"code": d["code_departement"], "name": d["nom_departement"]} for d in deps],
            # a département's region, for its map and the index page (regions: unchanged)
            **({"region_name": fr.typography(territory["region_name"])} if territory["kind"] == "departement" else {}),
        },
        "vintage": int(config["vintage"]),
        "survey_year": int(config.get("survey_year", config["vintage"])),
        "is_demo": demo,
    }
    context.update(profile_section(territory, tables, departements, catalogue))
    context.update(perception_section(territory, tables, catalogue, est))
    context.update(actors_section(territory, catalogue, est, context["perceived"]))
    context.update(methodology_section(territory, tables, departements, catalogue, codebook, config, provenance, est))
    demo_files = {f["path"] for f in provenance.get("files", []) if f.get("is_demo")}
    context["indicator_table"] = indicator_table(
        code,
        tables["indicator_values"],
        catalogue,
        demo_files=demo_files,
        domain_scores={r["domain_id"]: r["score"] for r in tables["fragility_indices"] if r["territory_code"] == code},
        domain_decimals={d["domain_id"]: d["decimals"] for d in context["profile"]},
        genitive=territory["genitive"],
    )
    context["survey_documentation"] = survey_documentation(
        codebook,
        context["samples"],
        context["samples_france"],
        weighting=config.get("weighting", "raked"),
        demo=bool({f["path"] for f in codebook["files"]} & demo_files),
        survey_estimates=tables["survey_estimates"],
    )
    for key, value in context.items():
        if isinstance(value, str) and (key.endswith("_sentence") or key in ("method_text", "profile_note")):
            context[key] = fr.typography(value)
    context["essentiel"] = key_messages(context)
    return context
