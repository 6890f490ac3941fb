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
    assert order == ["base", "common", "lazyfs", "minio"]
    assert any(p.module == "github.com/minio/minio" for p in images["minio"].go)


def test_an_image_carrying_our_package_changes_tag_with_the_package(tmp_path: Path) -> None:
    spec = catalogue()["lazyfs"]
    assert spec.packages == ("lazyfs",)
    folder = spec.package_folders()["lazyfs"]
    assert (folder / "volume.py").is_file(), "the package is copied from xmux_sim/lazyfs"
    assert [s.name for s in build_order(["postgres"])] == ["base", "common", "lazyfs", "postgres"]
    assert {catalogue()[n].parent for n in ("postgres", "nats", "minio")} == {"lazyfs"}


def test_the_lazyfs_package_imports_nothing_of_ours_outside_itself() -> None:
    """It runs inside the images, where only the package itself is copied."""
    import ast

    folder = catalogue()["lazyfs"].package_folders()["lazyfs"]
    for source in folder.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert not node.module.startswith("xmux_sim"), f"{source.name}: from {node.module}"
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("xmux_sim") for a in node.names), source.name
