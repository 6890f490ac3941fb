"""The user count over time of a profile with stages (ramp, spike), as a locust load shape.

Imported only in locust processes: importing locust monkey-patches the standard library.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from locust import LoadTestShape

from xmux_sim.load.profile import Stage, users_at

__all__ = ["StagedShape", "shape_class"]


class StagedShape(LoadTestShape):
    abstract = True
    stages: Sequence[Stage] = ()

    def tick(self) -> tuple[int, float] | None:
        return users_at(self.stages, time.perf_counter() - self.start_time)


def shape_class(stages: Sequence[Stage]) -> type[StagedShape]:
    return type("ProfileShape", (StagedShape,), {"abstract": False, "stages": tuple(stages)})
