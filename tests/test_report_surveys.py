"""The surveys on the methodology page (REPORT_SPEC §8): the codebook keys that document them
(config/survey.yaml, workflow/schemas/survey.schema.yaml), report_surveys.survey_documentation
and its partial."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from inline_configs import SURVEY_CODEBOOK_YAML

from impact_regions.config import ConfigError, load_survey, validate
from impact_regions.report_surveys import fieldwork_text, survey_documentation, weighting_sentence
from impact_regions.templating import jinja_env

REPO = Path(__file__).resolve().parents[1]
NBSP, NNBSP = "\u00a0", "\u202f"
DOMAINS = [{"id": "emploi", "label": "Emploi"}, {"id": "sante", "label": "Santé, accès aux soins"}]

#: The shared test codebook, documented: a citizens' file and an organisations' file, a pattern
#: measure, a battery of two statements (asked to different groups) and a single question.
DOCUMENTED = yaml.safe_load(SURVEY_CODEBOOK_YAML)
DOCUMENTED["files"][0].update(
    {
        "population": "personnes de 18 ans et plus",
        "fieldwork": {"start": "2019-05-13", "end": "2019-06-07"},
        "mode": "questionnaire en ligne (panel)",
        "sampling": "méthode des quotas",
        "weighting": "poids de l'institut",
    }
)
DOCUMENTED["files"].append(
    {
        "id": "organisations",
        "path": "survey/phare.csv",
        "label": "PHARE-Organisations (test)",
        "id_column": "id_organisation",
        "group_column": "type_acteur",
        "weight_column": "poids",
        "group_values": {"association": "associations", "entreprise": "entreprises", "maire": "maires"},
        "fieldwork": {"start": "2019-04-01", "end": "2019-04-30"},
        "mode": "en ligne ou par téléphone",
    }
)
DOCUMENTED["measures"] = [
    {
        "pattern": "fragilite_{domain}",
        "kind": "mean",
        "min": 0,
        "max": 10,
        "missing": [99],
        "label": "Fragilité : {domain_label}",
        "topic": "Fragilité perçue",
        "question": "Diriez-vous que votre territoire est fragile dans chacun des domaines suivants ?",
        "answers": "de 0 (pas du tout) à 10 (très fragile)",
    },
    {
        "id": "devoir_alliance",
        "kind": "agree",
        "min": 1,
        "max": 4,
        "positive": [1, 2],
        "missing": [9],
        "label": "Les acteurs doivent travailler ensemble",
        "topic": "Devoir d'alliance",
        "question": "Êtes-vous d'accord avec chacune des affirmations suivantes ?",
        "answers": "4 niveaux d'accord",
    },
    {
        "id": "alliance_innovation",
        "kind": "agree",
        "min": 1,
        "max": 4,
        "positive": [1, 2],
        "missing": [9],
        "label": "Les alliances sont une source d'innovation",
        "topic": "Alliances et innovation",
        "question": "Êtes-vous d'accord avec chacune des affirmations suivantes ?",
        "answers": "4 niveaux d'accord",
    },
    {
        "id": "a_partenariat",
        "kind": "share",
        "label": "A un partenariat",
        "topic": "Partenariats",
        "question": "Votre structure a-t-elle un partenariat ?",
        "answers": "oui, non",
    },
    {"id": "mode_mecenat", "kind": "share", "label": "Mécénat"},
]
SAMPLES = {"habitants": 1234, "associations": 310, "entreprises": 250, "maires": 0}
SAMPLES_FR = {"habitants": 13051, "associations": 2373, "entreprises": 2210, "maires": 1900}
ESTIMATES = (
    [
        {"territory_code": "FR", "respondent_group": g, "measure_id": m, "n": 100}
        for g in ("habitants", "associations", "entreprises", "maires")
        for m in ("fragilite_emploi", "fragilite_sante", "alliance_innovation")
    ]
    + [{"territory_code": "FR", "respondent_group": "habitants", "measure_id": "devoir_alliance", "n": 100}]
    + [
        {"territory_code": "FR", "respondent_group": g, "measure_id": "a_partenariat", "n": 100}
        for g in ("associations", "entreprises", "maires")
    ]
    + [{"territory_code": "93", "respondent_group": "maires", "measure_id": "devoir_alliance", "n": 5}]
)


def load(tmp_path, data: dict) -> dict:
    path = tmp_path / "survey.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_survey(path, DOMAINS)


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    codebook = load(tmp_path_factory.mktemp("survey"), DOCUMENTED)
    return survey_documentation(codebook, SAMPLES, SAMPLES_FR, weighting="raked", demo=True, survey_estimates=ESTIMATES)


# ------------------------------------------------------------------------------------------------
# the codebook keys
# ------------------------------------------------------------------------------------------------


def test_new_keys_validate(tmp_path):
    # GIVEN the test codebook with the documentation keys WHEN it is loaded THEN it validates and
    # the keys are kept (a pattern's question is copied to each domain's measure)
    codebook = load(tmp_path, DOCUMENTED)
    assert codebook["files"][0]["fieldwork"] == {"start": "2019-05-13", "end": "2019-06-07"}
    assert codebook["measures"][0]["question"].startswith("Diriez-vous")
    assert codebook["measures"][1]["question"] == DOCUMENTED["measures"][0]["question"]  # fragilite_sante


def test_documentation_keys_are_optional(tmp_path):
    # GIVEN the codebook of the other tests, without any documentation key WHEN loaded THEN valid
    load(tmp_path, yaml.safe_load(SURVEY_CODEBOOK_YAML))


@pytest.mark.parametrize(
    "where, key, value, words",
    [
        ("files", "fieldwork", {"start": "2019-5-13", "end": "2019-06-07"}, "does not match"),
        ("files", "fieldwork", {"start": "2019-05-13"}, "'end' is a required property"),
        ("files", "fieldwork", {"start": "2019-05-13", "end": "2019-06-07", "days": 25}, "Additional properties"),
        ("files", "mode", "", "should be non-empty"),
        ("files", "modes", "en ligne", "Additional properties"),
        ("measures", "question", "Fragile en {domain_label} ?", "does not match"),
        ("measures", "answers", 10, "is not of type 'string'"),
        ("measures", "topic", ["a"], "is not of type 'string'"),
    ],
)
def test_bad_documentation_keys_are_refused(tmp_path, where, key, value, words):
    # GIVEN a codebook with one wrong documentation key
    data = copy.deepcopy(DOCUMENTED)
    data[where][0][key] = value
    # WHEN it is validated THEN the error names the field
    with pytest.raises(ConfigError) as err:
        validate(data, "survey", "survey.yaml")
    assert f"{where}.0" in str(err.value) and words in str(err.value)


def test_unquoted_dates_are_refused():
    # GIVEN dates left unquoted in YAML (read as datetime.date) WHEN validated THEN refused
    data = copy.deepcopy(DOCUMENTED)
    data["files"][0]["fieldwork"] = yaml.safe_load("{start: 2019-05-13, end: 2019-06-07}")
    with pytest.raises(ConfigError, match=r"files\.0\.fieldwork\.(start|end).*is not of type 'string'"):
        validate(data, "survey", "survey.yaml")


def test_new_keys_are_documented():
    # GIVEN the schema and config/README.md WHEN read THEN every new key has a description in the
    # schema and is named in the README's survey section
    schema = yaml.safe_load((REPO / "workflow/schemas/survey.schema.yaml").read_text(encoding="utf-8"))
    files = schema["properties"]["files"]["items"]["properties"]
    measures = schema["properties"]["measures"]["items"]["properties"]
    readme = (REPO / "config/README.md").read_text(encoding="utf-8")
    survey_section = readme[readme.index("## `survey.yaml`") :]
    for props, keys in (
        (files, ["population", "fieldwork", "mode", "sampling", "weighting"]),
        (measures, ["topic", "question", "answers"]),
    ):
        for key in keys:
            assert props[key]["description"], key
            assert f"`{key}`" in survey_section, key


def test_shipped_codebook_documents_every_file_and_question():
    # GIVEN config/survey.yaml WHEN validated THEN every file has its fieldwork and mode and every
    # measure its question and answers, and the file says they are demonstration values
    path = REPO / "config" / "survey.yaml"
    data = validate(yaml.safe_load(path.read_text(encoding="utf-8")), "survey", path)
    for f in data["files"]:
        assert {"population", "fieldwork", "mode", "sampling", "weighting"} <= set(f), f["id"]
        fieldwork_text(f["fieldwork"])  # a real period
    for m in data["measures"]:
        assert m.get("question") and m.get("answers"), m.get("id") or m.get("pattern")
    assert "DEMONSTRATION" in path.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------------
# survey_documentation
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, end, text",
    [
        ("2019-05-13", "2019-06-07", "du 13 mai au 7 juin 2019"),
        ("2019-06-03", "2019-06-28", "du 3 au 28 juin 2019"),
        ("2019-04-01", "2019-06-28", "du 1er avril au 28 juin 2019"),
        ("2018-12-12", "2019-01-01", "du 12 décembre 2018 au 1er janvier 2019"),
        ("2019-06-04", "2019-06-04", "le 4 juin 2019"),
    ],
)
def test_fieldwork_in_french(start, end, text):
    assert fieldwork_text({"start": start, "end": end}) == text


def test_fieldwork_ending_before_its_start_is_an_error():
    with pytest.raises(ValueError, match="ends before"):
        fieldwork_text({"start": "2019-06-07", "end": "2019-05-13"})


def test_surveys_with_counts_by_group(doc):
    # GIVEN counts for the territory and France WHEN documented THEN each survey lists its own
    # groups in report order with French integers (0 stays 0; an absent count is a dash)
    cit, org = doc["surveys"]
    assert cit["label"] == "IMPACT-Citoyens (test)"
    assert [g["group"] for g in cit["groups"]] == ["habitants"]
    assert cit["groups"][0]["n_text"] == f"1{NNBSP}234" and cit["groups"][0]["n_france_text"] == f"13{NNBSP}051"
    assert [g["label"] for g in org["groups"]] == ["Associations", "Entreprises", "Maires"]
    assert org["groups"][2]["n_text"] == "0"
    assert cit["fieldwork"] == "du 13 mai au 7 juin 2019"
    assert cit["mode"] == "questionnaire en ligne (panel)" and cit["sampling"] == "méthode des quotas"
    assert org["population"] is None and org["sampling"] is None and org["weighting"] is None
    missing = survey_documentation({"files": DOCUMENTED["files"], "measures": []}, None, {"habitants": 5})
    assert missing["surveys"][0]["groups"][0]["n_text"] == "–"


def test_weighting_in_one_sentence():
    # GIVEN the inhabitants' file WHEN the run rakes their weights THEN the sentence says so;
    # with the given weights it says they are used as delivered; organisations are never raked
    cit, org = DOCUMENTED["files"]
    raked = weighting_sentence(cit, "raked")
    assert raked.startswith("Poids de l") and "calés" in raked and "sexe" in raked and raked.endswith(".")
    assert raked.count(".") == 1
    assert weighting_sentence(cit, "given").replace("\u2019", "'") == (
        "Poids de l'institut, utilisés tels qu'ils sont fournis, sans calage."
    )
    assert weighting_sentence(org, "raked") is None and weighting_sentence(org, "given") is None


@pytest.mark.parametrize("mode", ["raked", "given"])
def test_methodology_page_says_how_the_inhabitants_weights_are_used(mode):
    # GIVEN the weighting paragraph of the methodology page and a territory's raking margins
    from impact_regions.report_method import weighting_context

    template = (REPO / "templates" / "partials" / "methodology.html.j2").read_text(encoding="utf-8")
    paragraph = next(line for line in template.splitlines() if "Chaque répondant est pondéré" in line)
    margins = [
        {
            "territory_code": "93",
            "variable": "sexe",
            "category": "1",
            "target_share": 0.48,
            "achieved_share": 0.48 if mode == "raked" else 0.50,
            "achieved_share_design": 0.50,
            "kish_efficiency": 0.8 if mode == "raked" else 0.9,
            "kish_efficiency_design": 0.9,
            "n": 100,
        }
    ]
    config = {"weighting": mode, "survey_estimation": {"multiple_testing": "holm"}}
    ctx = {
        "weighting": weighting_context(config, margins, "93"),
        "method": {"estimation": {"confidence_level": 0.95, "alpha": 0.05}},
    }
    # WHEN it is rendered
    text = jinja_env(REPO / "templates").from_string(paragraph).render(ctx=ctx)
    text = re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " "))
    # THEN raked weights are described as calibrated, with the SEs accounting for it; given
    # weights as used as delivered, with the gap to the population and their Kish efficiency
    if mode == "raked":
        assert "calés (raking)" in text and "en tenant compte du calage des poids et du fait" in text
        assert "tels qu'ils sont fournis" not in text
    else:
        assert "Les poids des habitants sont utilisés tels qu'ils sont fournis, sans calage" in text
        assert "est de 2,0 points" in text and "efficacité de Kish des poids est de 90 %" in text
        assert "calés" not in text and "calage des poids et" not in text


def test_questions_grouped_with_wording_and_scale(doc):
    # GIVEN a pattern, a battery of two statements sharing one question, a single question and a
    # measure without documentation
    qs = doc["questions"]
    # THEN the pattern is one question for its domains, the battery one question listing its
    # statements with the groups asked (they differ), then one row each for the others
    assert [q["topic"].replace("\u2019", "'") for q in qs] == [
        "Fragilité perçue",
        f"Devoir d'alliance{NNBSP}; Alliances et innovation",
        "Partenariats",
        "Mécénat",
    ]
    frag, battery, partner, mecenat = qs
    assert frag["domains_text"] == "2 domaines" and frag["items_text"] is None
    assert frag["measure_ids"] == ["fragilite_emploi", "fragilite_sante"]
    assert frag["answers"] == "de 0 (pas du tout) à 10 (très fragile)"
    assert frag["statistic"].startswith("Note moyenne (de 0 à 10)") and "ne sait pas" in frag["statistic"]
    assert frag["groups"] == []  # asked to everyone: not repeated
    assert frag["question"].endswith(f"suivants{NNBSP}?")  # French typography
    assert [t.replace("\u2019", "'") for t in battery["topics"]] == ["Devoir d'alliance", "Alliances et innovation"]
    assert battery["items_text"].replace("\u2019", "'") == (
        f"«{NBSP}Les acteurs doivent travailler ensemble{NBSP}» (habitants){NNBSP}; "
        f"«{NBSP}Les alliances sont une source d'innovation{NBSP}» (tous les groupes)"
    )
    assert "(habitants)" in battery["items_text"] and "(tous les groupes)" in battery["items_text"]
    assert battery["groups"] == []
    assert partner["groups"] == ["associations", "entreprises", "maires"]
    assert partner["statistic"].startswith("Part des")
    # no question in the codebook: the label stands in, nothing is invented
    assert mecenat["question"] is None and mecenat["answers"] is None
    assert "Mécénat" in mecenat["items_text"]


def test_raw_codebook_works_too():
    # GIVEN the codebook as written (patterns not expanded) WHEN documented THEN one row per pattern
    d = survey_documentation(DOCUMENTED, SAMPLES, SAMPLES_FR)
    assert d["questions"][0]["domains_text"] == "une mesure par domaine"
    assert d["questions"][0]["measure_ids"] == ["fragilite_{domain}"]


def test_json_serialisable(doc):
    import json

    text = json.dumps(doc, ensure_ascii=False, allow_nan=False)
    assert "NaN" not in text


# ------------------------------------------------------------------------------------------------
# the partial
# ------------------------------------------------------------------------------------------------


def render(doc, short_name="PACA") -> str:
    env = jinja_env(REPO / "templates")
    return env.get_template("partials/surveys.html.j2").render(
        ctx={"survey_documentation": doc}, t={"short_name": short_name}
    )


def test_partial_renders_surveys_and_questions(doc):
    # GIVEN the documentation WHEN the partial is rendered (autoescape, StrictUndefined)
    html = render(doc)
    # THEN two captioned tables with scoped headers, the counts right-aligned, the design and
    # the questions; the demonstration note; no "None" or "nan"
    assert "<caption>Enquêtes&nbsp;: terrain, mode de collecte, pondération et nombre de répondants</caption>" in html
    assert "<caption>Questions posées</caption>" in html
    assert '<th scope="col" class="num">PACA</th>' in html
    assert '<th scope="rowgroup" rowspan="3">PHARE-Organisations (test)' in html
    assert f'<td class="num">1{NNBSP}234</td><td class="num">13{NNBSP}051</td>' in html
    assert "terrain du 13 mai au 7 juin 2019" in html and "méthode des quotas" in html
    assert "posée aux associations, entreprises et maires" in html
    assert "données de démonstration" in html
    assert not re.search(r"\b(nan|None)\b", html)


def test_partial_escapes_codebook_texts(doc):
    # GIVEN markup in a codebook text and in the territory name WHEN rendered THEN escaped
    bad = copy.deepcopy(doc)
    bad["surveys"][0]["mode"] = "<img src=x onerror=alert(1)>"
    html = render(bad, short_name="<b>X</b>")
    assert "<img" not in html and "&lt;img src=x" in html and "&lt;b&gt;X&lt;/b&gt;" in html


def test_partial_without_documentation_keys(tmp_path):
    # GIVEN a codebook without any documentation key and no demo WHEN rendered THEN the labels and
    # counts only: no empty "Population :" line, no demonstration note
    d = survey_documentation(load(tmp_path, yaml.safe_load(SURVEY_CODEBOOK_YAML)), SAMPLES, SAMPLES_FR)
    html = render(d)
    assert "Population" not in html and "démonstration" not in html
    assert "IMPACT-Citoyens (test)" in html
    assert not re.search(r"\b(nan|None)\b", html)


def test_optional_question_absent_from_a_file_is_said_not_asked(tmp_path):
    # GIVEN a codebook whose organisations' file carries alliance_innovation and mode_mecenat as
    # optional, and estimates where the organisations have no alliance_innovation and nobody has
    # mode_mecenat (their columns were absent from the files)
    data = copy.deepcopy(DOCUMENTED)
    data["files"][0]["measures"] = ["fragilite_{domain}", "devoir_alliance", "alliance_innovation"]
    data["files"][1]["measures"] = {
        "fragilite_{domain}": None,
        "alliance_innovation": {"optional": True},
        "a_partenariat": None,
        "mode_mecenat": {"column": "Q20_1", "optional": True},
    }
    estimates = [
        r for r in ESTIMATES if not (r["measure_id"] == "alliance_innovation" and r["respondent_group"] != "habitants")
    ]
    # WHEN documented
    d = survey_documentation(load(tmp_path, data), SAMPLES, SAMPLES_FR, survey_estimates=estimates)
    by_topic = {q["topics"][-1]: q for q in d["questions"]}
    # THEN the methodology page says which groups were not asked, and that nobody was asked the other
    assert by_topic["Mécénat"]["not_asked_text"] == "question non posée (absente des fichiers d’enquête)"
    battery = next(q for q in d["questions"] if "alliance_innovation" in q["measure_ids"])
    assert battery["not_asked_text"] is None  # devoir_alliance has no optional file: the items differ
    assert battery["groups"] == ["habitants"]
    data["measures"] = [m for m in data["measures"] if m.get("id") != "devoir_alliance"]
    data["files"][0]["measures"].remove("devoir_alliance")
    alone = survey_documentation(load(tmp_path, data), SAMPLES, SAMPLES_FR, survey_estimates=estimates)
    innovation = next(q for q in alone["questions"] if q["measure_ids"] == ["alliance_innovation"])
    assert (
        innovation["not_asked_text"]
        == "non posée aux associations, entreprises et maires (absente de leur fichier d’enquête)"
    )
    assert all(
        q["not_asked_text"] is None
        for q in survey_documentation(load(tmp_path, DOCUMENTED), SAMPLES, SAMPLES_FR, survey_estimates=ESTIMATES)[
            "questions"
        ]
    )
    # and in a battery whose statement nobody was asked, that statement is marked « non posée »
    data["measures"].insert(1, copy.deepcopy(DOCUMENTED["measures"][1]))  # devoir_alliance again
    data["files"][0]["measures"] = {
        "fragilite_{domain}": None,
        "devoir_alliance": {"optional": True},
        "alliance_innovation": None,
    }
    no_devoir = [r for r in estimates if r["measure_id"] != "devoir_alliance"]
    battery = next(
        q
        for q in survey_documentation(load(tmp_path, data), SAMPLES, SAMPLES_FR, survey_estimates=no_devoir)[
            "questions"
        ]
        if "devoir_alliance" in q["measure_ids"]
    )
    assert battery["items_text"].replace("\u2019", "'") == (
        f"«{NBSP}Les acteurs doivent travailler ensemble{NBSP}» (non posée){NNBSP}; "
        f"«{NBSP}Les alliances sont une source d'innovation{NBSP}» (habitants)"
    )
    # and the partial prints it under the measure
    html = (
        jinja_env(REPO / "templates")
        .get_template("partials/surveys.html.j2")
        .render(ctx={"survey_documentation": d}, t={"short_name": "PACA"})
    )
    assert "question non posée" in html
