"""The rows of a territory's downloads (``reports/donnees/<slug>.csv`` and ``.xlsx``, see
:mod:`impact_regions.territory_downloads`), block by block: Indicateurs, Domaines, Enquêtes, from
the rows the report itself was built from (its context and tables; no formatted text is parsed
back). Each row is a dict keyed by the columns of :mod:`impact_regions.download_columns`, with
numbers as numbers (rounded to :data:`DIGITS` decimals, shares in %) and ``_format``, the XLSX
number format of its values.
"""

from __future__ import annotations

import math

from . import french as fr
from .report_common import FAMILY_LABELS, GROUP_LABELS, GROUPS

#: survey_estimates.reliability -> words (REPORT_SPEC: « à interpréter avec prudence », report_common.CAUTION)
RELIABILITY = {
    "fiable": "fiable",
    "prudence": "à interpréter avec prudence",
    "non_publie": "non diffusé (moins de {n} répondants)",
}
#: unit of a domain score, by normalisation (config index.normalisation; report_method.method_text)
SCORE_UNITS = {"zscore": "écarts-types (0 = France)", "minmax": "échelle de 1 à 100", "ratio": "indice (France = 100)"}
DIGITS = 6  # decimals of the numbers, in both files


def _num(x, scale: float = 1) -> float | None:
    """`x` times `scale`, rounded to :data:`DIGITS` decimals; None when missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    x = round(float(x) * scale, DIGITS)
    return 0.0 if x == 0 else x


def _int(x) -> int | None:
    return None if _num(x) is None else int(round(float(x)))


def _remark(i: dict, side: str, coverage) -> str | None:
    """In words, for the territory (`side` "") or France ("france_") of an indicator row of the
    report: why the value is missing, or that it is approximate or partial."""
    if i[side + "missing"]:
        return f"valeur manquante : {i[side + 'missing']}"
    words = []
    if i["is_" + side + "approximation"]:
        words.append("valeur approchée (moyenne pondérée des valeurs publiées à un niveau plus fin)")
    if i["is_" + side + "partial"]:
        words.append(
            f"valeur partielle : la source ne renseigne que {fr.percent(coverage)} du territoire "
            "(en population ou selon le dénominateur)"
        )
    return " ; ".join(words) or None


def indicator_rows(ctx: dict, tables: dict) -> list[dict]:
    """Rows of the Indicateurs block, from the report's indicator table (catalogue order)."""
    code, demo_note = ctx["territory"]["code"], " (données de démonstration)"
    coverage = {(r["indicator_id"], r["territory_code"]): r.get("coverage") for r in tables["indicator_values"]}
    rows = []
    for fam in ctx["indicator_table"]:
        for dom in fam["domains"]:
            for i in dom["indicators"]:
                rows.append(
                    {
                        "famille": fam["label"],
                        "domaine": dom["label"],
                        "identifiant": i["id"],
                        "libelle": i["label"],
                        "valeur": _num(i["value"]),
                        "france": _num(i["france"]),
                        "unite": i["unit"],
                        "sens": i["direction_text"],
                        "annee": i["year"],
                        "source": i["source_label"] + (demo_note if i["is_demo"] else ""),
                        "remarque": _remark(i, "", coverage.get((i["id"], code))),
                        "remarque_france": _remark(i, "france_", coverage.get((i["id"], "FR"))),
                        "_format": "#,##0" + ("." + "0" * i["decimals"] if i["decimals"] else ""),
                    }
                )
    return rows


def domain_rows(ctx: dict, tables: dict, catalogue: dict, normalisation: str) -> list[dict]:
    """Rows of the Domaines block: the 16 domains (catalogue order), then the overall index."""
    code = ctx["territory"]["code"]
    fi = {(r["territory_code"], r["domain_id"]): r for r in tables["fragility_indices"]}
    domains = [
        (d["id"], fr.typography(d["label"]), FAMILY_LABELS.get(d["family"], d["family"])) for d in catalogue["domains"]
    ] + [("ensemble", "Indice global", "Ensemble")]
    unit = SCORE_UNITS.get(normalisation, normalisation)
    custom = "rang que le territoire occuperait parmi les régions" if ctx["territory"]["kind"] == "custom" else None
    rows = []
    for did, label, family in domains:
        mine, france = fi.get((code, did)) or {}, fi.get(("FR", did)) or {}
        score = _num(mine.get("score"))
        rows.append(
            {
                "famille": family,
                "domaine": label,
                "identifiant": did,
                "libelle": "Indice global de fragilité (moyenne des domaines)"
                if did == "ensemble"
                else "Score de fragilité du domaine",
                "valeur": score,
                "france": _num(france.get("score")),
                "unite": unit,
                "rang": _int(mine.get("rank_among_regions")),
                "rang_p05": _int(mine.get("rank_p05")),
                "rang_p95": _int(mine.get("rank_p95")),
                "n_indicateurs": _int(mine.get("n_indicators")),
                "remarque": "aucun indicateur renseigné" if score is None else custom,
                "_format": "0.00",
            }
        )
    return rows


def _measure_unit(m: dict) -> str:
    if m["kind"] == "mean":
        return f"note de {m.get('min', 0)} à {m.get('max', 10)}"
    if m["kind"] == "agree":
        return "% de répondants d'accord"
    return "% de répondants citant le domaine" if m.get("domain") else "% de « oui »"


def survey_rows(ctx: dict, tables: dict, catalogue: dict, codebook: dict, min_n_publish: int) -> list[dict]:
    """Rows of the Enquêtes block: groups in report order, measures in codebook order."""
    code = ctx["territory"]["code"]
    est = {(r["territory_code"], r["respondent_group"], r["measure_id"]): r for r in tables["survey_estimates"]}
    domains = {d["id"]: d for d in catalogue["domains"]}
    sources = {}  # (group, measure) -> survey label
    for spec in codebook["files"]:
        groups = {spec["group"]} if spec.get("group") else set((spec.get("group_values") or {}).values())
        for g in groups:
            for mid in spec.get("measure_columns") or {}:
                sources[g, mid] = fr.typography(spec["label"])
    demo = " (données de démonstration)" if ctx["survey_documentation"].get("is_demo") else ""
    groups = GROUPS + sorted({k[1] for k in est} - set(GROUPS))
    rows = []
    for g in groups:
        for m in codebook["measures"]:
            r = est.get((code, g, m["id"]))
            if r is None:
                continue
            scale = 1 if m["kind"] == "mean" else 100  # shares in %, as the report prints them
            f = est.get(("FR", g, m["id"])) or {}
            value, diff = _num(r["estimate"]), _num(r["diff_vs_france"])
            d = domains.get(m.get("domain"))
            rows.append(
                {
                    "famille": FAMILY_LABELS.get(d["family"], d["family"]) if d else None,
                    "domaine": fr.typography(d["label"]) if d else None,
                    "identifiant": m["id"],
                    "libelle": fr.typography(m["label"]),
                    "groupe": GROUP_LABELS.get(g, g.capitalize()),
                    "valeur": _num(r["estimate"], scale),
                    "ic_bas": _num(r["ci_low"], scale),
                    "ic_haut": _num(r["ci_high"], scale),
                    "n": _int(r["n"]),
                    "france": _num(f.get("estimate"), scale),
                    "ecart": _num(r["diff_vs_france"], scale),
                    "unite": _measure_unit(m),
                    "significatif": None
                    if value is None or diff is None
                    else ("oui" if r["is_significant"] else "non"),
                    "fiabilite": RELIABILITY.get(r["reliability"], r["reliability"]).format(n=min_n_publish),
                    "annee": ctx["survey_year"],
                    "source": sources.get((g, m["id"]), "") + demo,
                    "_format": "0.0",
                }
            )
    return rows


def territory_blocks(ctx: dict, tables: dict, catalogue: dict, codebook: dict, config: dict) -> dict[str, list[dict]]:
    """{block: rows} for one territory (see the module docstring); each row also has ``bloc``,
    ``code`` and ``territoire``, and ``_format`` (the XLSX number format of its values)."""
    blocks = {
        "Indicateurs": indicator_rows(ctx, tables),
        "Domaines": domain_rows(ctx, tables, catalogue, config["index"]["normalisation"]),
        "Enquêtes": survey_rows(ctx, tables, catalogue, codebook, int(config["survey_estimation"]["min_n_publish"])),
    }
    t = ctx["territory"]
    for name, rows in blocks.items():
        for r in rows:
            r.update(bloc=name, code=t["code"], territoire=t["name"])
    return blocks
