"""Every département as a territory (config `territories: {departements: true}`): the definitions
made from the reference geography and the articles table (impact_regions.departement_territories),
the option's validation, and the département's rank wording (impact_regions.report_profile)."""

from __future__ import annotations

from pathlib import Path

import pytest

from impact_regions.config import check_config, load_yaml
from impact_regions.departement_territories import ARTICLES, departement_territories, forms, load_articles, slugify
from impact_regions.errors import ConfigError
from impact_regions.geo import read_departements
from impact_regions.report_profile import OVERSEAS_DEPARTEMENTS, departement_rank, departement_rank_words, metro_rank

ROOT = Path(__file__).resolve().parents[1]
GEO = ROOT / "data" / "raw" / "geo"


def test_every_cog_departement_has_its_article_under_its_cog_name():
    # GIVEN the 101 départements of the shipped COG and the articles table
    cog = {d["code_departement"]: d["nom_departement"] for d in read_departements(GEO)}
    articles = load_articles()
    # THEN the table has exactly these départements, under the COG's names
    assert {c: a["name"] for c, a in articles.items()} == cog
    assert len(cog) == 101


@pytest.mark.parametrize(
    "code, locative, genitive, nominative",
    [
        ("13", "dans les Bouches-du-Rhône", "des Bouches-du-Rhône", "les Bouches-du-Rhône"),
        ("59", "dans le Nord", "du Nord", "le Nord"),
        ("48", "en Lozère", "de la Lozère", "la Lozère"),
        ("2A", "en Corse-du-Sud", "de la Corse-du-Sud", "la Corse-du-Sud"),
        ("974", "à La Réunion", "de La Réunion", "La Réunion"),
        ("976", "à Mayotte", "de Mayotte", "Mayotte"),
        ("75", "à Paris", "de Paris", "Paris"),
        ("01", "dans l'Ain", "de l'Ain", "l'Ain"),
        ("07", "en Ardèche", "de l'Ardèche", "l'Ardèche"),
        ("90", "dans le Territoire de Belfort", "du Territoire de Belfort", "le Territoire de Belfort"),
        ("50", "dans la Manche", "de la Manche", "la Manche"),
    ],
)
def test_departement_names_in_sentences(code, locative, genitive, nominative):
    a = load_articles()[code]
    assert forms(a["name"], a["article"], a["in"]) == {
        "locative": locative,
        "genitive": genitive,
        "nominative": nominative,
    }


def test_territories_have_slugs_under_departements_and_their_region():
    # WHEN the 101 territories are made from the shipped geography
    ts = {t["code"]: t for t in departement_territories(GEO)}
    # THEN each is the base table's DEP-<code>, with its report under departements/<code>-<name>
    assert len(ts) == 101
    assert ts["DEP-13"]["slug"] == "departements/13-bouches-du-rhone"
    assert ts["DEP-2A"]["slug"] == "departements/2A-corse-du-sud"
    assert ts["DEP-974"]["slug"] == "departements/974-la-reunion"
    assert ts["DEP-22"]["slug"] == "departements/22-cotes-d-armor"
    # AND it carries its kind, its one département, its region's name, and no file
    t = ts["DEP-48"]
    assert (t["kind"], t["departements"], t["region_name"], t["path"], t["intro"]) == (
        "departement",
        ["48"],
        "Occitanie",
        None,
        "",
    )
    assert ts["DEP-976"]["region_name"] == "Mayotte"
    assert slugify("Val-d'Oise") == "val-d-oise"


def test_a_departement_missing_from_the_articles_table_stops_the_run(tmp_path):
    # GIVEN an articles table without Lozère
    text = ARTICLES.read_text(encoding="utf-8")
    table = tmp_path / "articles.yaml"
    kept = [line for line in text.splitlines() if not line.startswith('"48"')]
    table.write_text("\n".join(kept) + "\n", encoding="utf-8")
    # THEN making the territories names the file and the département
    with pytest.raises(ConfigError, match="48 Lozère"):
        departement_territories(GEO, table)


def test_option_is_off_by_default_and_accepts_command_line_text():
    cfg = load_yaml(ROOT / "config" / "config.yaml")
    assert check_config(cfg, "config.yaml")["territories"] == {"departements": False}
    # `snakemake --config 'territories={departements: true}'` passes the value as text
    for given, expected in (("true", True), ("True", True), ("false", False), (True, True)):
        assert (
            check_config({**cfg, "territories": {"departements": given}}, "c")["territories"]["departements"]
            is expected
        )
    with pytest.raises(ConfigError, match="territories"):
        check_config({**cfg, "territories": {"departements": "oui"}}, "c")


def test_departements_are_ranked_among_departements_in_words():
    assert departement_rank_words(12, 101, None) == "est le 12e département le plus fragile sur 101"
    assert departement_rank_words(1, 101, None, plural=True) == "sont le département le plus fragile des 101"
    assert departement_rank_words(101, 101, None) == "est le département le moins fragile des 101"
    assert departement_rank_words(8, 101, (3, 96)) == (
        "est le 8e département le plus fragile sur 101 (3e des 96 départements métropolitains)"
    )
    assert departement_rank({"rank_among_departements": 1}, tied=1)["rank_text"] == "1er ex æquo"
    assert departement_rank({"rank_among_departements": None})["rank_text"] is None


def test_metropolitan_rank_among_departements():
    # GIVEN two overseas départements above Nord, one metropolitan one above it
    fi = [
        {"territory_code": c, "domain_id": "ensemble", "score": s}
        for c, s in [("DEP-976", 3.0), ("DEP-973", 2.0), ("DEP-93", 1.0), ("DEP-59", 0.8), ("DEP-48", -0.5)]
    ]
    deps = {r["territory_code"] for r in fi}
    # THEN Nord is 2nd of the 3 metropolitan départements; an overseas one gets no such rank
    assert metro_rank(fi, "DEP-59", 0.8, deps, OVERSEAS_DEPARTEMENTS) == (2, 3)
    assert metro_rank(fi, "DEP-973", 2.0, deps, OVERSEAS_DEPARTEMENTS) is None


def test_nothing_is_said_of_gaps_a_small_departement_cannot_show():
    from impact_regions.report_essentiel import perception_message
    from impact_regions.report_perception import gap_sentence

    # GIVEN a département whose inhabitants' perception is suppressed everywhere (no perceived rank)
    gaps = [
        {
            "domain_id": d,
            "phrase": d,
            "rank_objective": i + 1,
            "rank_perceived": None,
            "objective": 0.1,
            "is_significant": False,
            "gap": None,
        }
        for i, d in enumerate(["emploi", "sante"])
    ]
    # THEN the rank comparison says nothing (the chart's sentence says why) rather than « même ordre »
    assert gap_sentence(gaps, None) == ""
    # AND with a published perception, the first page makes no claim about untested gaps
    ctx = {
        "territory": {"kind": "departement"},
        "gaps": [],
        "perceived": [
            {"phrase": "l'emploi", "estimate": 6.3, "france": 6.4, "is_significant": False, "diff": -0.1, "position": 1}
        ],
    }
    assert "ne s'écarte nettement" not in perception_message(ctx)["text"]
    ctx["territory"]["kind"] = "region"
    assert "ne s'écarte nettement" in perception_message(ctx)["text"]


def test_the_config_hash_ignores_the_territories_choice_and_comments(tmp_path):
    # GIVEN two config files that differ only by the territories option and a comment
    from impact_regions.provenance import config_content

    a, b, c = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.yaml"
    a.write_text("vintage: 2017\nterritories:\n  departements: false\n", encoding="utf-8")
    b.write_text("# départements on\nvintage: 2017\nterritories: {departements: true}\n", encoding="utf-8")
    c.write_text("vintage: 2018\nterritories: {departements: true}\n", encoding="utf-8")
    # THEN their hashed content is the same; a change of method or vintage still counts
    assert config_content(a) == config_content(b)
    assert config_content(a) != config_content(c)
