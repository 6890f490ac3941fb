"""Generate the Python code of the XMUS protos (``python -m xmux_sim.xmus.protogen``).

The generated modules are checked in next to their protos, so neither the images nor a
user's machine need grpcio-tools; a unit test regenerates them into a temporary folder
and fails when they no longer match the protos.
"""

from __future__ import annotations

import sys
import tempfile
from importlib import resources
from pathlib import Path

PROTOS = Path(__file__).parent / "protos"
# Protos are compiled relative to the repository root so the generated imports read
# `from xmux_sim.xmus.protos import user_pb2`: importable in the package and in the pod.
ROOT = Path(__file__).parents[2]
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def proto_files() -> list[Path]:
    return sorted(PROTOS.glob("*.proto"))


def generate(out_dir: Path) -> list[Path]:
    """Compile every proto into ``out_dir`` (mirroring the package path); return the files written."""
    from grpc_tools import protoc  # type: ignore[import-untyped]

    include = resources.files("grpc_tools") / "_proto"
    args = [
        "protoc",
        f"-I{ROOT}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *(str(p.relative_to(ROOT)) for p in proto_files()),
    ]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed: {' '.join(args)}")
    target = out_dir / PROTOS.relative_to(ROOT)
    return sorted(p for p in target.iterdir() if p.name.endswith(GENERATED_SUFFIXES))


def checked_in() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(PROTOS.iterdir()) if p.name.endswith(GENERATED_SUFFIXES)}


def fresh() -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="xmus-protos-") as tmp:
        return {p.name: p.read_text() for p in generate(Path(tmp))}


def main() -> int:
    for name, text in fresh().items():
        (PROTOS / name).write_text(text)
        print(f"wrote {PROTOS.relative_to(ROOT) / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
