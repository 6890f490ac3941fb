"""Opening a stack from Python.

from xmux_sim.api import open_stack

with open_stack() as run:                      # the embedded default stack
    pg = run.endpoint("postgres")              # 127.0.0.1 + published ports + credentials
    ...

with open_stack(attach=True) as run:           # a stack someone started with `up --keep`
    ...                                        # (left running on exit)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from xmux_sim.providers import DEFAULT
from xmux_sim.providers.base import Run
from xmux_sim.session import run_session
from xmux_sim.topology import Stack, load_stack


@contextmanager
def open_stack(
    stack: Stack | str | Path | None = None,
    *,
    attach: bool | str = False,
    progress: Callable[[str], None] | None = None,
    provider: str = DEFAULT,
) -> Iterator[Run]:
    """Bring a stack up for the with-block (and down after), or attach to a running one.

    ``attach=True`` attaches to the only running stack, ``attach="RUN_ID"`` to that run;
    an attached stack is left running on exit.
    """
    if attach:
        run_id = attach if isinstance(attach, str) else ""
        with run_session(attach=run_id, provider=provider, progress=progress) as session:
            yield session.run
        return
    resolved = stack if isinstance(stack, Stack) else load_stack(stack)
    with run_session(resolved, provider=provider, progress=progress) as session:
        yield session.run
