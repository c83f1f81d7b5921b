"""Small inline configuration files shared by the unit tests."""

#: A survey codebook for one citizens' file with strata, PSUs, a 0-10 measure with a
#: "ne sait pas" code, an agree/disagree measure and 0/1 cooperation measures.
SURVEY_CODEBOOK_YAML = """
files:
  - id: citoyens
    path: survey/impact_citoyens.csv
    label: IMPACT-Citoyens (test)
    id_column: id_repondant
    group: habitants
    strata_column: strate
    psu_column: grappe
    weight_column: poids
    extra_columns: {sexe: [1, 2], tranche_age: [1, 2, 3, 4, 5]}
region_column: code_region
departement_column: code_departement
measures:
  - {pattern: "fragilite_{domain}", kind: mean, min: 0, max: 10, missing: [99], label: "Fragilité : {domain_label}"}
  - {id: devoir_alliance, kind: agree, min: 1, max: 4, positive: [1, 2], missing: [9], label: Devoir d'alliance}
  - {pattern: "cooperation_{domain}", kind: share, label: "Coopération : {domain_label}"}
"""
