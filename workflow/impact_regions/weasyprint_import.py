"""Import WeasyPrint without the compiler runs of `ctypes.util.find_library`.

WeasyPrint opens its native libraries (GObject, Pango, HarfBuzz, Fontconfig...) by trying a list
of names per library, for Windows, macOS and Linux: `libgobject-2.0-0`, `gobject-2.0-0`,
`gobject-2.0`, `libgobject-2.0.so.0`... cffi hands every name without a file extension to
`ctypes.util.find_library`, which on Linux runs `ldconfig -p` and, for a name it does not find
there, `gcc` and `ld` in subprocesses: about 20 lookups and 0.15-0.2 s of CPU per import,
measured, paid by each PDF job. The Linux names of the list (`libgobject-2.0.so.0`...) are opened
directly by the dynamic loader, which searches the same places (`LD_LIBRARY_PATH`, the ld.so
cache, the system directories) and is what finally loads the library in both cases.

:func:`import_weasyprint` therefore imports WeasyPrint, on Linux, with `find_library` answering
"not found" at once, so that each library is opened by its soname; if that fails (a system whose
libraries are only found by the compiler's search), it imports again the standard way, so the
outcome is never worse than WeasyPrint's own.
"""

from __future__ import annotations

import ctypes.util
import importlib
import sys
from types import ModuleType


def import_weasyprint() -> ModuleType:
    """The `weasyprint` module, imported as described in the module docstring."""
    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        return importlib.import_module("weasyprint")
    original = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        return importlib.import_module("weasyprint")
    except OSError:
        pass
    finally:
        ctypes.util.find_library = original
    for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
        del sys.modules[name]  # a clean second attempt
    return importlib.import_module("weasyprint")
