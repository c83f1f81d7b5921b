"""Deterministic demonstration data for IMPACT-Régions (synthetic, calibrated, reproducible).

What it produces
----------------
Under ``--out`` (default ``data/raw``), in the real formats of the sources (DESIGN §4), for
every commune of the reference geography (``geo/``, COG 2025, populations 2017):

- ``insee/base_cc_rp_2017.csv``: RP 2017 base comparateur (weighted counts, ``;``, UTF-8);
- ``insee/bpe_culture_2017.csv``: BPE 2017 cultural facilities (latin-1);
- ``insee/filosofi_2017/FILO2017_DISP_{COM,DEP,REG}.csv``: Filosofi 2017 with ``s``/``nd``;
- ``insee/statlocales_*.csv``: statistiques-locales exports (BOM, 2 metadata lines, decimal
  comma): localised unemployment (départements, regions) and APA beneficiaries;
- ``ot/*.csv`` and ``ot/ot_emploi_entreprises_2017.xlsx``: Observatoire des territoires exports
  (4 metadata rows, FRANCE/FRMETRO aggregate rows, decimal comma, ``N/A - ...`` markers);
- ``insee/pop_sexe_age_2017_dep.csv``: population by département, sex and age (RP detailed
  table TD_POP1B format), the margins the inhabitants' weights are raked to;
- ``survey/impact_citoyens.csv`` (≈ 13,500 inhabitants, stratified cluster design) and
  ``survey/phare_organisations.csv`` (≈ 7,100 associations, companies and mayors);
- ``SOURCES.yaml``: provenance of every raw file (``demo: true`` for the synthetic ones).

Every column named in ``config/indicators.yaml`` and ``config/survey.yaml`` exists in these
files. The numbers are synthetic: they are *not* statistics about real communes (only the
geography and the populations are real).

How it is calibrated
--------------------
Targets are data, in :mod:`impact_regions.demo.profiles`. Objective data are generated top
down (:mod:`impact_regions.demo.objective`): region values (published 2017 orders of magnitude
for the poverty rate, localised unemployment, share of 75+ and median standard of living; a
region profile around France for the other indicators), then départements, then communes, each
level rescaled so that aggregates of the counts reproduce the level above exactly. The region
profiles are set so that the PACA fragility profile computed by the pipeline's method puts
sécurité and numérique first. Survey answers (:mod:`impact_regions.demo.survey`) are drawn
around regional targets, then calibrated exactly by nudging individual answers until the
weighted estimates of PACA, then of France (with the inhabitants' weights raked as the pipeline
rakes them by default), are within 0.02 point (means) / 0.003 (shares) of
the published IMPACT figures. At the end, :mod:`impact_regions.demo.check` re-reads the files
from disk and prints a calibration report (computed vs target for every item).

How to re-run it
----------------
Full data (all 18 regions, default seed), from the project root, in a few seconds::

    PYTHONPATH=workflow python -m impact_regions.demo_data --out data/raw

Tiny end-to-end test dataset (Corse and Martinique, with a geo subset)::

    PYTHONPATH=workflow python -m impact_regions.demo_data --out tests/data/tiny/raw \\
        --geo data/raw/geo --regions 94,02 --per-region 150

The output is byte-identical for the same seed and options (numpy ``default_rng`` streams keyed
by ``[seed, component]``, fixed number formatting, sorted rows, XLSX with fixed dates).
A subset (``--regions``) takes the objective data of the full generation (filtered, so the tiny
files are an extract of the full ones, with France aggregate rows as in a real filtered export)
and draws ``--per-region`` inhabitants (60 % as many organisations) in each region; PACA and
France targets are then calibrated on the respondents present.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from .demo import check, files, objective, sources, survey
from .demo import geo as geo_mod
from .demo import population as population_mod
from .demo.writers import write_table
from .population import read_population

DEFAULT_SEED = 20191
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m impact_regions.demo_data",
        description="Write the synthetic demonstration raw data (see module docstring).",
    )
    ap.add_argument("--out", type=Path, default=Path("data/raw"), help="raw data directory to write (default data/raw)")
    ap.add_argument(
        "--geo", type=Path, default=None, help="reference geography directory (default: <out>/geo, else data/raw/geo)"
    )
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    ap.add_argument("--regions", default=None, help="comma-separated region codes to write (default: all)")
    ap.add_argument(
        "--per-region",
        type=int,
        default=None,
        help="inhabitants per region (organisations: 60 %% of it); default: the full design",
    )
    ap.add_argument(
        "--catalogue",
        type=Path,
        default=PROJECT_ROOT / "config" / "indicators.yaml",
        help="indicator catalogue used by the calibration report",
    )
    ap.add_argument("--no-report", action="store_true", help="skip the calibration report")
    return ap.parse_args(argv)


def generate(
    out: Path, geo_dir: Path, seed: int = DEFAULT_SEED, regions: list[str] | None = None, per_region: int | None = None
) -> list[str]:
    """Write every file under `out`; returns the synthetic files written (relative paths)."""
    geo = geo_mod.load(geo_dir)
    all_regions = list(geo.regions["code"])
    subset = regions is not None and sorted(regions) != sorted(all_regions)
    regions = sorted(regions) if regions else all_regions
    unknown = set(regions) - set(all_regions)
    if unknown:
        raise SystemExit(f"unknown region code(s): {', '.join(sorted(unknown))}")

    obj = objective.generate(geo, np.random.default_rng([seed, 1]))
    cm = geo.communes["reg"].isin(regions).to_numpy()
    dm = geo.departements["reg"].isin(regions).to_numpy()
    rm = geo.regions["code"].isin(regions).to_numpy()
    out.mkdir(parents=True, exist_ok=True)
    written = files.write_all(obj, geo, out, cm, dm, rm)
    population_mod.write_population(
        out / population_mod.PATH, population_mod.generate_population(geo.departements[dm], seed)
    )
    written.append(population_mod.PATH)

    # the inhabitants' answers are calibrated with the raked weights, computed from the file just written
    cit = survey.generate_citizens(geo, seed, regions, per_region, read_population(out / population_mod.PATH))
    org = survey.generate_organisations(geo, seed, regions, per_region)
    for rel, frame in (("survey/impact_citoyens.csv", cit), ("survey/phare_organisations.csv", org)):
        header, cols = survey.format_frame(frame)
        write_table(out / rel, header, cols)
        written.append(rel)

    out_geo = out / "geo"
    if subset:
        geo_mod.write_subset(geo_dir, out_geo, regions)
    elif not (out_geo.exists() and out_geo.resolve() == geo_dir.resolve()):
        geo_mod.copy_full(geo_dir, out_geo)
    options = (
        f"--regions {','.join(regions)} --per-region {per_region}"
        if subset
        else (f"--per-region {per_region}" if per_region else "")
    )
    sources.write(out, seed, written, options)
    return written


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    t0 = time.perf_counter()
    geo_dir = args.geo or (args.out / "geo" if (args.out / "geo" / "communes.csv").exists() else Path("data/raw/geo"))
    regions = [r.strip() for r in args.regions.split(",")] if args.regions else None
    written = generate(args.out, geo_dir, args.seed, regions, args.per_region)
    print(
        f"wrote {len(written)} synthetic files + SOURCES.yaml under {args.out} "
        f"in {time.perf_counter() - t0:.1f} s (seed {args.seed})"
    )
    for rel in sorted(written) + ["SOURCES.yaml"]:
        print(f"  {(args.out / rel).stat().st_size:>10,d}  {rel}")
    if not args.no_report:
        checks, scores = check.run(args.out, args.catalogue)
        print()
        print(check.format_report(checks, scores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
