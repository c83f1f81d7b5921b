"""Reading the raw extracts in parallel gives the same table, and the same errors, as serially."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from impact_regions.config import load_indicators
from impact_regions.errors import InputError
from impact_regions.geo import load_geo
from impact_regions.indicator_raw import build_indicator_raw

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny" / "raw"


def test_parallel_read_equals_serial_read():
    # GIVEN the tiny dataset WHEN it is read serially and with two worker processes
    geo = load_geo(TINY / "geo")
    catalogue = load_indicators(ROOT / "config" / "indicators.yaml")
    serial = build_indicator_raw(catalogue, TINY, geo, workers=1)
    parallel = build_indicator_raw(catalogue, TINY, geo, workers=2)
    # THEN the tables are identical, row order included
    pd.testing.assert_frame_equal(serial, parallel)


def test_parallel_read_reports_the_same_clear_error(tmp_path):
    # GIVEN a copy of the tiny data with an unparseable value in the Filosofi commune file
    raw = tmp_path / "raw"
    shutil.copytree(TINY, raw)
    path = raw / "insee" / "filosofi_2017" / "FILO2017_DISP_COM.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    fields = lines[1].split(";")
    fields[4] = "vingt"
    lines[1] = ";".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    geo = load_geo(raw / "geo")
    catalogue = load_indicators(ROOT / "config" / "indicators.yaml")
    # WHEN it is read by worker processes THEN the InputError crosses the pool with its details
    with pytest.raises(InputError) as err:
        build_indicator_raw(catalogue, raw, geo, workers=2)
    assert "FILO2017_DISP_COM.csv, line 2, column 'MED17': value 'vingt': not a number" in str(err.value)
