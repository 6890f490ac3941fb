"""Builds the stack's images (catalogued in :mod:`xmux_sim.images`) on the Docker engine: no
registry is needed.

The base is ``debian:bookworm-slim`` when the engine has it or can pull it, otherwise a
Debian root file system made with debootstrap from the machine's own apt source and
``docker import``. Go programs (MinIO, FerretDB, Toxiproxy) are built on the host from
their modules at pinned versions and copied into the build context.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath

import docker
import docker.errors

from xmux_sim.errors import BuildFailed, ImageMissing
from xmux_sim.images.catalogue import (
    CProgram,
    GoProgram,
    ImageSpec,
    ImageState,
    Preload,
    build_order,
    catalogue,
    tree_digest,
)
from xmux_sim.providers.base import Progress
from xmux_sim.providers.docker.archive import tar_of

UPSTREAM_BASE = "debian:bookworm-slim"
MIN_GO = (1, 24)


def cache_dir() -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "xmux-sim"
    root.mkdir(parents=True, exist_ok=True)
    return root


class ImageBuilder:
    def __init__(self, client: docker.DockerClient, progress: Progress | None = None) -> None:
        self.client = client
        self.progress: Progress = progress or (lambda _line: None)
        self._tags: dict[str, str] = {}
        self._lock = threading.Lock()

    # ----- naming -------------------------------------------------------------------------

    def tag(self, name: str) -> str:
        """The tag the current folder contents of image ``name`` build to."""
        if name in self._tags:
            return self._tags[name]
        spec = catalogue()[name]
        h = hashlib.sha256(spec.folder_digest().encode())
        for program in spec.go:
            h.update(program.identity().encode())
        for program in spec.host_go:
            h.update(b"host\0" + program.identity().encode())
        for c_program in spec.cc:
            h.update(f"cc\0{c_program.ref}\0{c_program.source}\0{c_program.binary}".encode())
        for preload in spec.preload:
            h.update(f"preload\0{self.tag(preload.image)}\0{' '.join(preload.names)}".encode())
        for requirement in spec.pip:
            h.update(requirement.encode())
        for package, folder in spec.package_folders().items():
            h.update(package.encode())
            h.update(tree_digest(folder).encode())
        if spec.parent:
            # The parent's tag already hashes its own ancestry.
            h.update(self.tag(spec.parent).encode())
        tag = f"{spec.repository}:{h.hexdigest()[:12]}"
        self._tags[name] = tag
        return tag

    def is_built(self, name: str) -> bool:
        try:
            self.client.images.get(self.tag(name))
        except docker.errors.ImageNotFound:
            return False
        return True

    def require(self, names: Iterable[str]) -> dict[str, str]:
        """Tags of the named images; a clear error when one is not built."""
        missing = [n for n in names if not self.is_built(n)]
        if missing:
            raise ImageMissing(
                f"image(s) not built: {', '.join(missing)}. Run `xmux-sim images build` "
                "(scripts/setup does it too); the first build takes a few minutes."
            )
        return {n: self.tag(n) for n in names}

    # ----- building -----------------------------------------------------------------------

    def build(self, names: Sequence[str] | None = None, rebuild: bool = False) -> list[str]:
        """Build the named images (default: all) and their parents when missing; return what was built."""
        wanted = list(names) if names else sorted(catalogue())
        unknown = [n for n in wanted if n not in catalogue()]
        if unknown:
            raise BuildFailed(
                f"unknown image(s): {', '.join(unknown)}; known: {', '.join(sorted(catalogue()))}"
            )
        built: list[str] = []
        for spec in build_order(wanted):
            if self.is_built(spec.name) and not (rebuild and spec.name in wanted):
                continue
            self.progress(f"[{spec.name}] building {self.tag(spec.name)}")
            for program in spec.host_go:
                self.go_binary(program)
            if spec.parent is None:
                self._build_base(spec)
            else:
                self._build_child(spec)
            built.append(spec.name)
            self.progress(f"[{spec.name}] built")
        return built

    def _build_base(self, spec: ImageSpec) -> None:
        tag = self.tag(spec.name)
        repo, version = tag.split(":")
        try:
            self.client.images.get(UPSTREAM_BASE).tag(repo, version)
            self.progress(f"[{spec.name}] using the engine's {UPSTREAM_BASE}")
            return
        except docker.errors.ImageNotFound:
            pass
        if self._try_pull_base():
            self.client.images.get(UPSTREAM_BASE).tag(repo, version)
            return
        self._debootstrap(spec, tag)

    def _try_pull_base(self) -> bool:
        self.progress(f"[base] trying to pull {UPSTREAM_BASE}")
        try:
            result = subprocess.run(
                ["docker", "pull", UPSTREAM_BASE], capture_output=True, text=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
        if result.returncode != 0:
            self.progress(
                f"[base] no registry reachable ({result.stderr.strip().splitlines()[-1:]}), "
                "bootstrapping Debian instead"
            )
        return result.returncode == 0

    def _debootstrap(self, spec: ImageSpec, tag: str) -> None:
        if shutil.which("debootstrap") is None:
            raise BuildFailed(
                "no base image and no debootstrap: `apt-get install debootstrap` (scripts/setup does)"
            )
        if os.geteuid() != 0:
            raise BuildFailed("bootstrapping the Debian base image needs root (debootstrap); run as root")
        mirror = apt_mirror()
        with tempfile.TemporaryDirectory(prefix="xmux-sim-rootfs-") as tmp:
            rootfs = Path(tmp) / "rootfs"
            self.progress(f"[base] debootstrap bookworm from {mirror} (about a minute)")
            self._stream_command(
                ["debootstrap", "--variant=minbase", "bookworm", str(rootfs), mirror], "base"
            )
            self.progress("[base] importing the root file system")
            tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
            imp = subprocess.run(
                ["docker", "import", "-c", 'CMD ["bash"]', "-", tag],
                stdin=tar.stdout,
                capture_output=True,
                text=True,
                check=False,
            )
            tar.wait()
            if imp.returncode != 0 or tar.returncode != 0:
                raise BuildFailed(
                    f"docker import of the Debian root file system failed: {imp.stderr.strip()}"
                )

    def _stream_command(
        self, cmd: list[str], label: str, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> None:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd
        )
        tail: list[str] = []
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            if line:
                tail = [*tail[-30:], line]
                self.progress(f"[{label}] {line[:160]}")
        if proc.wait() != 0:
            raise BuildFailed(f"{' '.join(cmd[:3])} ... failed (exit {proc.returncode}):\n" + "\n".join(tail))

    def _build_child(self, spec: ImageSpec) -> None:
        assert spec.parent is not None
        parent_tag = self.tag(spec.parent)
        with tempfile.TemporaryDirectory(prefix=f"xmux-sim-{spec.name}-") as tmp:
            context = Path(tmp) / "context"
            shutil.copytree(spec.folder, context, ignore=shutil.ignore_patterns("__pycache__"))
            if spec.go:
                (context / "bin").mkdir(exist_ok=True)
                for program in spec.go:
                    binary = self.go_binary(program)
                    shutil.copy2(binary, context / "bin" / program.binary)
            if spec.cc:
                (context / "bin").mkdir(exist_ok=True)
                for c_program in spec.cc:
                    shutil.copy2(self.c_binary(c_program), context / "bin" / c_program.binary)
            if spec.preload:
                (context / "preload").mkdir(exist_ok=True)
                self.save_preload(spec.preload, context / "preload" / "images.tar")
            if spec.pip:
                shutil.copytree(self.wheels(spec.pip), context / "wheels")
            for package, folder in spec.package_folders().items():
                shutil.copytree(
                    folder, context / "packages" / package, ignore=shutil.ignore_patterns("__pycache__")
                )
            self._docker_build(spec, context, parent_tag)

    def _docker_build(self, spec: ImageSpec, context: Path, parent_tag: str) -> None:
        tag = self.tag(spec.name)
        labels = {"xmux-sim.image": spec.name, "xmux-sim.program": spec.program}
        stream = self.client.api.build(
            path=str(context),
            tag=tag,
            buildargs={"BASE": parent_tag},
            decode=True,
            rm=True,
            forcerm=True,
            labels=labels,
            network_mode="bridge",
        )
        tail: list[str] = []
        for chunk in stream:
            if "error" in chunk:
                raise BuildFailed(
                    f"building image {spec.name} failed: {chunk['error'].strip()}\n" + "\n".join(tail)
                )
            text = str(chunk.get("stream") or chunk.get("status") or "").strip()
            if text:
                tail = [*tail[-30:], text]
                self.progress(f"[{spec.name}] {text.splitlines()[-1][:160]}")
        self.client.images.get(tag)  # raises when the build produced nothing

    # ----- Go programs --------------------------------------------------------------------

    def go_binary(self, program: GoProgram) -> Path:
        """Build (once) a Go program from its module at the pinned version; return the binary."""
        key = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{program.ref}{program.package}")
        settings: list[object] = [program.files, program.ldflags, program.tags]
        if program.rewrites_module:
            settings += [program.drop_local_replaces, program.unversioned]
        spec_hash = hashlib.sha256(json.dumps(settings).encode()).hexdigest()
        out_dir = cache_dir() / "go" / f"{key}-{spec_hash[:8]}"
        binary = out_dir / program.binary
        if binary.is_file():
            return binary
        go = require_go()
        out_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}
        ldflags = f"-s -w {program.ldflags}".strip()
        tags = ["-tags", ",".join(program.tags)] if program.tags else []
        started = time.monotonic()
        if not program.files and not program.rewrites_module:
            pkg = (
                program.module
                if program.package == "."
                else f"{program.module}/{program.package.lstrip('./')}"
            )
            self._go_command(
                [go, "install", "-trimpath", "-ldflags", ldflags, *tags, f"{pkg}@{program.version}"],
                program,
                env={**env, "GOBIN": str(out_dir)},
            )
            built = out_dir / Path(pkg).name
            if built != binary:
                built.rename(binary)
        else:
            work = self._module_copy(go, program, env)
            self._go_command(
                [go, "build", "-trimpath", "-ldflags", ldflags, *tags, "-o", str(binary), program.package],
                program,
                env={**env, "GOWORK": "off"},
                cwd=work,
            )
        _record_build_time(program.binary, program.ref, time.monotonic() - started)
        return binary

    def _module_copy(self, go: str, program: GoProgram, env: dict[str, str]) -> Path:
        """A writable copy of the module's source with the program's files and go.mod edits.

        Kept in the cache and shared by every program of the same module and edits: the first
        build resolves the rewritten requirements into its go.sum, the others reuse it.
        """
        edits = json.dumps([program.ref, program.files, program.drop_local_replaces, program.unversioned])
        key = re.sub(r"[^A-Za-z0-9._-]+", "_", program.ref)
        work = cache_dir() / "go-src" / f"{key}-{hashlib.sha256(edits.encode()).hexdigest()[:8]}"
        if (work / ".xmux-sim-ready").is_file():
            return work
        self.progress(f"[go] {program.binary}: downloading {program.ref}")
        source_dir = _module_dir(go, program.ref, env)
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(source_dir, work)
        for root, dirs, files in os.walk(work):
            for name in dirs + files:
                os.chmod(os.path.join(root, name), 0o755)
        for rel, content in program.files.items():
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            (work / rel).write_text(content)
        if program.rewrites_module:
            # A monorepo's go.work and `=> ./staging/...` replaces point into folders the module
            # zip does not carry; the published versions of those modules stand in for them.
            for name in ("go.work", "go.work.sum"):
                (work / name).unlink(missing_ok=True)
            self._edit_go_mod(go, program, work, env)
        (work / ".xmux-sim-ready").touch()
        return work

    @staticmethod
    def _edit_go_mod(go: str, program: GoProgram, work: Path, env: dict[str, str]) -> None:
        env = {**env, "GOWORK": "off", "GOFLAGS": ""}
        read = subprocess.run(
            [go, "mod", "edit", "-json"], capture_output=True, text=True, env=env, cwd=work, check=False
        )
        if read.returncode != 0:
            raise BuildFailed(f"go mod edit -json in {program.ref} failed: {read.stderr}")
        mod = json.loads(read.stdout)
        edits: list[str] = []
        if program.drop_local_replaces:
            for rep in mod.get("Replace") or ():
                target = rep.get("New", {}).get("Path", "")
                if target.startswith(("./", "../")):
                    old = rep["Old"]
                    where = f"{old['Path']}@{old['Version']}" if old.get("Version") else old["Path"]
                    edits.append(f"-dropreplace={where}")
        if program.unversioned:
            for req in mod.get("Require") or ():
                if req["Version"] == "v0.0.0":
                    edits.append(f"-require={req['Path']}@{program.unversioned}")
        if edits:
            done = subprocess.run(
                [go, "mod", "edit", *edits], capture_output=True, text=True, env=env, cwd=work, check=False
            )
            if done.returncode != 0:
                raise BuildFailed(f"go mod edit in {program.ref} failed: {done.stderr}")

    def _go_command(
        self, cmd: list[str], program: GoProgram, env: dict[str, str], cwd: Path | None = None
    ) -> None:
        """Run a Go build, showing one line per step (downloading, compiling, elapsed time).

        Go's own output is kept for the error message only: a cold Kubernetes build prints
        hundreds of download lines and then nothing for many minutes.
        """
        name = program.binary
        self.progress(f"[go] {name}: building {program.ref} {program.package}")
        proc = subprocess.Popen(
            ["nice", "-n", "19", *cmd] if shutil.which("nice") else cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=cwd or tempfile.gettempdir(),
        )
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.put(line.rstrip())
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        started = time.monotonic()
        tail: list[str] = []
        downloads = 0
        shown = ("", 0.0)
        while True:
            try:
                line = lines.get(timeout=15)
            except queue.Empty:
                line = ""
            if line is None:
                break
            if line:
                tail = [*tail[-30:], line]
            if line.startswith("go: downloading"):
                downloads += 1
                step = "downloading modules"
            else:
                step = "compiling"
            now = time.monotonic()
            if step != shown[0] or now - shown[1] >= 10:
                shown = (step, now)
                elapsed = int(now - started)
                count = f" ({downloads} modules)" if downloads else ""
                self.progress(f"[go] {name}: {step}{count}, {elapsed // 60}m{elapsed % 60:02d}s")
        if proc.wait() != 0:
            raise BuildFailed(
                f"building {name} ({program.ref}) failed (exit {proc.returncode}):\n" + "\n".join(tail)
            )
        self.progress(f"[go] {name}: built in {time.monotonic() - started:.0f} s")

    def c_binary(self, program: CProgram) -> Path:
        """Build (once) a static C program from a file in a Go module's source."""
        key = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{program.ref}-{program.source}")
        binary = cache_dir() / "cc" / key / program.binary
        if binary.is_file():
            return binary
        go = require_go()
        cc = shutil.which("gcc") or shutil.which("cc")
        if cc is None:
            raise BuildFailed(
                f"{program.binary} is C ({program.source}): install gcc (`apt-get install gcc`)"
            )
        source = _module_dir(go, program.ref) / program.source
        binary.parent.mkdir(parents=True, exist_ok=True)
        self.progress(f"[cc] {program.binary}: gcc -static {program.source}")
        done = subprocess.run(
            [cc, "-static", "-Os", "-o", str(binary), str(source)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            binary.unlink(missing_ok=True)
            raise BuildFailed(f"gcc {program.source} failed: {done.stderr}")
        return binary

    def host_program(self, image: str, binary: str) -> Path:
        """A program image ``image`` declares under ``host_go`` (built when missing)."""
        for program in catalogue()[image].host_go:
            if program.binary == binary:
                return self.go_binary(program)
        raise BuildFailed(f"image {image} declares no host program {binary}")

    def save_preload(self, preloads: Sequence[Preload], out: Path) -> None:
        """One ``docker save`` tar of the preloaded images, tagged with their registry names.

        The images keep their content-hash tags in the engine; only the tar's manifest
        names them as the node's container runtime will know them (registry.k8s.io/...).
        """
        tags = [self.tag(p.image) for p in preloads]
        names = {self.tag(p.image): list(p.names) for p in preloads}
        self.progress(f"[preload] saving {', '.join(p.image for p in preloads)}")
        with tempfile.TemporaryDirectory(prefix="xmux-sim-preload-") as tmp:
            raw = Path(tmp) / "raw.tar"
            # One save of all of them: layers they share (our Debian base) are stored once.
            saved = subprocess.run(
                ["docker", "save", "-o", str(raw), *tags], capture_output=True, text=True, check=False
            )
            if saved.returncode != 0:
                raise BuildFailed(f"docker save {' '.join(tags)} failed: {saved.stderr.strip()}")
            retag_docker_save(raw, out, names)

    def wheels(self, requirements: tuple[str, ...]) -> Path:
        """Download (once) the wheels for a Python 3.11 x86-64 Linux image; return their folder."""
        key = hashlib.sha256("\n".join(requirements).encode()).hexdigest()[:16]
        out_dir = cache_dir() / "wheels" / key
        if (out_dir / ".complete").exists():
            return out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        self.progress(f"[pip] downloading wheels: {' '.join(requirements)}")
        self._stream_command(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--disable-pip-version-check",
                "--only-binary=:all:",
                "--python-version",
                "3.11",
                "--implementation",
                "cp",
                "--platform",
                "manylinux2014_x86_64",
                "--platform",
                "manylinux_2_28_x86_64",
                "--platform",
                "linux_x86_64",
                "-d",
                str(out_dir),
                *requirements,
            ],
            "pip",
        )
        (out_dir / ".complete").touch()
        return out_dir

    # ----- listing ------------------------------------------------------------------------

    def states(self) -> list[ImageState]:
        rows = []
        versions = _VersionCache()
        for name, spec in sorted(catalogue().items()):
            tag = self.tag(name)
            try:
                image = self.client.images.get(tag)
            except docker.errors.ImageNotFound:
                rows.append(ImageState(name, tag, False, None, None, spec.program))
                continue
            version = versions.get(image.id)
            if version is None and spec.version_cmd:
                version = self._read_version(tag, spec)
                versions.put(image.id, version)
            rows.append(
                ImageState(
                    name, tag, True, round(image.attrs.get("Size", 0) / 2**20, 1), version, spec.program
                )
            )
        versions.save()
        return rows

    def run_tool(self, name: str, argv: Sequence[str], files: Mapping[str, bytes]) -> tuple[int, str]:
        """Run ``argv`` in image ``name`` with ``files`` (absolute path -> content) in place, offline.

        For checks before a stack starts (``promtool check rules``): the image's own program
        judges, at the version the stack will run.
        """
        tag = self.require([name])[name]
        container = self.client.containers.create(
            tag, command=list(argv[1:]), entrypoint=[argv[0]], network_mode="none"
        )
        try:
            by_folder: dict[str, dict[str, bytes]] = {}
            for path, content in files.items():
                p = PurePosixPath(path)
                by_folder.setdefault(str(p.parent), {})[p.name] = content
            for folder, contents in by_folder.items():
                container.put_archive(folder, tar_of(contents))
            container.start()
            code = container.wait(timeout=120).get("StatusCode", 1)
            return int(code), container.logs(stdout=True, stderr=True).decode(errors="replace")
        finally:
            container.remove(force=True, v=True)

    def _read_version(self, tag: str, spec: ImageSpec) -> str:
        # Run detached and remove with v=True: images that declare a VOLUME would otherwise
        # leave an anonymous volume behind for every version read.
        try:
            container = self.client.containers.run(
                tag, list(spec.version_cmd), entrypoint=[], detach=True, network_mode="none"
            )
        except docker.errors.DockerException as exc:
            return f"? ({exc.__class__.__name__})"
        try:
            container.wait(timeout=30)
            out = container.logs(stdout=True, stderr=True)
        except Exception as exc:  # a hung or odd image must not break `images list`
            return f"? ({exc.__class__.__name__})"
        finally:
            container.remove(force=True, v=True)
        text = out.decode(errors="replace").strip().splitlines()
        return text[0][:80] if text else "?"


class _VersionCache:
    """Program versions by image id: reading one means running a container, so remember it."""

    def __init__(self) -> None:
        self.path = cache_dir() / "image-versions.json"
        try:
            self.data: dict[str, str] = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.data = {}
        self.dirty = False

    def get(self, image_id: str) -> str | None:
        return self.data.get(image_id)

    def put(self, image_id: str, version: str) -> None:
        self.data[image_id] = version
        self.dirty = True

    def save(self) -> None:
        if self.dirty:
            self.path.write_text(json.dumps(self.data, indent=1))


def retag_docker_save(raw: Path, out: Path, names: Mapping[str, list[str]]) -> None:
    """Copy a ``docker save`` tar, naming each image by ``names[tag it was saved as]``."""
    with tarfile.open(raw) as src, tarfile.open(out, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member) if member.isfile() else None
            if member.name in ("manifest.json", "repositories"):
                continue
            dst.addfile(member, data)
        manifest_file = src.extractfile("manifest.json")
        assert manifest_file is not None
        manifest = json.load(manifest_file)
        for entry in manifest:
            entry["RepoTags"] = [n for tag in entry.get("RepoTags") or () for n in names.get(tag, [tag])]
        body = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(body)
        dst.addfile(info, io.BytesIO(body))


def _record_build_time(binary: str, ref: str, seconds: float) -> None:
    """Keep how long each Go program took to build (the README's and benchmark's figures)."""
    path = cache_dir() / "go-build-times.json"
    try:
        times: dict[str, object] = json.loads(path.read_text())
    except (OSError, ValueError):
        times = {}
    times[binary] = {
        "ref": ref,
        "seconds": round(seconds, 1),
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    path.write_text(json.dumps(times, indent=1))


def require_go() -> str:
    go = shutil.which("go") or ("/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None)
    if go is None:
        raise BuildFailed(
            "MinIO, FerretDB and Toxiproxy are built from their Go modules and no `go` is on PATH. "
            f"Install Go >= {MIN_GO[0]}.{MIN_GO[1]} (Debian's golang is too old; the Go module proxy "
            "serves toolchains), "
            "or build on a machine with a registry where a golang builder image can be pulled."
        )
    out = subprocess.run([go, "version"], capture_output=True, text=True, check=False).stdout
    m = re.search(r"go(\d+)\.(\d+)", out)
    if not m or (int(m.group(1)), int(m.group(2))) < MIN_GO:
        raise BuildFailed(f"{go} is {out.strip()}; MinIO needs Go >= {MIN_GO[0]}.{MIN_GO[1]}")
    return go


def apt_mirror() -> str:
    """The first Debian mirror in the machine's apt sources (deb822 or one-line format)."""
    candidates: list[Path] = [
        Path("/etc/apt/sources.list"),
        *sorted(Path("/etc/apt/sources.list.d").glob("*")),
    ]
    for path in candidates:
        try:
            text = path.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            line = line.strip()
            m = re.match(r"^URIs:\s*(\S+)", line) or re.match(
                r"^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\b", line
            )
            if m and "security" not in m.group(1):
                return m.group(1)
    return "http://deb.debian.org/debian"


def _module_dir(go: str, ref: str, env: dict[str, str] | None = None) -> Path:
    """Where Go's module cache holds ``ref`` (module@version), downloaded if need be (read-only)."""
    info = subprocess.run(
        [go, "mod", "download", "-json", ref],
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),
        check=False,
    )
    if info.returncode != 0:
        raise BuildFailed(f"go mod download {ref} failed: {info.stdout}{info.stderr}")
    return Path(json.loads(info.stdout)["Dir"])
