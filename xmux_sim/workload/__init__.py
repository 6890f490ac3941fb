"""Workloads that record: clients for each store and for the API, writing a history."""

from __future__ import annotations

from xmux_sim.workload.base import CLIENTS, ClientContext, Indeterminate, Refused, WorkloadClient

__all__ = ["CLIENTS", "ClientContext", "Indeterminate", "Refused", "WorkloadClient"]
