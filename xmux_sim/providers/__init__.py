"""Providers realise a stack; they are the only code that talks to Docker (or Kubernetes).

A provider is a package here, registered by being one: ``xmux_sim.providers.NAME``
exports ``make_provider(progress) -> Provider`` and ``fault_kinds() -> frozenset[str]``
(the fault kinds it implements), and imports its engine's libraries only when
``make_provider`` is called. Everything else chooses a provider by name through
:func:`open_provider` and uses the protocols of :mod:`xmux_sim.providers.base`.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from xmux_sim.errors import XmuxSimError
from xmux_sim.providers.base import Progress, Provider, ProviderFactory

__all__ = ["DEFAULT", "implemented_fault_kinds", "open_provider", "provider_names", "refused_fault_kinds"]

DEFAULT = "docker"


def provider_names() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(__path__) if info.ispkg)


def _package(name: str) -> ModuleType:
    names = provider_names()
    if name not in names:
        raise XmuxSimError(f"unknown provider {name!r}; providers: {', '.join(names)}")
    return importlib.import_module(f"{__name__}.{name}")


def open_provider(name: str = DEFAULT, progress: Progress | None = None) -> Provider:
    factory: ProviderFactory = _package(name).make_provider
    return factory(progress)


def implemented_fault_kinds(name: str) -> frozenset[str]:
    """The fault kinds provider ``name`` can inject (without connecting to anything)."""
    kinds: frozenset[str] = _package(name).fault_kinds()
    return kinds


def refused_fault_kinds(name: str) -> dict[str, str]:
    """Fault kinds provider ``name`` declares it refuses for now, each with the reason it says
    (a provider package may export ``refused_fault_kinds()``; the docker provider refuses none)."""
    package = _package(name)
    refused = getattr(package, "refused_fault_kinds", None)
    return dict(refused()) if refused is not None else {}
