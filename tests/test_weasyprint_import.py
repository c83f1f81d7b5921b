"""WeasyPrint imported without compiler runs (impact_regions.weasyprint_import). Each test runs in
a fresh interpreter: WeasyPrint is imported once per process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fast path is Linux-only")


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_weasyprint_loads_its_libraries_without_running_the_compiler():
    # GIVEN a fresh interpreter where every compiler/linker lookup of ctypes is recorded
    out = _run("""
        import ctypes.util
        calls = []
        for name in ("_findLib_gcc", "_findLib_ld", "_findSoname_ldconfig"):
            real = getattr(ctypes.util, name)
            setattr(ctypes.util, name, lambda *a, _real=real, _name=name: calls.append(_name) or _real(*a))
        original = ctypes.util.find_library
        from impact_regions.weasyprint_import import import_weasyprint
        # WHEN WeasyPrint is imported through the helper
        weasyprint = import_weasyprint()
        from weasyprint.text import ffi
        # THEN no lookup ran, the libraries are loaded and find_library is given back
        print(calls, ffi.pango is not None, ffi.harfbuzz is not None, ctypes.util.find_library is original)
    """)
    assert out == "[] True True True"


def test_a_failed_fast_import_falls_back_to_the_standard_lookup():
    # GIVEN an interpreter where the first import of weasyprint fails with OSError (as when a
    # library is found only by the compiler's search paths)
    out = _run("""
        import ctypes.util, importlib
        real_import = importlib.import_module
        attempts = []
        def flaky(name, *a):
            attempts.append(ctypes.util.find_library("c") is None)
            if len(attempts) == 1:
                raise OSError("cannot load library 'libpango-1.0.so.0'")
            return real_import(name, *a)
        importlib.import_module = flaky
        from impact_regions.weasyprint_import import import_weasyprint
        # WHEN the helper imports WeasyPrint
        weasyprint = import_weasyprint()
        # THEN it tried again with the standard find_library, and got the module
        print(attempts[:2], weasyprint.__name__)
    """)
    assert out == "[True, False] weasyprint"
