"""The surveys, documented where they are used (REPORT_SPEC §8): for the methodology page of a
synthesis, each survey's population, fieldwork period, collection mode, sampling, weighting in one
sentence and sample sizes by respondent group (territory and France), and the questions behind
the measures (wording read by respondents, answer scale, the figure the report shows).

:func:`survey_documentation` is pure: the survey codebook (config/survey.yaml, as loaded by
``config.load_survey``) and the counts in, plain JSON-serialisable dicts out, every text ready to
print. The descriptive texts come from the codebook (keys ``population``, ``fieldwork``, ``mode``,
``sampling``, ``weighting`` of a file; ``topic``, ``question``, ``answers`` of a measure, see
workflow/schemas/survey.schema.yaml): nothing about the surveys' design is written here. A key
absent from the codebook gives None, and the partial leaves that line out.
"""

from __future__ import annotations

from . import french as fr
from .report_common import GROUP_LABELS, GROUPS

#: Clause added to the inhabitants' weighting sentence when config.yaml has `weighting: raked`.
RAKED_CLAUSE = (
    "calés ensuite, dans chaque région, sur la répartition de la population par sexe et par tranche d'âge (recensement)"
)
#: ... and when it has `weighting: given` (nothing is raked).
GIVEN_CLAUSE = "utilisés tels qu'ils sont fournis, sans calage"


def _text(x) -> str | None:
    """A codebook text with French typography, None when absent or empty."""
    return fr.typography(str(x).strip()) if x is not None and str(x).strip() else None


def fieldwork_text(fieldwork: dict | None) -> str | None:
    """`{start: "2019-05-13", end: "2019-06-07"}` -> « du 13 mai au 7 juin 2019 » (« du 3 au 28 juin
    2019 » within a month, « le 4 juin 2019 » for one day, both years when they differ)."""
    if not fieldwork:
        return None
    (y1, m1, d1), (y2, m2, d2) = ([int(x) for x in str(fieldwork[k]).split("-")] for k in ("start", "end"))
    if (y1, m1, d1) > (y2, m2, d2):
        raise ValueError(f"fieldwork ends before it starts: {fieldwork}")
    end = f"{fr.day_of_month(d2)} {fr.MONTHS[m2 - 1]} {y2}"
    if (y1, m1, d1) == (y2, m2, d2):
        return f"le {end}"
    if (y1, m1) == (y2, m2):
        return f"du {fr.day_of_month(d1)} au {end}"
    if y1 == y2:
        return f"du {fr.day_of_month(d1)} {fr.MONTHS[m1 - 1]} au {end}"
    return f"du {fr.day_of_month(d1)} {fr.MONTHS[m1 - 1]} {y1} au {end}"


def _file_groups(spec: dict) -> list[str]:
    """The respondent groups of a survey file, in report order."""
    groups = {spec["group"]} if spec.get("group") else set((spec.get("group_values") or {}).values())
    return [g for g in GROUPS if g in groups] + sorted(groups - set(GROUPS))


def _count(counts: dict | None, group: str) -> int | None:
    if not counts or counts.get(group) is None:
        return None
    return int(counts[group])


def weighting_sentence(spec: dict, weighting: str) -> str | None:
    """One sentence: the design weights as delivered (codebook) and, for the inhabitants, the
    calibration on the population margins when the run rakes them, or that they are used as
    delivered (`weighting: given`)."""
    given = spec.get("weighting")
    inhabitants = "habitants" in _file_groups(spec)
    if not given and not inhabitants:
        return None
    text = (given[0].upper() + given[1:]) if given else "Poids de sondage du fichier"
    if inhabitants:
        text += ", " + (RAKED_CLAUSE if weighting == "raked" else GIVEN_CLAUSE)
    return fr.typography(text.rstrip(".") + ".")


def _statistic(m: dict) -> str:
    """What the report shows for a measure, in plain words (a capital first: it opens a sentence)."""
    kind = m["kind"]
    if kind == "mean":
        text = f"Note moyenne (de {m.get('min', 0)} à {m.get('max', 10)})"
    elif kind == "agree":
        text = "Part des répondants d'accord"
    elif m.get("domain") or m.get("pattern"):
        text = "Part des répondants citant le domaine"
    else:
        text = "Part des « oui »"
    if m.get("missing"):
        text += ", hors « ne sait pas »"
    return text


def _group_names(groups: set[str]) -> list[str]:
    """Respondent groups as printed in a sentence (« habitants », « maires »), in report order."""
    return [GROUP_LABELS[g].lower() for g in GROUPS if g in groups] + sorted(set(groups) - set(GROUPS))


def _asked_to(survey_estimates: list[dict] | None, france_code: str) -> dict[str, set[str]]:
    """measure_id -> respondent groups with a France estimate (the groups the question was put to)."""
    out: dict[str, set[str]] = {}
    for r in survey_estimates or []:
        if r.get("territory_code") == france_code and (r.get("n") or 0) > 0:
            out.setdefault(r["measure_id"], set()).add(r["respondent_group"])
    return out


def _optional_groups(codebook: dict) -> dict[str, set[str]]:
    """measure_id -> groups of the files that carry it as `optional: true` (they may not have been asked)."""
    out: dict[str, set[str]] = {}
    for spec in codebook["files"]:
        for mid, col in (spec.get("measure_columns") or {}).items():
            if col.get("optional"):
                out.setdefault(mid, set()).update(_file_groups(spec))
    return out


def survey_documentation(
    codebook: dict,
    samples: dict[str, int] | None,
    samples_france: dict[str, int] | None,
    *,
    weighting: str = "given",
    demo: bool = False,
    survey_estimates: list[dict] | None = None,
    france_code: str = "FR",
) -> dict:
    """The surveys and their questions, for the methodology page.

    `codebook`: config/survey.yaml as loaded by ``config.load_survey`` (pattern measures expanded
    over the domains, each with ``domain`` and ``family``; a raw, unexpanded codebook works too).
    `samples`, `samples_france`: respondents by group (``{"habitants": 1234, ...}``) in the
    territory and in France. `weighting`: config.yaml's ``weighting`` (``raked`` or ``given``).
    `demo`: the survey files are demonstration data (the descriptions are then those of the
    simulated design, and the partial says so). `survey_estimates`: optional rows of the
    ``survey_estimates`` table (``territory_code, respondent_group, measure_id, n``): the groups
    with a France estimate of a measure are the groups it was asked to.

    Returns ``{"surveys": [...], "questions": [...], "is_demo": bool}``. A survey: ``id, label,
    population, fieldwork, mode, sampling, weighting`` (texts or None) and ``groups``: ``group,
    label, n, n_text, n_france, n_france_text`` (``n_text`` « 1 234 », « – » without a count).
    A question: measures that follow each other with the same ``question``, ``answers`` and kind
    are one question (a battery of statements, the options of a multiple-choice question, the
    domains of a pattern): ``topics`` (their distinct topics) and ``topic`` (joined), ``question``,
    ``answers``, ``statistic`` (what the report shows), ``items`` (measure labels),
    ``items_text`` (the statements or options, quoted, with the groups asked when they differ;
    None for a single measure with a question and for patterns), ``domains_text`` (« 16
    domaines » for a pattern, else None), ``groups`` (the groups asked, in report order, when
    all items share them and they are not every group of the surveys; empty otherwise or
    without `survey_estimates`), ``not_asked_text`` (« non posée aux habitants » when a measure
    marked `optional: true` is absent from a group's file, « question non posée » when no group
    was asked it; None otherwise or without `survey_estimates`), ``measure_ids``.
    """
    surveys = []
    for spec in codebook["files"]:
        groups = []
        for g in _file_groups(spec):
            n, n_fr = _count(samples, g), _count(samples_france, g)
            groups.append(
                {
                    "group": g,
                    "label": GROUP_LABELS.get(g, g.capitalize()),
                    "n": n,
                    "n_text": fr.integer(n) if n is not None else "–",
                    "n_france": n_fr,
                    "n_france_text": fr.integer(n_fr) if n_fr is not None else "–",
                }
            )
        surveys.append(
            {
                "id": spec.get("id"),
                "label": _text(spec["label"]),
                "population": _text(spec.get("population")),
                "fieldwork": fieldwork_text(spec.get("fieldwork")),
                "mode": _text(spec.get("mode")),
                "sampling": _text(spec.get("sampling")),
                "weighting": weighting_sentence(spec, weighting),
                "groups": groups,
            }
        )

    asked = _asked_to(survey_estimates, france_code)
    optional = _optional_groups(codebook) if survey_estimates is not None else {}
    everyone = _group_names({g for spec in codebook["files"] for g in _file_groups(spec)})
    rows: list[dict] = []
    for m in codebook["measures"]:
        mid = m.get("id") or m.get("pattern")
        family = m.get("family") or m.get("pattern")  # the measures of one pattern
        key = (m.get("question"), m.get("answers"), m["kind"], family)
        item = {
            "label": _text(m.get("label")) or mid,
            "topic": _text(m.get("topic")),
            "groups": _group_names(asked.get(mid, set())),
            "domain": m.get("domain"),
            "not_asked": _group_names(optional.get(mid, set()) - asked.get(mid, set())),
        }
        last = rows[-1] if rows else None
        # measures with the same question follow each other: one row (without a question, one per
        # measure, except the measures of one pattern)
        if last is not None and last["_key"] == key and (key[0] is not None or family is not None):
            last["_items"].append(item)
            last["measure_ids"].append(mid)
            continue
        rows.append(
            {
                "_key": key,
                "_items": [item],
                "_pattern": bool(m.get("pattern")),
                "measure_ids": [mid],
                "question": _text(m.get("question")),
                "answers": _text(m.get("answers")),
                "statistic": fr.typography(_statistic(m)),
            }
        )
    questions = []
    for r in rows:
        items, family = r["_items"], r["_key"][3]
        topics = list(dict.fromkeys(i["topic"] or i["label"] for i in items))
        if family is not None:  # a pattern: one item per domain, not listed
            topics = topics[:1]
        same_groups = all(i["groups"] == items[0]["groups"] for i in items)

        def asked_text(groups: list[str]) -> str:
            return "tous les groupes" if groups == everyone else fr.join(groups)

        if family is not None:
            n = len(items)
            domains_text = "une mesure par domaine" if r["_pattern"] else f"{n} domaine{'s' if n > 1 else ''}"
            items_text = None
        else:
            domains_text = None
            items_text = None
            if len(items) > 1 or not r["question"]:
                items_text = " ; ".join(
                    f"« {i['label']} »"
                    + (
                        f" ({asked_text(i['groups'])})"
                        if not same_groups and i["groups"]
                        else " (non posée)"
                        if not same_groups and i["not_asked"]
                        else ""
                    )
                    for i in items
                )
        questions.append(
            {
                "topics": topics,
                "topic": fr.typography(" ; ".join(topics)),
                "question": r["question"],
                "answers": r["answers"],
                "statistic": r["statistic"],
                "items": [i["label"] for i in items],
                "items_text": fr.typography(items_text) if items_text else None,
                "domains_text": domains_text,
                "groups": items[0]["groups"] if same_groups and items[0]["groups"] != everyone else [],
                "not_asked_text": _not_asked_text(items),
                "measure_ids": r["measure_ids"],
            }
        )
    return {"surveys": surveys, "questions": questions, "is_demo": bool(demo)}


def _not_asked_text(items: list[dict]) -> str | None:
    """« non posée aux habitants » when an optional question is absent from a group's file (all the
    items of the row alike), « non posée » when no group was asked it; None otherwise."""
    missing = [i["not_asked"] for i in items]
    if not missing[0] or any(m != missing[0] for m in missing):
        return None
    if not any(i["groups"] for i in items):
        return "question non posée (absente des fichiers d’enquête)"
    return f"non posée aux {fr.join(missing[0])} (absente de leur fichier d’enquête)"
