"""Synthetic demonstration data generator (see :mod:`impact_regions.demo_data`).

Modules: ``profiles`` (calibration targets, as data), ``geo`` (reference geography),
``objective`` (INSEE/ANCT commune statistics), ``survey`` (microdata and exact calibration),
``files`` / ``writers`` / ``sources`` (raw formats), ``check`` (calibration report).
"""
