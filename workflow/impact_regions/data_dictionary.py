"""The data dictionary of the processed tables (DESIGN §6), in French, for the table archive
``reports/donnees/impact-regions-tables.zip`` (:mod:`impact_regions.tables_archive`).

:data:`TABLES` gives, for every published table, its grain (what one row is), its key and, for
every column, its unit and meaning; :data:`CODES` the meaning of the coded values that the
tables store as short ids (reliability, quadrant, kind...). The type of a column is not written
here: it is read from the Parquet file itself. A column of a table that is absent from
:data:`TABLES` stops the archive job (:func:`check_columns`): the dictionary cannot fall behind.
``{score_unit}`` in a text is the unit of the normalisation of the run.
"""

from __future__ import annotations

SHARE = "part entre 0 et 1"
CODE = "code"

#: table -> grain, key, columns {name: (unit, meaning)}
TABLES: dict[str, dict] = {
    "territories": {
        "grain": "un territoire et l'un de ses départements (un territoire a autant de lignes que de départements)",
        "key": ["territory_code", "departement_code"],
        "columns": {
            "territory_code": (
                CODE,
                "Code du territoire : code de région (COG, ex. 93), DEP-<code> pour un "
                "département (ex. DEP-2A), FR pour la France entière, code libre d'un territoire "
                "composé (voir libelles.csv)",
            ),
            "departement_code": (CODE, "Code officiel géographique d'un département du territoire (01, 2A, 971...)"),
            "territory_name": ("texte", "Nom du territoire"),
            "kind": (
                CODE,
                "Nature du territoire : region, departement, france, personnalise (territoire composé de "
                "départements, défini dans config/regions)",
            ),
            "departement_name": ("texte", "Nom du département"),
            "region_code": (CODE, "Code de la région du département"),
        },
    },
    "indicator_values": {
        "grain": "un indicateur pour un territoire",
        "key": ["indicator_id", "territory_code"],
        "columns": {
            "indicator_id": (CODE, "Identifiant de l'indicateur (libellé, unité et source dans libelles.csv)"),
            "territory_code": (CODE, "Code du territoire (voir territories)"),
            "domain_id": (CODE, "Domaine de fragilité de l'indicateur"),
            "year": ("année", "Millésime des données de l'indicateur"),
            "numerator": ("effectif", "Somme des numérateurs communaux (indicateurs de comptage ; vide sinon)"),
            "denominator": ("effectif", "Somme des dénominateurs communaux (indicateurs de comptage ; vide sinon)"),
            "value": (
                "unité de l'indicateur (libelles.csv)",
                "Valeur de l'indicateur pour le territoire (vide si manquante, voir missing_reason)",
            ),
            "missing_reason": (CODE, "Pourquoi la valeur manque (vide si elle est connue)"),
            "value_method": (
                CODE,
                "Comment la valeur a été obtenue : somme_des_effectifs, publiee ou moyenne_ponderee",
            ),
            "source_level": (CODE, "Niveau géographique des données sources utilisées (commune, departement, region)"),
            "coverage": (
                SHARE,
                "Part du territoire couverte par les données (du dénominateur, ou de la population "
                "pour une moyenne pondérée)",
            ),
        },
    },
    "indicator_scores": {
        "grain": "un indicateur pour un territoire",
        "key": ["indicator_id", "territory_code"],
        "columns": {
            "indicator_id": (CODE, "Identifiant de l'indicateur"),
            "territory_code": (CODE, "Code du territoire"),
            "domain_id": (CODE, "Domaine de l'indicateur"),
            "value": ("unité de l'indicateur", "Valeur brute (celle de indicator_values)"),
            "score": ("{score_unit}", "Score normalisé et orienté : une valeur plus élevée signale plus de fragilité"),
            "is_treated": ("booléen", "La valeur a été transformée par le traitement des valeurs extrêmes"),
            "treatment": (CODE, "Traitement appliqué à l'indicateur (aucun, box_cox, winsorisation)"),
        },
    },
    "fragility_indices": {
        "grain": "un domaine de fragilité (ou l'indice global, domain_id = ensemble) pour un territoire",
        "key": ["territory_code", "domain_id"],
        "columns": {
            "territory_code": (CODE, "Code du territoire"),
            "domain_id": (CODE, "Domaine (ensemble : indice global, moyenne des 16 domaines)"),
            "family": (CODE, "Famille du domaine (economique, social, societal, environnemental ; ensemble)"),
            "score": ("{score_unit}", "Score de fragilité du domaine : moyenne des scores de ses indicateurs"),
            "rank_among_regions": (
                "rang",
                "Rang parmi les régions, 1 = la plus fragile (rang qu'il occuperait pour "
                "un territoire composé ; vide pour les départements et la France)",
            ),
            "rank_among_departements": (
                "rang",
                "Rang parmi les 101 départements, 1 = le plus fragile (départements "
                "seulement ; vide pour les autres territoires)",
            ),
            "n_indicators": ("nombre", "Nombre d'indicateurs renseignés du domaine"),
            "rank_median": ("rang", "Rang médian sur les simulations de Monte-Carlo des choix de méthode"),
            "rank_p05": ("rang", "5e centile du rang simulé (borne basse de l'intervalle de rang)"),
            "rank_p95": ("rang", "95e centile du rang simulé (borne haute de l'intervalle de rang)"),
        },
    },
    "survey_estimates": {
        "grain": "une mesure d'enquête pour un groupe de répondants d'un territoire",
        "key": ["territory_code", "respondent_group", "measure_id"],
        "columns": {
            "territory_code": (CODE, "Code du territoire (FR : tous les répondants)"),
            "respondent_group": (CODE, "Groupe de répondants : habitants, associations, entreprises, maires"),
            "measure_id": (CODE, "Identifiant de la mesure (question dans libelles.csv)"),
            "estimate": (
                "note (kind moyenne) ou part entre 0 et 1 (accord, part)",
                "Estimation pondérée (vide si non diffusée)",
            ),
            "se": ("unité de estimate", "Erreur type de l'estimation (plan de sondage, calage)"),
            "ci_low": (
                "unité de estimate",
                "Borne basse de l'intervalle de confiance (niveau de la configuration, 95 %)",
            ),
            "ci_high": ("unité de estimate", "Borne haute de l'intervalle de confiance"),
            "n": ("répondants", "Nombre de répondants ayant répondu"),
            "n_eff": ("répondants", "Taille d'échantillon effective de Kish (tient compte des poids)"),
            "diff_vs_france": ("unité de estimate", "Estimation du territoire moins celle de la France"),
            "se_diff": (
                "unité de estimate",
                "Erreur type de la différence à la France (recouvrement des échantillons)",
            ),
            "p_value": ("probabilité", "p-valeur bilatérale de la différence à la France"),
            "p_value_holm": (
                "probabilité",
                "p-valeur corrigée de Holm (les 16 domaines d'une question forment une famille)",
            ),
            "is_significant": ("booléen", "Différence à la France significative (p_value_holm sous le seuil alpha)"),
            "reliability": (CODE, "Fiabilité : fiable, prudence, non_publie"),
            "kind": (CODE, "Nature de la mesure : moyenne, accord, part"),
        },
    },
    "perception_gaps": {
        "grain": "un domaine pour un territoire (France exclue) : fragilité mesurée et fragilité perçue",
        "key": ["territory_code", "domain_id"],
        "columns": {
            "territory_code": (CODE, "Code du territoire"),
            "domain_id": (CODE, "Domaine"),
            "objective_score": ("{score_unit}", "Score du domaine moins celui de la France (0 = France)"),
            "perceived_score": ("note de 0 à 10", "Fragilité perçue par les habitants (moyenne)"),
            "perceived_diff_vs_france": ("points (note sur 10)", "Fragilité perçue moins celle de la France"),
            "rank_objective": ("rang", "Rang du domaine dans le territoire selon le score mesuré (1 = le plus élevé)"),
            "rank_perceived": ("rang", "Rang du domaine selon la fragilité perçue (1 = la plus élevée)"),
            "rank_gap": ("rangs", "rank_perceived moins rank_objective (> 0 : moins perçu que mesuré)"),
            "quadrant": (CODE, "Position par rapport à la France sur les deux axes (voir libelles.csv)"),
            "is_significant": ("booléen", "Différence perçue à la France significative"),
            "perceived_p_value": ("probabilité", "p-valeur de la différence perçue à la France"),
            "perceived_reliability": (CODE, "Fiabilité de l'estimation perçue : fiable, prudence, non_publie"),
            "spearman_rho": (
                "corrélation (-1 à 1)",
                "Corrélation de Spearman des deux classements des domaines du "
                "territoire (même valeur sur ses 16 lignes)",
            ),
            "gap": (
                "écarts-types entre régions",
                "Écart standardisé : position perçue moins position mesurée "
                "(> 0 : plus d'inquiétude que les indicateurs n'en montrent)",
            ),
            "gap_ci_low": ("écarts-types entre régions", "Borne basse de l'intervalle de l'écart (Monte-Carlo)"),
            "gap_ci_high": ("écarts-types entre régions", "Borne haute de l'intervalle de l'écart"),
            "gap_ci_level": (SHARE, "Niveau de l'intervalle (au moins 0,95 ; plus élevé sous la correction de Holm)"),
            "gap_p_value": ("probabilité", "p-valeur bilatérale de Monte-Carlo de l'écart"),
            "gap_p_holm": ("probabilité", "p-valeur corrigée de Holm sur les 16 domaines du territoire"),
            "is_gap_significant": ("booléen", "Écart significatif (gap_p_holm sous le seuil)"),
        },
    },
    "raking_margins": {
        "grain": "une modalité d'une variable de calage pour un territoire",
        "key": ["territory_code", "variable", "category"],
        "columns": {
            "territory_code": (CODE, "Code du territoire (régions, France, territoires composés)"),
            "variable": (CODE, "Variable de calage : sexe, tranche_age"),
            "category": (CODE, "Modalité (sexe : 1 hommes, 2 femmes ; tranche d'âge en années)"),
            "target_share": (SHARE, "Part de la modalité dans la population adulte (recensement)"),
            "achieved_share": (SHARE, "Part obtenue avec les poids utilisés par les estimations"),
            "achieved_share_design": (SHARE, "Part obtenue avec les poids de sondage d'origine"),
            "n": ("répondants", "Nombre d'habitants répondants de la modalité"),
            "kish_efficiency": (SHARE, "Efficacité de Kish des poids utilisés (n effectif / n)"),
            "kish_efficiency_design": (SHARE, "Efficacité de Kish des poids de sondage d'origine"),
        },
    },
    "index_audit": {
        "grain": "un contrôle de l'indice (colonne check) pour un indicateur, une paire d'indicateurs, un domaine "
        "ou une valeur traitée ; les colonnes de clé sans objet sont vides",
        "key": ["check", "domain_id", "indicator_id", "other_indicator_id", "territory_code"],
        "columns": {
            "check": (CODE, "Nature du contrôle (voir libelles.csv)"),
            "domain_id": (CODE, "Domaine contrôlé"),
            "indicator_id": (CODE, "Indicateur contrôlé"),
            "other_indicator_id": (CODE, "Second indicateur d'une paire (check = correlation)"),
            "territory_code": (CODE, "Territoire dont la valeur a été traitée (check = valeur_traitee)"),
            "value": (
                "selon check",
                "traitement : asymétrie après traitement ; valeur_traitee : valeur traitée ; "
                "correlation et domaine_vs_indice : corrélation ; cronbach_alpha : alpha",
            ),
            "value_before": ("selon check", "traitement : asymétrie avant ; valeur_traitee : valeur d'origine"),
            "kurtosis_before": ("aplatissement", "Aplatissement (kurtosis excédentaire) avant traitement"),
            "kurtosis": ("aplatissement", "Aplatissement après traitement"),
            "value_excluding_domain": ("corrélation", "Corrélation du domaine avec l'indice calculé sans lui"),
            "threshold": ("selon check", "Seuil appliqué (asymétrie, corrélation, alpha) ou borne du traitement"),
            "parameter": ("nombre", "Puissance de la transformation de Box-Cox (0 = logarithme)"),
            "flag": (CODE, "Résultat du contrôle (voir libelles.csv)"),
            "n": ("départements", "Nombre de départements sur lesquels repose la statistique"),
            "detail": ("texte", "Le contrôle et son résultat en une phrase"),
        },
    },
    "survey_weights": {
        "grain": "un répondant d'un fichier d'enquête d'habitants",
        "key": ["file_id", "respondent_id"],
        "columns": {
            "file_id": (CODE, "Fichier d'enquête (voir libelles.csv)"),
            "respondent_id": (CODE, "Identifiant du répondant dans le fichier"),
            "territory_code": (CODE, "Région du répondant"),
            "weight_design": ("poids", "Poids de sondage tel que livré"),
            "weight_scaled": ("habitants", "Poids ramené à la population adulte de la région"),
            "weight_raked": ("habitants", "Poids calé sur les marges de population (égal à weight_scaled sans calage)"),
            "g": ("rapport", "Facteur de calage : weight_raked / weight_scaled"),
        },
    },
    "sensitivity": {
        "grain": "un choix de méthode (facteur de l'analyse de sensibilité)",
        "key": ["choice"],
        "columns": {
            "choice": (CODE, "Choix de méthode (voir libelles.csv)"),
            "first_order": (SHARE, "Indice de Sobol de premier ordre : part de la variance due à ce choix seul"),
            "total": (SHARE, "Indice de Sobol total : avec ses interactions"),
            "first_order_ci_low": (SHARE, "Borne basse de l'intervalle bootstrap à 95 % de first_order"),
            "first_order_ci_high": (SHARE, "Borne haute de l'intervalle bootstrap à 95 % de first_order"),
            "total_ci_low": (SHARE, "Borne basse de l'intervalle bootstrap à 95 % de total"),
            "total_ci_high": (SHARE, "Borne haute de l'intervalle bootstrap à 95 % de total"),
            "runs": ("nombre", "Taille N de l'échantillon de base de Saltelli"),
            "evaluations": ("nombre", "Nombre d'évaluations du modèle (N x (facteurs + 2))"),
            "output": (
                CODE,
                "Grandeur analysée (deplacement_moyen_des_rangs : déplacement moyen des rangs des régions)",
            ),
        },
    },
}

#: column -> {code: label} of the coded values (the ids of the catalogues are added by the archive)
CODES: dict[str, dict[str, str]] = {
    "territories.kind": {
        "region": "région",
        "departement": "département",
        "france": "France entière",
        "personnalise": "territoire composé de départements (config/regions)",
    },
    "missing_reason": {
        "secret": "secret statistique",
        "non_disponible": "non publiée par le producteur",
        "vide": "non renseignée dans la source",
        "division_par_0": "non calculable (dénominateur nul)",
        "niveau_non_couvert": "non publiée à ce niveau géographique",
    },
    "value_method": {
        "somme_des_effectifs": "somme des effectifs communaux (numérateur / dénominateur)",
        "publiee": "valeur publiée à ce niveau par le producteur",
        "moyenne_ponderee": "moyenne des valeurs publiées à un niveau plus fin, pondérée (approximation)",
    },
    "source_level": {"commune": "communes", "departement": "départements", "region": "régions"},
    "treatment": {
        "aucun": "aucun traitement",
        "box_cox": "transformation de Box-Cox (ou logarithme), croissante",
        "winsorisation": "écrêtement des valeurs extrêmes",
    },
    "survey_estimates.kind": {
        "moyenne": "note moyenne sur l'échelle de la question (ne sait pas exclus)",
        "accord": "part des répondants d'accord (ne sait pas exclus)",
        "part": "part des répondants citant la réponse",
    },
    "reliability": {
        "fiable": "fiable",
        "prudence": "à interpréter avec prudence",
        "non_publie": "non diffusé (moins de {min_n_publish} répondants)",
    },
    "quadrant": {
        "fragilite_reconnue": "Fragilité reconnue : plus fragile que la France et perçue comme telle",
        "fragilite_sous_estimee": "Fragilité sous-estimée : plus fragile, sans inquiétude plus forte",
        "inquietude_sans_fragilite": "Inquiétude sans fragilité objective",
        "atout_partage": "Atout partagé : moins fragile, et perçu comme tel",
    },
    "index_audit.check": {
        "traitement": "traitement des valeurs extrêmes d'un indicateur",
        "valeur_traitee": "une valeur modifiée par le traitement",
        "correlation": "corrélation de deux indicateurs d'un même domaine",
        "cronbach_alpha": "cohérence interne d'un domaine (alpha de Cronbach)",
        "domaine_vs_indice": "corrélation d'un domaine avec l'indice global",
    },
    "index_audit.flag": {
        "aucun": "traitement : pas de traitement",
        "box_cox": "traitement : transformation de Box-Cox",
        "winsorisation": "traitement : écrêtement",
        "conforme": "résultat conforme",
        "elevee": "correlation : supérieure au seuil, redondance possible",
        "negative": "corrélation négative : sens opposés, à vérifier",
        "coherence_faible": "cronbach_alpha : cohérence interne faible",
        "lien_faible": "domaine_vs_indice : lien faible avec l'indice",
        "non_calculable": "non calculable",
    },
    "sensitivity.choice": {
        "normalisation": "la normalisation des indicateurs",
        "agregation": "leur mode d'agrégation",
        "poids": "leurs poids",
        "traitement": "le traitement des valeurs extrêmes",
        "enquete": "l'erreur d'échantillonnage de l'enquête",
    },
    "raking_margins.variable": {"sexe": "sexe (1 hommes, 2 femmes)", "tranche_age": "tranche d'âge (ans)"},
}

#: unit of a score, by normalisation (config index.normalisation)
SCORE_UNITS = {
    "zscore": "écarts-types de la distribution des départements (0 = France)",
    "minmax": "échelle de 1 (moins fragile) à 100 (plus fragile)",
    "ratio": "indice (France = 100)",
}


def check_columns(schemas: dict[str, list[str]]) -> None:
    """Raise ValueError naming every column of `schemas` ({table: columns}) that :data:`TABLES`
    does not describe, and every table it lacks."""
    missing = [f"{t}.{c}" for t, cols in schemas.items() for c in cols if c not in TABLES.get(t, {}).get("columns", {})]
    missing += [f"{t} (table)" for t in schemas if t not in TABLES]
    if missing:
        raise ValueError("data dictionary (impact_regions/data_dictionary.py, TABLES) lacks: " + ", ".join(missing))
