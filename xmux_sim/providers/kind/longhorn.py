"""Longhorn needs block devices the kernel gives it: iSCSI (its engine's frontend), and for
some set-ups NBD, device-mapper and module loading; and its images from a registry. Where
they are missing, `storage: longhorn` is refused before anything starts, naming them.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

from xmux_sim.errors import XmuxSimError

__all__ = ["check_longhorn", "missing_kernel_features"]

FEATURES = {
    "iSCSI (CONFIG_ISCSI_TCP, CONFIG_SCSI_ISCSI_ATTRS)": ("CONFIG_ISCSI_TCP", "/sys/class/iscsi_transport"),
    "NBD (CONFIG_BLK_DEV_NBD)": ("CONFIG_BLK_DEV_NBD", "/sys/block/nbd0"),
    "device-mapper (CONFIG_BLK_DEV_DM)": ("CONFIG_BLK_DEV_DM", "/dev/mapper/control"),
    "module loading (CONFIG_MODULES)": ("CONFIG_MODULES", "/proc/modules"),
}


def _kernel_config() -> dict[str, str]:
    for path in (Path("/proc/config.gz"), Path(f"/boot/config-{os.uname().release}")):
        try:
            raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        except OSError:
            continue
        config = {}
        for line in raw.decode(errors="replace").splitlines():
            if line.startswith("CONFIG_") and "=" in line:
                key, value = line.split("=", 1)
                config[key] = value
        return config
    return {}


def missing_kernel_features(config: dict[str, str] | None = None) -> list[str]:
    """The features Longhorn needs that this kernel lacks (by its config, or by what it shows)."""
    config = _kernel_config() if config is None else config
    missing = []
    for feature, (option, evidence) in FEATURES.items():
        if config:
            if config.get(option) not in ("y", "m"):
                missing.append(feature)
        elif not Path(evidence).exists():
            missing.append(feature)
    return missing


def check_longhorn(config: dict[str, str] | None = None) -> None:
    missing = missing_kernel_features(config)
    if missing:
        raise XmuxSimError(
            "storage: longhorn needs kernel features this machine lacks: "
            + ", ".join(missing)
            + ". Longhorn's engine serves volumes over iSCSI and its images come from a registry; "
            "use storage: local here (volumes local to a node; replica loss stays at the data "
            "services' level), or a host with a stock Debian/Ubuntu kernel and a reachable registry."
        )
    raise XmuxSimError(
        "storage: longhorn: this kernel has what Longhorn needs, but installing it needs its images "
        "and manifests from a registry, which xmux-sim does not fetch yet; use storage: local"
    )
