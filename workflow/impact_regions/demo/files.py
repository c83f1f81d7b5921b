"""Write the objective statistics as the raw INSEE and ANCT files (DESIGN §4 formats).

Every function takes the generated :class:`~.objective.Objective` for the whole geography and
boolean masks of the communes, départements and regions to write (all of them for the full
dataset; a subset for the tiny test dataset). Aggregate rows of the OT exports (FRANCE,
FRMETRO) are always computed on the whole geography, as in a real filtered export.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import profiles as P
from .geo import Geo
from .objective import Objective
from .writers import (
    DIV0,
    EXPORT_DATE,
    NOT_AVAILABLE,
    SECRET,
    fmt_int,
    fmt_num,
    ot_preamble,
    to_latin1,
    with_marker,
    write_table,
    write_xlsx,
)

BASE_COLUMNS = [
    "P17_POP",
    "P17_POP0019",
    "P17_POP1564",
    "P17_POP2064",
    "P17_POP65P",
    "P17_POP75P",
    "P17_ACT1564",
    "P17_CHOM1564",
    "P17_NSCOL15P",
    "P17_NSCOL15P_DIPLMIN",
    "P17_LOG",
    "P17_LOGVAC",
    "P17_RP",
    "P17_RP_ACHTOT",
    "P17_RP_ACH19",
    "P17_RP_ACH45",
    "C17_MEN",
    "C17_MENPSEUL",
    "C17_FAM",
    "C17_FAMMONO",
    "C17_ACTOCC15P",
    "C17_ACTOCC15P_VOIT",
]
BPE_COLUMNS = ["NB_F303", "NB_F304", "NB_F305", "NB_F306", "NB_F307"]

#: OT exports: file -> (producer line, [(column, kind)]); kind: int, dec1 (value), secret_int
OT_FILES = {
    "ot/ot_caf_allocataires_2017.csv": (
        "CNAF, fichiers des allocataires 2017 ; INSEE, RP 2017",
        [("nb_alloc_rsa", "int"), ("nb_alloc_aah", "int")],
    ),
    "ot/ot_mobilite_logement_2017.csv": (
        "INSEE, BPE 2017 et RP 2017 ; traitements ANCT",
        [
            ("tps_acces_services", "value"),
            ("nb_rp", "int"),
            ("nb_rp_suroccupees", "int"),
            ("nb_jeunes_1825", "int"),
            ("nb_jeunes_non_inseres", "int"),
        ],
    ),
    "ot/ot_sante_2017.csv": (
        "DREES, APL 2017 ; INSEE, BPE 2017",
        [("apl_mg", "value"), ("nb_medecins_generalistes", "int")],
    ),
    "ot/ot_numerique_2017.csv": (
        "ARCEP, Ma connexion internet 2017 ; MedNum, indice de fragilité numérique",
        [("nb_locaux", "int"), ("nb_locaux_non_thd", "int"), ("indice_fragilite_numerique", "value")],
    ),
    "ot/ot_securite_2017.csv": (
        "SSMSI, base communale des crimes et délits enregistrés 2017",
        [("nb_crimes_delits", "secret_int"), ("nb_cambriolages", "secret_int")],
    ),
    "ot/ot_environnement_energie_2017.csv": (
        "CEREMA, fichiers fonciers 2009-2017 ; MTE, EAIP ; ONPE, GéoDIP 2017",
        [
            ("surf_totale_ha", "int"),
            ("surf_artif_2009_2017_ha", "dec1"),
            ("pop_eaip", "int"),
            ("nb_menages", "int"),
            ("nb_menages_precarite_energetique", "int"),
        ],
    ),
}
OT_XLSX = "ot/ot_emploi_entreprises_2017.xlsx"
XLSX_COLUMNS = ["emploi_2012", "var_emploi_2012_2017", "nb_creations_2017", "nb_etablissements_2017"]


def write_all(obj: Objective, geo: Geo, out: Path, cm: np.ndarray, dm: np.ndarray, rm: np.ndarray) -> list[str]:
    """Write every objective file; returns the paths written (relative to `out`)."""
    written = []
    com = obj.com
    codes = list(geo.communes["code"][cm])
    names = list(geo.communes["name"][cm])
    zero = (geo.communes["pop"].to_numpy() == 0)[cm]

    # 1. RP base comparateur
    cols = [codes, names, fmt_int(com["P17_POP"][cm])]
    cols += [fmt_num(com[c][cm], 4) for c in BASE_COLUMNS[1:]]
    write_table(out / "insee/base_cc_rp_2017.csv", ["CODGEO", "LIBGEO"] + BASE_COLUMNS, cols)
    written.append("insee/base_cc_rp_2017.csv")

    # 2. BPE culture, latin-1
    path = out / "insee/bpe_culture_2017.csv"
    cols = [codes, [to_latin1(n) for n in names]] + [fmt_int(com[c][cm]) for c in BPE_COLUMNS]
    write_table(path, ["CODGEO", "LIBGEO"] + BPE_COLUMNS, cols, encoding="latin-1")
    written.append("insee/bpe_culture_2017.csv")

    # 3. Filosofi COM / DEP / REG
    written += _filosofi(obj, geo, out, cm, dm, rm)

    # 4. statistiques locales
    written += _statlocales(obj, geo, out, dm, rm)

    # 5. OT exports
    pop = geo.communes["pop"].to_numpy(dtype=float)
    metro = ~geo.communes["reg"].isin(P.OVERSEAS).to_numpy()
    for rel, (producer, spec) in OT_FILES.items():
        header = ["codgeo", "libgeo", "an"] + [c for c, _ in spec]
        agg_rows = []
        for code, label, sel in (
            ("FRANCE", "France", np.ones(len(pop), bool)),
            ("FRMETRO", "France métropolitaine", metro),
        ):
            row = [code, label, "2017"]
            for c, kind in spec:
                x = com[c].to_numpy(dtype=float)
                if kind == "value":
                    ok = sel & (pop > 0)
                    row.append(fmt_num([np.average(x[ok], weights=pop[ok])], 1, comma=True, strip=False)[0])
                elif kind == "dec1":
                    row.append(fmt_num([x[sel].sum()], 1, comma=True)[0])
                else:
                    row.append(str(int(round(x[sel].sum()))))
            agg_rows.append(row)
        cols = [codes, names, ["2017"] * len(codes)]
        for c, kind in spec:
            x = com[c].to_numpy()[cm]
            if kind == "value":
                cols.append(with_marker(fmt_num(x, 1, comma=True, strip=False), zero, DIV0))
            elif kind == "dec1":
                cols.append(fmt_num(x, 1, comma=True))
            elif kind == "secret_int":
                cols.append(with_marker(fmt_int(x), (x >= 1) & (x <= 4), SECRET))
            else:
                cols.append(fmt_int(np.round(x.astype(float))))
        agg_cols = [list(t) for t in zip(*agg_rows, strict=True)]
        full = [a + b for a, b in zip(agg_cols, cols, strict=True)]
        write_table(out / rel, header, full, preamble=ot_preamble(producer))
        written.append(rel)

    # OT employment workbook
    rows = [
        ["Observatoire des territoires - ANCT"],
        [f"Export du {EXPORT_DATE}"],
        ["Source : INSEE, RP 2012 et 2017 (emploi au lieu de travail) ; INSEE, SIRENE 2017"],
        [],
        ["codgeo", "libgeo", "an"] + XLSX_COLUMNS,
    ]
    num = {c: com[c].to_numpy(dtype=float) for c in XLSX_COLUMNS}
    for code, label, sel in (
        ("FRANCE", "France", np.ones(len(pop), bool)),
        ("FRMETRO", "France métropolitaine", metro),
    ):
        rows.append([code, label, 2017] + [_xl(num[c][sel].sum(), c) for c in XLSX_COLUMNS])
    idx = np.flatnonzero(cm)
    for k, i in enumerate(idx):
        rows.append([codes[k], names[k], 2017] + [_xl(num[c][i], c) for c in XLSX_COLUMNS])
    meta = [
        ["Indicateur", "Définition", "Source"],
        ["emploi_2012", "Nombre d'emplois au lieu de travail en 2012", "INSEE, RP 2012"],
        [
            "var_emploi_2012_2017",
            "Variation du nombre d'emplois au lieu de travail entre 2012 et 2017",
            "INSEE, RP 2012 et 2017",
        ],
        ["nb_creations_2017", "Nombre de créations d'entreprises en 2017", "INSEE, SIRENE"],
        ["nb_etablissements_2017", "Nombre d'établissements actifs au 31/12/2016", "INSEE, SIRENE"],
        [],
        ["Données de démonstration (synthétiques) générées par impact_regions.demo_data"],
    ]
    write_xlsx(out / OT_XLSX, [("Data", rows), ("Métadonnées", meta)])
    written.append(OT_XLSX)
    return written


def _xl(x: float, col: str):
    """Excel cell value: integers for counts, one decimal for employment (never -0.0)."""
    if col in ("nb_creations_2017", "nb_etablissements_2017"):
        return int(round(x))
    v = round(float(x), 1) + 0.0
    return int(v) if v.is_integer() else v


def _filosofi(obj: Objective, geo: Geo, out: Path, cm, dm, rm) -> list[str]:
    com = obj.com
    header = ["CODGEO", "LIBGEO", "NBMEN17", "NBPERS17", "MED17", "PIMP17", "TP6017"]
    nbmen = com["NBMEN17"].to_numpy()[cm]
    may = com["_mayotte"].to_numpy()[cm]
    small, medium = nbmen < 50, nbmen < 1000
    cols = [
        list(geo.communes["code"][cm]),
        list(geo.communes["name"][cm]),
        fmt_int(nbmen),
        fmt_num(com["NBPERS17"][cm], 1),
        with_marker(fmt_num(com["MED17"][cm], 0), small, "s"),
        with_marker(fmt_num(com["PIMP17"][cm], 1, strip=False), medium, "s"),
        with_marker(fmt_num(com["TP6017"][cm], 1, strip=False), medium, "s"),
    ]
    cols[2:] = [with_marker(c, may, "nd") for c in cols[2:]]
    base = out / "insee/filosofi_2017"
    write_table(base / "FILO2017_DISP_COM.csv", header, cols)
    written = ["insee/filosofi_2017/FILO2017_DISP_COM.csv"]
    for level, table, frame, mask in (
        ("DEP", obj.filo_dep, geo.departements, dm),
        ("REG", obj.filo_reg, geo.regions, rm),
    ):
        t = table[mask]
        cols = [list(frame["code"][mask]), list(frame["name"][mask])]
        for c, d in (("NBMEN17", 0), ("NBPERS17", 1), ("MED17", 0), ("PIMP17", 1), ("TP6017", 1)):
            x = t[c].to_numpy(dtype=float)
            cols.append(with_marker(fmt_num(x, d, strip=c in ("NBMEN17", "NBPERS17")), np.isnan(x), "nd"))
        write_table(base / f"FILO2017_DISP_{level}.csv", header, cols)
        written.append(f"insee/filosofi_2017/FILO2017_DISP_{level}.csv")
    return written


def _statlocales(obj: Objective, geo: Geo, out: Path, dm, rm) -> list[str]:
    label = "Taux de chômage localisé annuel moyen 2017"
    written = []
    for level, series, frame, mask, title in (
        ("dep", obj.chom_dep, geo.departements, dm, "Départements"),
        ("reg", obj.chom_reg, geo.regions, rm, "Régions"),
    ):
        rel = f"insee/statlocales_chomage_localise_2017_{level}.csv"
        pre = [f'"{label} - {title}"', '"Source : Insee, taux de chômage localisés"']
        cols = [
            list(frame["code"][mask]),
            list(frame["name"][mask]),
            fmt_num(series.to_numpy()[mask], 1, comma=True, strip=False),
        ]
        write_table(out / rel, ["Code", "Libellé", label], cols, bom=True, preamble=pre)
        written.append(rel)
    label = "Part des bénéficiaires de l'APA parmi les 75 ans ou plus 2017"
    rel = "insee/statlocales_apa_2017_dep.csv"
    pre = [f'"{label} - Départements"', '"Source : DREES, enquête Aide sociale ; Insee, estimations de population"']
    codes = geo.departements["code"].to_numpy()
    vals = fmt_num(obj.apa_dep.to_numpy(), 1, comma=True, strip=False)
    vals = with_marker(vals, codes == P.MAYOTTE_DEP, NOT_AVAILABLE)
    vals = with_marker(vals, codes == P.APA_SECRET_DEP, SECRET)
    cols = [list(codes[dm]), list(geo.departements["name"][dm]), [v for v, m in zip(vals, dm, strict=True) if m]]
    write_table(out / rel, ["Code", "Libellé", label], cols, bom=True, preamble=pre)
    written.append(rel)
    return written
