"""Files into containers: Docker's put_archive takes a tar stream."""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Mapping


def tar_of(files: Mapping[str, bytes]) -> bytes:
    """A tar of ``files`` (name inside the archive -> content), readable by everyone."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mode = 0o644
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()
