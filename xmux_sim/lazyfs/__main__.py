"""Command line of the lazy volume (the image installs it as `lazyfs`).

lazyfs run --mount DIR -- PROGRAM [ARGS...]    PID 1: DIR made lazy, PROGRAM run on it
lazyfs status | sync | kill-app                 ask the running file system
lazyfs drop [--path P] [--seed S --fraction F]
lazyfs power-off [--path P] [--seed S --fraction F]
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from .control import SOCKET, call


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="lazyfs", description="a FUSE volume that keeps unsynced writes in memory"
    )
    parser.add_argument("--socket", default=os.environ.get("LAZYFS_SOCKET", SOCKET), help="control socket")
    sub = parser.add_subparsers(dest="op", required=True)
    run_parser = sub.add_parser("run", help="mount DIR lazily over itself and run PROGRAM on it")
    run_parser.add_argument("--mount", required=True, help="the directory (the real volume) to make lazy")
    run_parser.add_argument("command", nargs=argparse.REMAINDER, help="-- PROGRAM [ARGS...]")
    for name in ("status", "sync", "kill-app"):
        sub.add_parser(name)
    drop = sub.add_parser("drop", help="forget unsynced state while the program runs")
    power = sub.add_parser("power-off", help="lose unsynced state and kill everything in the container")
    for p in (drop, power):
        p.add_argument("--path", help="one file, relative to the mount (default: everything)")
        p.add_argument("--seed", type=int, help="torn: lose only a seeded choice of the unsynced pages")
        p.add_argument("--fraction", type=float, help="torn: the share of unsynced pages lost (0..1)")
    args = parser.parse_args(argv)

    if args.op == "run":
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("run: name the program after --")
        if not os.path.isdir(args.mount):
            parser.error(f"run: --mount {args.mount}: not a directory")
        from .run import MountFailed, run  # needs pyfuse3, which the control commands do not

        try:
            return run(args.mount, command, args.socket)
        except MountFailed as exc:
            print(exc, file=sys.stderr)
            return 2

    request: dict[str, object] = {"op": args.op}
    for key in ("path", "seed", "fraction"):
        value = getattr(args, key, None)
        if value is not None:
            request[key] = value
    try:
        answer = call(request, args.socket, on_answer=lambda a: print(json.dumps(a), flush=True))
    except OSError as exc:
        print(f"lazyfs: no lazy volume answers on {args.socket}: {exc}", file=sys.stderr)
        return 2
    return 0 if answer.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
