"""The fingerprint file through which the report jobs depend on their code (source_fingerprint)."""

from __future__ import annotations

import hashlib
import json

import pytest

from impact_regions.source_fingerprint import source_fingerprint, write_source_fingerprint


def test_the_fingerprint_lists_each_file_with_its_sha256_sorted(tmp_path, monkeypatch):
    # GIVEN two files, given out of order and by relative path
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.py").write_bytes(b"print('b')\n")
    (tmp_path / "a.j2").write_bytes("é".encode())
    # WHEN their fingerprint is written
    write_source_fingerprint(["b.py", "a.j2"], "out/sources.json")
    written = json.loads((tmp_path / "out" / "sources.json").read_text(encoding="utf-8"))
    # THEN it maps each path, as given and sorted, to the SHA-256 of its bytes
    assert list(written) == ["a.j2", "b.py"]
    assert written["a.j2"] == hashlib.sha256("é".encode()).hexdigest()
    assert written["b.py"] == hashlib.sha256(b"print('b')\n").hexdigest()


def test_an_edit_changes_the_fingerprint_and_nothing_else_does(tmp_path):
    # GIVEN a file's fingerprint
    f = tmp_path / "m.py"
    f.write_text("x = 1\n")
    before = source_fingerprint([str(f)])
    # WHEN the file is rewritten with the same bytes, then edited
    f.write_text("x = 1\n")
    same = source_fingerprint([str(f)])
    f.write_text("x = 2\n")
    # THEN only the edit changes it
    assert same == before != source_fingerprint([str(f)])


def test_a_file_listed_twice_or_missing_stops_the_job(tmp_path):
    # GIVEN a file listed twice, and a file that does not exist
    f = tmp_path / "m.py"
    f.write_text("")
    # WHEN / THEN the fingerprint is refused, naming the file
    with pytest.raises(ValueError, match="m.py"):
        source_fingerprint([str(f), str(f)])
    with pytest.raises(FileNotFoundError):
        source_fingerprint([str(tmp_path / "absent.py")])
