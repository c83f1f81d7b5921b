"""`reports/methodologie.pdf`: the methodology annex of a run, common to every synthesis.

The regional syntheses are limited to 8 pages, so the statistical checks behind them are printed
once per run, in this annex, from the processed tables:

- calibration of the inhabitants' weights (`raking_margins`): population targets by sex and age
  band against the shares the design weights and the raked weights give, Kish efficiency;
- robustness of the index (`index_audit`): treated indicators (the strictly increasing Box-Cox
  transform and its power), within-domain correlations, Cronbach's alpha, each domain's
  correlation with the index of the other domains;
- uncertainty and sensitivity (`fragility_indices` rank intervals, `sensitivity`): the regions'
  overall rank with its Monte Carlo interval, first-order and total Sobol indices of each choice;
- the multiple-comparison rule (Holm) used in the syntheses' wording, for the comparisons with
  France and for the perception gaps of a territory (one per measured domain).

Every sentence is generated here from the tables (nothing is written by hand in the template),
in French, with the formatting helpers of :mod:`impact_regions.french`. :func:`build_annex_context`
makes what the template prints; the rule's step (``report_steps.methodology_step``) reads the
tables, and writes the HTML and the PDF.
"""

from __future__ import annotations

import math

import pandas as pd

from . import french as fr
from .index_audit import audit_sentences

CHOICE_LABELS = {
    "normalisation": "Normalisation (z-score, min-max, ratio à la France)",
    "agregation": "Agrégation (arithmétique, géométrique)",
    "poids": "Poids des indicateurs (± {noise})",
    "traitement": "Traitement des valeurs extrêmes ({treatments})",
    "enquete": "Erreur d'échantillonnage de l'enquête",
}
VARIABLE_LABELS = {"sexe": "Sexe", "tranche_age": "Âge"}
SEX_LABELS = {"1": "Hommes", "2": "Femmes"}
#: index_audit.flag of the treatment rows (the method applied) -> words
METHOD_LABELS = {"winsorisation": "écrêtage", "box_cox": "Box-Cox", "aucun": "aucun"}
#: The treatments the Monte Carlo draws (uncertainty.treatment), in words.
TREATMENT_WORDS = {"box_cox": "transformation de Box-Cox", "winsorise": "écrêtage", "none": "aucun"}
#: index_audit.flag of the coherence checks that the annex names, in the order it names them
COHERENCE_FLAGS = {
    "elevee": "redondance",
    "coherence_faible": "alpha faible",
    "negative": "sens opposé",
    "lien_faible": "lien faible",
}
NORMALISATION_LABELS = {
    "zscore": "écart à la France en écarts-types des départements",
    "minmax": "min-max sur [1 ; 100]",
    "ratio": "ratio à la France × 100",
}


def _num(x, decimals: int = 2) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else fr.number(float(x), decimals)


def _pct(x, decimals: int = 1) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else fr.percent(float(x), decimals)


def _near(x, threshold) -> str:
    """Two decimals, or three when two would print the value equal to its threshold (0,698 < 0,7)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return _num(x, 3 if round(float(x), 2) == round(float(threshold), 2) and float(x) != float(threshold) else 2)


def weighting_rows(margins: pd.DataFrame, names: dict[str, str]) -> list[dict]:
    """One row per region (then France): respondents, Kish efficiency with the design and the
    raked weights, and the largest gap between a sample share and its population target before
    and after raking (in percentage points)."""
    rows = []
    order = [c for c in names if c in set(margins["territory_code"])]
    for code in order:
        m = margins[margins["territory_code"] == code]
        before = (m["achieved_share_design"] - m["target_share"]).abs().max()
        after = (m["achieved_share"] - m["target_share"]).abs().max()
        n = int(m.loc[m["variable"] == m["variable"].iloc[0], "n"].sum())  # each variable partitions the sample
        rows.append(
            {
                "name": names[code],
                "n": fr.integer(n),
                "kish_design": _pct(m["kish_efficiency_design"].iloc[0], 0),
                "kish_raked": _pct(m["kish_efficiency"].iloc[0], 0),
                "gap_before": fr.number(100 * before, 1),
                "gap_after": fr.number(100 * after, 1),
            }
        )
    return rows


def method_label(flag: str, power) -> str:
    """« logarithme (Box-Cox, λ = 0) », « Box-Cox, λ = 0,25 », « écrêtage », « aucun »."""
    if flag == "box_cox" and power is not None and not (isinstance(power, float) and math.isnan(power)):
        return "logarithme (Box-Cox, λ = 0)" if float(power) == 0 else f"Box-Cox, λ = {_num(power)}"
    return METHOD_LABELS.get(flag, flag)


def treatment_rows(audit: pd.DataFrame, labels: dict[str, str]) -> list[dict]:
    """The treated indicators: method (with the Box-Cox power), values changed, skewness and
    kurtosis before/after."""
    t = audit[(audit["check"] == "traitement") & (audit["flag"] != "aucun")]
    points = audit[audit["check"] == "valeur_traitee"]
    rows = []
    for _, r in t.sort_values("indicator_id").iterrows():
        n_dep = int((points["indicator_id"] == r["indicator_id"]).sum())
        rows.append(
            {
                "label": labels.get(r["indicator_id"], r["indicator_id"]),
                "method": fr.typography(method_label(r["flag"], r.get("parameter"))),
                "n_points": fr.integer(n_dep),
                "skew": f"{_num(r['value_before'])} / {_num(r['value'])}",
                "kurtosis": f"{_num(r['kurtosis_before'])} / {_num(r['kurtosis'])}",
            }
        )
    return rows


def coherence_rows(audit: pd.DataFrame, domains: list[dict]) -> list[dict]:
    """One row per domain: correlation of its indicators (when it has two), Cronbach's alpha,
    correlation with the overall index and with the index of the other domains, and flags."""
    rows = []
    for d in domains:
        did = d["id"]
        corr = audit[(audit["check"] == "correlation") & (audit["domain_id"] == did)]
        alpha = audit[(audit["check"] == "cronbach_alpha") & (audit["domain_id"] == did)]
        link = audit[(audit["check"] == "domaine_vs_indice") & (audit["domain_id"] == did)]
        found = set(corr["flag"]) | set(alpha["flag"]) | set(link["flag"])
        flags = [f for f in COHERENCE_FLAGS if f in found]
        rows.append(
            {
                "label": d["label"],
                "correlations": " ; ".join(_num(v) for v in corr["value"]) if len(corr) else "",
                "alpha": _near(alpha["value"].iloc[0], alpha["threshold"].iloc[0]) if len(alpha) else "",
                "index": _num(link["value"].iloc[0]) if len(link) else "",
                "index_others": _num(link["value_excluding_domain"].iloc[0]) if len(link) else "",
                "flags": ", ".join(COHERENCE_FLAGS[f] for f in flags),
            }
        )
    return rows


def treatment_words(config: dict) -> list[str]:
    """The treatments the Monte Carlo draws, in words (true: the configured method; false: none)."""
    method = config["index"]["treatment"].get("method", "box_cox")
    out = []
    for t in config["uncertainty"].get("treatment", ["box_cox", "none"]):
        key = method if t is True else "none" if t is False else str(t)
        if TREATMENT_WORDS.get(key, key) not in out:
            out.append(TREATMENT_WORDS.get(key, key))
    return out


def _choice_label(choice: str, weight_noise: float, treatments: list[str]) -> str:
    return CHOICE_LABELS.get(choice, choice).format(noise=fr.percent(weight_noise, 0), treatments=", ".join(treatments))


def treatment_text(config: dict) -> str:
    """The paragraph on the treatment of skewed indicators, from the configuration."""
    t = config["index"]["treatment"]
    if not t.get("enabled", True):
        return fr.typography(
            "Cette exécution ne traite pas les distributions asymétriques (option enabled: false) : "
            "les indicateurs sont normalisés tels quels."
        )

    def short(x):
        return fr.number(x, 0 if float(x).is_integer() else 1)

    rule = (
        f"Chaque indicateur est examiné sur les 101 départements : lorsque son asymétrie dépasse "
        f"{short(t['skew_threshold'])} en valeur absolue et que son aplatissement (kurtosis) dépasse "
        f"{short(t['kurtosis_threshold'])} (règle du manuel OCDE/JRC), "
    )
    box_cox = (
        "la valeur est transformée par une fonction strictement croissante : l'écart au minimum des "
        "départements (au maximum si la queue de distribution est à gauche), rapporté à leur dispersion "
        "(écart interquartile / 1,349), passe par une transformation de Box-Cox de puissance λ comprise "
        "entre 0 (logarithme) et 1 (aucun changement), choisie par maximum de vraisemblance et abaissée si "
        "la règle n'est pas encore satisfaite. Au-delà de l'étendue des départements, la transformation se "
        "prolonge en ligne droite, si bien qu'elle s'applique avec les mêmes paramètres à tous les "
        "territoires — départements, régions, France, territoires composés. Deux valeurs différentes "
        "gardent ainsi des scores différents, dans le même ordre : aucune valeur extrême, comme celles "
        "des départements d'outre-mer, n'est ramenée à une autre."
    )
    if t.get("method", "box_cox") == "winsorise":
        return fr.typography(
            rule + f"les valeurs les plus extrêmes sont ramenées, une à une, à la valeur suivante "
            f"(écrêtage, {t.get('max_winsorised', 5)} départements au plus), option qui donne le même "
            "score à des territoires de valeurs différentes ; si cela ne suffit pas, " + box_cox
        )
    return fr.typography(rule + box_cox)


def sensitivity_rows(sens: pd.DataFrame, weight_noise: float, treatments: list[str] | None = None) -> list[dict]:
    """Sobol indices of each methodological choice, with their bootstrap intervals."""
    rows = []
    for _, r in sens.sort_values("total", ascending=False).iterrows():
        label = _choice_label(r["choice"], weight_noise, treatments or [])
        rows.append(
            {
                "label": label,
                "first": (
                    f"{_num(r['first_order'])} [{_num(r['first_order_ci_low'])} ; {_num(r['first_order_ci_high'])}]"
                ),
                "total": f"{_num(r['total'])} [{_num(r['total_ci_low'])} ; {_num(r['total_ci_high'])}]",
            }
        )
    return rows


def rank_rows(fi: pd.DataFrame, names: dict[str, str]) -> list[dict]:
    """The regions' overall index, rank, and the Monte Carlo median rank with its interval."""
    ens = fi[(fi["domain_id"] == "ensemble") & fi["territory_code"].isin(names)]
    ens = ens.sort_values(["rank_among_regions", "territory_code"])
    decimals = fr.decimals_apart(ens["score"])  # as the syntheses print it: no false tie
    # a region where a domain is not measured (Mayotte): its index rests on fewer domains, said so
    measured = (
        fi[(fi["domain_id"] != "ensemble") & fi["score"].notna()].groupby("territory_code")["domain_id"].nunique()
    )
    n_domains = fi.loc[fi["domain_id"] != "ensemble", "domain_id"].nunique()

    def partial(code: str) -> str:
        n = int(measured.get(code, 0))
        return f" (calculé sur {n} domaines)" if 0 < n < n_domains else ""

    return [
        {
            "name": names[r["territory_code"]],
            "score": fr.number(r["score"], decimals, signed=True) + partial(r["territory_code"]),
            "rank": fr.integer(int(r["rank_among_regions"])),
            "median": fr.number(r["rank_median"], 0 if float(r["rank_median"]).is_integer() else 1),
            "interval": f"{fr.integer(int(r['rank_p05']))}–{fr.integer(int(r['rank_p95']))}",
        }
        for _, r in ens.iterrows()
    ]


def sensitivity_sentence(sens: pd.DataFrame, weight_noise: float) -> str:
    """Which choice moves the ranks most, in words."""
    top = sens.sort_values("total", ascending=False).iloc[0]
    label = _choice_label(top["choice"], weight_noise, [])
    label = label.split(" (")[0].lower()
    article = {
        "normalisation": "la normalisation",
        "agregation": "l'agrégation",
        "poids": "le poids des indicateurs",
        "traitement": "le traitement des valeurs extrêmes",
        "enquete": "l'erreur d'échantillonnage de l'enquête",
    }
    return fr.typography(
        f"C'est {article.get(top['choice'], label)} qui déplace le plus les rangs : son indice total, "
        f"{_num(top['total'])}, signifie que {fr.percent(float(top['total']), 0)} de la variance du décalage moyen "
        f"des rangs lui est attribuable, interactions comprises."
    )


def build_annex_context(
    tables: dict[str, pd.DataFrame], catalogue: dict, config: dict, provenance: dict, demo: bool
) -> dict:
    """Everything the annex template prints, as strings and lists of rows."""
    terr = tables["territories"]
    regions = terr[terr["kind"] == "region"].drop_duplicates("territory_code")
    names = dict(
        sorted(zip(regions["territory_code"], regions["territory_name"], strict=True), key=lambda kv: fr_sort(kv[1]))
    )
    names_fr = names | {"FR": "France"}
    labels = {i["id"]: i["label"] for i in catalogue["indicators"]}
    domain_labels = {d["id"]: d["label"] for d in catalogue["domains"]}
    unc, rk = config["uncertainty"], config["raking"]
    audit = tables["index_audit"]
    sens = tables["sensitivity"]
    n_eval = int(sens["evaluations"].iloc[0]) if "evaluations" in sens else None
    return {
        "vintage": config["vintage"],
        "is_demo": demo,
        "provenance": provenance,
        "weighting": config["weighting"],
        "raking": {
            "bounds": [fr.number(b, 2) for b in rk["bounds"]],
            "trim": fr.number(rk["trim_max_ratio"], 1),
            "margins": fr.join([VARIABLE_LABELS[m].lower() for m in rk["margins"]]),
        },
        "weighting_rows": weighting_rows(tables["raking_margins"], names_fr),
        "treatment_rows": treatment_rows(audit, labels),
        "coherence_rows": coherence_rows(audit, catalogue["domains"]),
        "audit_sentences": audit_sentences(audit, domain_labels, labels),
        "audit_options": config["audit"],
        "normalisation": NORMALISATION_LABELS[config["index"]["normalisation"]],
        "aggregation": config["index"]["aggregation"],
        "uncertainty": {
            "runs": fr.integer(unc["runs"]),
            "evaluations": fr.integer(n_eval) if n_eval else "",
            "noise": fr.percent(unc["weight_noise"], 0),
            "seed": unc["seed"],
            "factor_low": fr.number(1 - unc["weight_noise"], 2),
            "factor_high": fr.number(1 + unc["weight_noise"], 2),
            "low": fr.percent(unc["interval"][0], 0),
            "high": fr.percent(unc["interval"][1], 0),
        },
        "sensitivity_rows": sensitivity_rows(sens, unc["weight_noise"], treatment_words(config)),
        "treatment_text": treatment_text(config),
        "treatments": fr.join(treatment_words(config), "ou"),
        "gaps": {
            "alpha": fr.percent(unc.get("gap_alpha", 0.05), 0),
            "holm": unc.get("gap_multiple_testing", "holm") == "holm",
            "max_level": fr.percent(1 - unc.get("gap_alpha", 0.05) / len(catalogue["domains"]), 1),
            "n_domains": len(catalogue["domains"]),
        },
        "sensitivity_sentence": sensitivity_sentence(sens, unc["weight_noise"]),
        "rank_rows": rank_rows(tables["fragility_indices"], names),
        "estimation": config["survey_estimation"],
        # chance of at least one false "significant" among 16 independent tests at alpha
        "familywise": fr.percent(1 - (1 - config["survey_estimation"]["alpha"]) ** len(catalogue["domains"]), 0),
    }


def fr_sort(name: str) -> str:
    from .index_page import french_sort_key

    return french_sort_key(name)
