"""Image folders: tags follow the build context, so a changed Dockerfile rebuilds and nothing else."""

from __future__ import annotations

from pathlib import Path

from xmux_sim.images.catalogue import ImageSpec, build_order, catalogue


def spec_at(folder: Path) -> ImageSpec:
    return ImageSpec(name="t", folder=folder, parent=None, program="t", version_cmd=(), go=())


def test_digest_changes_with_the_dockerfile_and_only_then(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM x\nRUN true\n")
    (tmp_path / "entrypoint").write_text("#!/bin/sh\n")
    first = spec_at(tmp_path).folder_digest()
    assert spec_at(tmp_path).folder_digest() == first, "an unchanged folder keeps its tag"
    (tmp_path / "Dockerfile").write_text("FROM x\nRUN false\n")
    assert spec_at(tmp_path).folder_digest() != first
    (tmp_path / "Dockerfile").write_text("FROM x\nRUN true\n")
    (tmp_path / "entrypoint").rename(tmp_path / "start")
    assert spec_at(tmp_path).folder_digest() != first, "a renamed file is a different context"


def test_catalogue_knows_every_image_and_its_parents() -> None:
    images = catalogue()
    assert {
        "base",
        "common",
        "pod",
        "reaper",
        "router",
        "postgres",
        "mongo",
        "ferretdb",
        "nats",
        "minio",
        "prometheus",
        "nginx",
    } <= set(images)
    for spec in images.values():
        assert spec.parent is None or spec.parent in images
        if spec.parent:
            assert (spec.folder / "Dockerfile").is_file(), spec.name
    order = [s.name for s in build_order(["minio"])]
    assert order == ["base", "common", "minio"]
    assert any(p.module == "github.com/minio/minio" for p in images["minio"].go)
