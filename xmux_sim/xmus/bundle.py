"""The service code as one zip application, copied into each XMUS pod at start.

The image holds the Python runtime and libraries only; the code travels with the stack
(as a ConfigMap would), so editing a service needs no image rebuild on a 2-core machine.
"""

from __future__ import annotations

import io
import zipfile
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).parent
ROOT = PACKAGE.parents[1]
MAIN = b"import sys\nfrom xmux_sim.xmus.main import main\nsys.exit(main())\n"
PATH_IN_POD = "/opt/xmus/xmus.pyz"


@cache
def pyz() -> bytes:
    """xmux_sim/__init__.py and the xmus package (sources only), with a __main__."""
    out = io.BytesIO()
    files = [ROOT / "xmux_sim" / "__init__.py", *sorted(PACKAGE.rglob("*.py"))]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in files:
            # Fixed timestamps: the same sources give the same bytes.
            info = zipfile.ZipInfo(str(path.relative_to(ROOT)), date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
        zf.writestr(zipfile.ZipInfo("__main__.py", date_time=(2024, 1, 1, 0, 0, 0)), MAIN)
    return out.getvalue()
