"""The columns of a territory's downloads (``reports/donnees/<slug>.csv`` and ``.xlsx``, see
:mod:`impact_regions.territory_downloads`): their French headers, their kind (text, decimal or
whole number: how a cell is written) and their meaning, which the « Lisez-moi » sheet prints;
and which columns each block (sheet) has.
"""

from __future__ import annotations

from . import french as fr

#: the columns every row has, whichever its block: where it comes from and what it is
ROW_KEYS = ["bloc", "code", "territoire", "famille", "domaine", "identifiant", "libelle"]
BLOCKS = {  # block -> its columns (the CSV has them all, in the order of columns())
    "Indicateurs": [
        *ROW_KEYS,
        "valeur",
        "france",
        "unite",
        "sens",
        "annee",
        "source",
        "remarque",
        "remarque_france",
    ],
    "Domaines": [
        *ROW_KEYS,
        "valeur",
        "france",
        "unite",
        "rang",
        "rang_p05",
        "rang_p95",
        "n_indicateurs",
        "remarque",
    ],
    "Enquêtes": [
        *ROW_KEYS,
        "groupe",
        "valeur",
        "ic_bas",
        "ic_haut",
        "n",
        "france",
        "ecart",
        "unite",
        "significatif",
        "fiabilite",
        "annee",
        "source",
    ],
}


def columns(n_regions: int, level: float) -> dict[str, tuple[str, str, str]]:
    """key -> (French header, kind: text | num | int, meaning for the « Lisez-moi » sheet), in CSV order."""
    ci = f"IC {fr.number(100 * level, 0)} %"
    return {
        "bloc": ("Bloc", "text", "Indicateurs, Domaines ou Enquêtes : la partie de la synthèse d'où vient la ligne."),
        "code": ("Code du territoire", "text", "Code officiel géographique de la région (ou code du territoire)."),
        "territoire": ("Territoire", "text", "Nom du territoire."),
        "famille": ("Famille", "text", "Famille du domaine : économique, social, sociétal, environnemental."),
        "domaine": ("Domaine", "text", "Domaine de fragilité (16 domaines ; « Indice global » pour l'ensemble)."),
        "identifiant": (
            "Identifiant",
            "text",
            "Identifiant stable de l'indicateur, du domaine ou de la mesure "
            "d'enquête (colonnes indicator_id, domain_id, measure_id des tables du projet).",
        ),
        "libelle": ("Libellé", "text", "Intitulé de l'indicateur, du score ou de la question."),
        "groupe": ("Groupe de répondants", "text", "Habitants, associations, entreprises ou maires."),
        "valeur": (
            "Valeur du territoire",
            "num",
            "Valeur, score ou estimation du territoire, dans l'unité de la "
            "colonne Unité (vide : valeur manquante ou non diffusée, voir Remarque ou Fiabilité).",
        ),
        "france": ("Valeur France", "num", "La même grandeur pour la France entière."),
        "ecart": (
            "Écart à la France",
            "num",
            "Estimation du territoire moins celle de la France (points de % pour une part, points pour une note).",
        ),
        "unite": ("Unité", "text", "Unité des colonnes de valeurs de la ligne (%, €, note de 0 à 10...)."),
        "sens": ("Sens de lecture", "text", "Si une valeur plus élevée signale plus ou moins de fragilité."),
        "ic_bas": (
            f"{ci} : borne basse",
            "num",
            f"Borne basse de l'intervalle de confiance à {fr.number(100 * level, 0)} % de l'estimation.",
        ),
        "ic_haut": (f"{ci} : borne haute", "num", "Borne haute du même intervalle."),
        "n": ("Répondants (nombre)", "int", "Nombre de répondants du territoire et du groupe ayant répondu."),
        "significatif": (
            "Écart significatif",
            "text",
            "oui : l'écart à la France est statistiquement significatif "
            "(au seuil de la synthèse, tests corrigés de Holm pour les 16 domaines) ; non sinon.",
        ),
        "fiabilite": (
            "Fiabilité",
            "text",
            "fiable ; à interpréter avec prudence (peu de répondants ou erreur "
            "relative élevée) ; non diffusé (trop peu de répondants).",
        ),
        "rang": (
            f"Rang parmi les {n_regions} régions (1 = la plus fragile)",
            "int",
            "Rang du score parmi les régions, la plus fragile au 1er rang.",
        ),
        "rang_p05": (
            "Rang : borne basse (5 %)",
            "int",
            "Rang le plus favorable de l'intervalle de rang (5e centile "
            "des rangs des simulations de Monte-Carlo sur les choix de méthode).",
        ),
        "rang_p95": ("Rang : borne haute (95 %)", "int", "Rang le moins favorable de l'intervalle (95e centile)."),
        "n_indicateurs": (
            "Nombre d'indicateurs",
            "int",
            "Nombre d'indicateurs renseignés sur lesquels repose le score.",
        ),
        "annee": ("Année", "int", "Année des données (millésime de l'indicateur, année de l'enquête)."),
        "source": ("Source", "text", "Producteur et fichier source, ou enquête."),
        "remarque": ("Remarque", "text", "Valeur approchée, partielle ou manquante (et pourquoi), en clair."),
        "remarque_france": ("Remarque (France)", "text", "La même remarque pour la valeur de la France."),
    }
