"""Benchmark input validation: the shipped files, a 10 MB stack file, and the largest file we read.

    python benchmarks/validation.py [--repeat 20]

Times (best of ``--repeat``) reading and validating every shipped stack file, every
shipped scenario (parsed, its stack loaded with overrides and every name checked, its
generated faults expanded) and every load profile; then a 10 MB stack file (the
contract: refused or validated in well under a second), a "billion laughs" file, and a
stack file just under the size cap (an XMUS service with a large ``env``), the last
with libyaml's C parser and with PyYAML's pure-Python one for comparison. Figures are
printed and written to benchmarks/results/validation.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from xmux_sim.errors import InputError
from xmux_sim.inputfile import MAX_BYTES
from xmux_sim.load.profile import load_profile
from xmux_sim.scenario.loader import load_scenario, resolve_stack
from xmux_sim.scenario.schedule import expand
from xmux_sim.topology import load_stack, yamldoc

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "validation.json"
BIG_BYTES = 10 * 1000 * 1000
BIG_BUDGET_S = 0.1  # "well under a second"
HEAD = (
    "name: big\nnodes: [node-1, node-2, node-3]\n"
    "services:\n  db: {kind: postgres}\n  auth:\n    kind: xmus-auth\n"
)


def best(fn: Callable[[], object], repeat: int) -> tuple[float, str]:
    """Best wall time of ``fn`` in milliseconds, and what it said (ok, or its error's first words)."""
    fastest, outcome = float("inf"), ""
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            fn()
            outcome = "valid"
        except InputError as exc:
            outcome = "refused: " + str(exc).split(": ", 1)[-1][:90]
        fastest = min(fastest, time.perf_counter() - start)
    return round(fastest * 1000, 3), outcome


def _scenario(path: Path) -> None:
    scenario = load_scenario(path)
    expand(scenario, resolve_stack(scenario), seed=1)


def shipped(repeat: int) -> list[dict[str, Any]]:
    stacks = sorted((ROOT / "xmux_sim" / "stacks").glob("*.yaml"))
    scenarios = sorted(
        [
            *(ROOT / "scenarios").rglob("*.yaml"),
            *(ROOT / "loadtests/during").glob("*.yaml"),
            *(ROOT / "needs-official-mongo").glob("*.yaml"),
            ROOT / "xmux_sim/scenario/default.yaml",
        ]
    )
    profiles = sorted((ROOT / "loadtests" / "profiles").glob("*.yaml"))
    jobs: list[tuple[str, Path, Callable[[], object]]] = [
        *(("stack", p, lambda p=p: load_stack(p)) for p in stacks),
        *(("scenario", p, lambda p=p: _scenario(p)) for p in scenarios),
        *(("profile", p, lambda p=p: load_profile(str(p))) for p in profiles),
    ]
    rows = []
    for kind, path, fn in jobs:
        ms, outcome = best(fn, repeat)
        assert outcome == "valid", f"{path}: {outcome}"
        name = str(path.relative_to(ROOT))
        rows.append({"kind": kind, "file": name, "bytes": path.stat().st_size, "ms": ms})
    return rows


def _env_stack(size: int) -> str:
    """A valid stack of about ``size`` bytes: the bulk is one service's environment."""
    lines = [HEAD, "    config:\n      env:\n"]
    n, total = 0, len(HEAD)
    while total < size:
        line = f"        VAR_{n:06d}: value-{n:06d}-{'x' * 12}\n"
        lines.append(line)
        total += len(line)
        n += 1
    return "".join(lines)


def large_files(folder: Path, repeat: int) -> dict[str, Any]:
    big = folder / "ten-mb.yaml"
    big.write_text(_env_stack(BIG_BYTES))
    laughs = folder / "laughs.yaml"
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
    laughs.write_text("name: lol\nservices: {db: {kind: postgres}}\n" + "\n".join(levels) + "\n")
    cap = folder / "just-under-cap.yaml"
    cap.write_text(_env_stack(MAX_BYTES - 4 * 1024))

    ten_ms, ten_said = best(lambda: load_stack(big), repeat)
    laughs_ms, laughs_said = best(lambda: load_stack(laughs), repeat)
    c_ms, c_said = best(lambda: load_stack(cap), max(3, repeat // 4))
    saved = yamldoc.LIBYAML
    yamldoc.LIBYAML = False  # the pure-Python parser, as without libyaml
    try:
        py_ms, py_said = best(lambda: load_stack(cap), 3)
    finally:
        yamldoc.LIBYAML = saved
    assert ten_ms / 1000 < BIG_BUDGET_S, f"a 10 MB file took {ten_ms} ms"
    return {
        "ten_mb_stack": {"bytes": big.stat().st_size, "ms": ten_ms, "outcome": ten_said},
        "billion_laughs": {"bytes": laughs.stat().st_size, "ms": laughs_ms, "outcome": laughs_said},
        "just_under_cap": {
            "bytes": cap.stat().st_size,
            "env_entries": cap.read_text().count("VAR_"),
            "libyaml_ms": c_ms,
            "pure_python_ms": py_ms,
            "outcome": c_said if c_said == py_said else f"{c_said} / {py_said}",
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    rows = shipped(args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        large = large_files(Path(tmp), args.repeat)
    for row in rows:
        print(f"{row['kind']:9} {row['file']:58} {row['bytes']:6d} B  {row['ms']:8.2f} ms")
    for kind in ("stack", "scenario", "profile"):
        times = [r["ms"] for r in rows if r["kind"] == kind]
        print(f"{kind:9} {len(times)} files: max {max(times):.2f} ms, total {sum(times):.2f} ms")
    for name, figures in large.items():
        print(f"{name:15} {json.dumps(figures)}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "machine": {
                    "python": sys.version.split()[0],
                    "platform": platform.platform(),
                    "pyyaml": yaml.__version__,
                    "libyaml": yamldoc.LIBYAML,
                },
                "max_input_bytes": MAX_BYTES,
                "shipped": rows,
                **large,
            },
            indent=1,
        )
        + "\n"
    )
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
