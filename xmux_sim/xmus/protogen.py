"""Generate the Python code of the XMUS protos (``python -m xmux_sim.xmus.protogen``).

The protos are laid out as the real ones are named (``xmux/core/user/v4/user.proto``, the
forum's ``forum_*.proto`` at the root), and compiled relative to ``protos/`` so every
descriptor carries the real file name. protoc then writes imports such as
``from xmux.core.user.v4 import ...`` and ``import forum_common_pb2``; they are rewritten
to absolute imports under ``xmux_sim.xmus.protos``, so the code imports the same way in
the package and inside a pod's zip application, and no top-level ``xmux`` package exists.

The generated modules are checked in next to their protos, so neither the images nor a
user's machine need grpcio-tools; a unit test regenerates them into a temporary folder
and fails when they no longer match the protos.
"""

from __future__ import annotations

import re
import sys
import tempfile
from importlib import resources
from pathlib import Path

PROTOS = Path(__file__).parent / "protos"
PACKAGE = "xmux_sim.xmus.protos"
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")
# `from xmux.core.user.v4 import user_pb2 as ...` -> under our package.
_NESTED = re.compile(r"^from (xmux(?:\.\w+)+) import ", re.M)
# `import forum_common_pb2 as forum__common__pb2` (a proto at the root) -> from our package.
_ROOT = re.compile(r"^import (\w+_pb2) as (\w+)$", re.M)


def proto_files() -> list[Path]:
    return sorted(PROTOS.rglob("*.proto"))


def absolute_imports(text: str) -> str:
    text = _NESTED.sub(rf"from {PACKAGE}.\1 import ", text)
    return _ROOT.sub(rf"from {PACKAGE} import \1 as \2", text)


def generate(out_dir: Path) -> dict[str, str]:
    """Compile every proto into ``out_dir``; the generated files by path relative to it."""
    from grpc_tools import protoc  # type: ignore[import-untyped]

    include = resources.files("grpc_tools") / "_proto"
    args = [
        "protoc",
        f"-I{PROTOS}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *(str(p.relative_to(PROTOS)) for p in proto_files()),
    ]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed: {' '.join(args)}")
    return {
        str(p.relative_to(out_dir)): absolute_imports(p.read_text())
        for p in sorted(out_dir.rglob("*"))
        if p.name.endswith(GENERATED_SUFFIXES)
    }


def checked_in() -> dict[str, str]:
    return {
        str(p.relative_to(PROTOS)): p.read_text()
        for p in sorted(PROTOS.rglob("*"))
        if p.name.endswith(GENERATED_SUFFIXES)
    }


def fresh() -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="xmus-protos-") as tmp:
        return generate(Path(tmp))


def main() -> int:
    generated = fresh()
    for stale in sorted(set(checked_in()) - set(generated)):
        (PROTOS / stale).unlink()
        print(f"removed {PROTOS.name}/{stale}")
    for name, text in generated.items():
        (PROTOS / name).write_text(text)
        print(f"wrote {PROTOS.name}/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
