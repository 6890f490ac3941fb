"""The kind provider's pure parts: what a stack file makes of kind's config, kubeadm's
patches, kube-router's arguments and manifest, CoreDNS' Corefile, the docker script kind
runs, the node image recipe and the Longhorn refusal. No Docker needed."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import pytest
import yaml

from xmux_sim.errors import StackFileError, XmuxSimError
from xmux_sim.images.catalogue import catalogue
from xmux_sim.providers.docker.images import ImageBuilder, retag_docker_save
from xmux_sim.providers.kind import config, docker_shim, longhorn
from xmux_sim.topology import load_stack, parse_stack
from xmux_sim.topology.stackfile import default_stack_path

KIND_STACK = """
name: k
provider: kind
network:
  bgp: {asn: 64600, hold: 6, keepalive: 2}
nodes: [node-1, node-2, node-3]
services: {}
"""


def kind_stack(text: str = KIND_STACK) -> Any:
    return parse_stack(text, "kind.yaml")


# ----- the stack file --------------------------------------------------------------------------


def test_a_kind_stack_takes_its_node_cidrs_from_the_pod_range() -> None:
    stack = kind_stack()
    assert stack.provider == "kind"
    assert [str(n.cidr) for n in stack.nodes] == ["198.18.241.0/24", "198.18.242.0/24", "198.18.243.0/24"]
    k8s = stack.kubernetes
    assert (str(k8s.node_network), str(k8s.pod_cidr), str(k8s.service_cidr)) == (
        "198.19.240.0/24",
        "198.18.240.0/21",
        "198.19.248.0/24",
    )


def test_up_provider_kind_moves_a_docker_stacks_default_ranges_off_the_docker_defaults() -> None:
    docker_ranges = [IPv4Network(f"198.18.{i}.0/24") for i in (1, 2, 3)]
    text = "name: s\nnodes: [node-1, node-2, node-3]\nservices: {}\n"
    path = Path("/tmp") / "xmux-kind-override.yaml"
    path.write_text(text)
    stack = load_stack(path, provider="kind")
    assert stack.provider == "kind"
    for node in stack.nodes:
        assert node.cidr.subnet_of(IPv4Network("198.18.240.0/21"))
        assert not any(node.cidr.overlaps(d) for d in docker_ranges)


def test_the_embedded_kind_stack_loads() -> None:
    stack = load_stack("kind")
    assert stack.provider == "kind" and len(stack.nodes) == 3 and not stack.services
    assert stack.network.bgp.hold == 3


def test_a_docker_stack_is_unchanged_by_the_kind_fields() -> None:
    stack = load_stack(default_stack_path())
    assert stack.provider == "docker"
    assert str(stack.nodes[0].cidr) == "198.18.1.0/24"


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ("kubernetes: {pod_cidr: 10.0.0.0/16}\n", "outside the supernet"),
        ("kubernetes: {service_cidr: 198.18.240.0/24}\n", "overlaps pod_cidr"),
        ("kubernetes: {pod_cidr: 198.18.240.0/24}\n", "too small"),
        ("kubernetes: {storage: ceph}\n", "ceph"),
    ],
)
def test_kind_ranges_are_checked_with_their_line(extra: str, says: str) -> None:
    with pytest.raises(StackFileError, match=says) as info:
        kind_stack(KIND_STACK + extra)
    assert "kind.yaml:" in str(info.value)


def test_a_kind_node_cidr_must_be_in_the_pod_range_and_not_the_control_planes() -> None:
    outside = KIND_STACK.replace("[node-1, node-2, node-3]", "[{name: node-1, cidr: 198.18.1.0/24}]")
    with pytest.raises(StackFileError, match="outside the cluster's pod_cidr"):
        kind_stack(outside)
    control = KIND_STACK.replace("[node-1, node-2, node-3]", "[{name: node-1, cidr: 198.18.240.0/24}]")
    with pytest.raises(StackFileError, match="control plane"):
        kind_stack(control)


def test_services_on_a_kind_stack_are_refused_for_now() -> None:
    with pytest.raises(StackFileError, match="services on it are the next step"):
        kind_stack(KIND_STACK.replace("services: {}", "services:\n  db: {kind: postgres}"))


# ----- kind's config and the cluster's add-ons ----------------------------------------------------


def test_kind_config_has_a_control_plane_and_a_worker_per_node_on_our_ranges() -> None:
    stack = kind_stack()
    cfg = yaml.safe_load(config.kind_config(stack, "k1", "xmux-sim/kind-node:abc"))
    assert cfg["name"] == "xmux-k1"
    assert [n["role"] for n in cfg["nodes"]] == ["control-plane", "worker", "worker", "worker"]
    assert [n["labels"][config.NODE_LABEL] for n in cfg["nodes"]] == [
        "control-plane",
        "node-1",
        "node-2",
        "node-3",
    ]
    assert {n["image"] for n in cfg["nodes"]} == {"xmux-sim/kind-node:abc"}
    net = cfg["networking"]
    assert net["apiServerAddress"] == "127.0.0.1"
    assert net["podSubnet"] == "198.18.240.0/21" and net["serviceSubnet"] == "198.19.248.0/24"
    assert net["disableDefaultCNI"] is True and net["kubeProxyMode"] == "iptables"


def test_kubeadm_patches_allow_cgroup_v1_and_leave_pod_cidrs_to_the_provider() -> None:
    cfg = yaml.safe_load(config.kind_config(kind_stack(), "k1", "img"))
    patches = [yaml.safe_load(p) for p in cfg["kubeadmConfigPatches"]]
    kubelet = next(p for p in patches if p["kind"] == "KubeletConfiguration")
    assert kubelet["failCgroupV1"] is False
    cluster = next(p for p in patches if p["kind"] == "ClusterConfiguration")
    args = {a["name"]: a["value"] for a in cluster["controllerManager"]["extraArgs"]}
    assert args == {"allocate-node-cidrs": "false", "enable-hostpath-provisioner": "true"}


def test_container_names_follow_kinds_naming_in_config_order() -> None:
    assert config.container_names("k1", kind_stack()) == {
        "xmux-k1-control-plane": "control-plane",
        "xmux-k1-worker": "node-1",
        "xmux-k1-worker2": "node-2",
        "xmux-k1-worker3": "node-3",
    }
    assert str(config.control_plane_cidr(kind_stack())) == "198.18.240.0/24"


def test_kube_router_routes_only_with_the_stacks_as_and_hold() -> None:
    args = config.kube_router_args(kind_stack())
    assert "--run-router=true" in args
    assert "--run-firewall=false" in args and "--run-service-proxy=false" in args
    assert "--enable-overlay=false" in args
    assert "--cluster-asn=64600" in args and "--bgp-holdtime=6s" in args
    default = parse_stack(KIND_STACK.replace("  bgp: {asn: 64600, hold: 6, keepalive: 2}\n", ""), "k.yaml")
    assert "--bgp-holdtime=90s" in config.kube_router_args(default)  # Kube-Router's own default


def test_short_timers_peer_through_node_annotations_and_kube_routers_default_through_its_mesh() -> None:
    """kube-router v2.1.0 gives --bgp-holdtime only to peers it is told about."""
    short = kind_stack()
    assert config.explicit_peering(short) and "--nodes-full-mesh=false" in config.kube_router_args(short)
    addresses = {"control-plane": "198.19.240.10", "node-1": "198.19.240.11", "node-2": "198.19.240.12"}
    notes = config.peer_annotations(short, addresses)
    assert notes["node-1"] == {
        "kube-router.io/node.asn": "64600",
        "kube-router.io/peer.ips": "198.19.240.10,198.19.240.12",
        "kube-router.io/peer.asns": "64600,64600",
    }
    default = parse_stack(KIND_STACK.replace("  bgp: {asn: 64600, hold: 6, keepalive: 2}\n", ""), "k.yaml")
    assert not config.explicit_peering(default)
    assert "--nodes-full-mesh=true" in config.kube_router_args(default)


def test_kube_router_is_a_daemonset_on_every_node_from_the_preloaded_image() -> None:
    docs = list(yaml.safe_load_all(config.kube_router_manifest(kind_stack())))
    ds = next(d for d in docs if d["kind"] == "DaemonSet")
    pod = ds["spec"]["template"]["spec"]
    assert pod["hostNetwork"] is True and pod["tolerations"] == [{"operator": "Exists"}]
    container = pod["containers"][0]
    assert container["image"] == config.KUBE_ROUTER_IMAGE and container["imagePullPolicy"] == "Never"
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["KUBE_ROUTER_CNI_CONF_FILE"] == "/etc/cni/net.d/10-kuberouter.conflist"
    cni = json.loads(next(d for d in docs if d["kind"] == "ConfigMap")["data"]["cni-conf.json"])
    assert cni["plugins"][0]["type"] == "bridge"


def test_corefile_has_no_upstream_and_no_loop_check() -> None:
    text = config.corefile()
    assert "kubernetes cluster.local" in text
    assert "forward" not in text and "loop" not in text
    assert yaml.safe_load(config.coredns_configmap())["data"]["Corefile"] == text


# ----- the docker script kind runs ---------------------------------------------------------------


def env(unprivileged: bool) -> dict[str, str]:
    return {
        "XMUX_KIND_UNPRIVILEGED": "1" if unprivileged else "0",
        "XMUX_KIND_LABELS": json.dumps({"xmux-sim.run": "k1"}),
        "XMUX_KIND_NODES": json.dumps(
            {"xmux-k1-worker": {"xmux-sim.node": "node-1", docker_shim.NODE_IP: "198.19.240.11"}}
        ),
    }


def test_run_gets_the_run_labels_and_the_nodes_address() -> None:
    args = docker_shim.rewrite(["run", "--name", "xmux-k1-worker", "--privileged", "img"], env(False))
    assert args[0] == "run"
    assert "--label=xmux-sim.run=k1" in args and "--label=xmux-sim.node=node-1" in args
    assert "--ip=198.19.240.11" in args
    assert "--privileged" in args  # stock kind where the engine allows it


def test_unprivileged_engines_get_the_capability_set_instead_of_privileged() -> None:
    args = docker_shim.rewrite(["run", "--name", "xmux-k1-worker", "--privileged", "img"], env(True))
    assert "--privileged" not in args
    assert "--cap-add=ALL" in args and "--cap-drop=SYS_RESOURCE" in args
    assert "--security-opt=systempaths=unconfined" in args
    assert args[-1] == "img"
    assert docker_shim.rewrite(["exec", "--privileged", "-i", "n", "true"], env(True)) == [
        "exec",
        "-i",
        "n",
        "true",
    ]
    assert docker_shim.rewrite(["exec", "--privileged", "n", "true"], env(False))[1] == "--privileged"


def test_other_commands_pass_through() -> None:
    for argv in (["ps", "-a"], ["inspect", "x"], ["network", "inspect", "n"], []):
        assert docker_shim.rewrite(argv, env(True)) == argv


def test_the_script_calls_the_shim() -> None:
    text = docker_shim.script("/usr/bin/python3", "/src")
    assert text.startswith("#!/usr/bin/python3\n") and "docker_shim import main" in text


# ----- the node image recipe -----------------------------------------------------------------------


def test_the_node_image_preloads_what_kubeadm_1_37_asks_for() -> None:
    node = catalogue()["kind-node"]
    names = {n for p in node.preload for n in p.names}
    # kubeadm v1.37.2's constants: PauseVersion 3.10.2, DefaultEtcdVersion 3.7.0-0, CoreDNS v1.14.6
    assert {
        "registry.k8s.io/kube-apiserver:v1.37.2",
        "registry.k8s.io/kube-controller-manager:v1.37.2",
        "registry.k8s.io/kube-scheduler:v1.37.2",
        "registry.k8s.io/kube-proxy:v1.37.2",
        "registry.k8s.io/etcd:3.7.0-0",
        "registry.k8s.io/coredns/coredns:v1.14.6",
        "registry.k8s.io/pause:3.10.2",
        config.KUBE_ROUTER_IMAGE,
    } <= names
    assert node.parent == "base"
    assert {g.binary for g in node.go} >= {"kubelet", "kubeadm", "kubectl", "crictl"}
    assert [g.binary for g in node.host_go] == ["kind"]
    containerd = (node.folder / "files/etc/containerd/config.toml").read_text()
    assert 'sandbox_image = "registry.k8s.io/pause:3.10.2"' in containerd
    assert "restrict_oom_score_adj = true" in containerd


def test_kubernetes_programs_are_built_from_the_module_with_its_staging_replaces_dropped() -> None:
    k8s = [
        g for name in ("k8s", "kind-node") for g in catalogue()[name].go if g.module == "k8s.io/kubernetes"
    ]
    assert len(k8s) == 7
    for program in k8s:
        assert program.drop_local_replaces and program.unversioned == "v0.37.2"
        assert "k8s.io/component-base/version.gitVersion=v1.37.2" in program.ldflags
    assert catalogue()["k8s-pause"].cc[0].source == "build/pause/linux/pause.c"


def test_the_node_image_tag_follows_its_preloads() -> None:
    builder = ImageBuilder(client=None)  # tags read only the catalogue
    before = builder.tag("kind-node")
    builder._tags["k8s-pause"] = "xmux-sim/k8s-pause:changed"
    builder._tags.pop("kind-node")
    assert builder.tag("kind-node") != before


def test_the_entrypoint_never_prints_kinds_cgroup_v1_line() -> None:
    """kind takes that line as "booted"; on cgroup v1 it must wait for systemd instead."""
    text = (catalogue()["kind-node"].folder / "entrypoint").read_text()
    code = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not any("detected cgroup v1" in line for line in code)
    units = catalogue()["kind-node"].folder / "files/etc/systemd/system"
    # The image import must not hold multi-user.target back (kind allows it 30 s).
    preload = (units / "xmux-preload.service").read_text()
    assert "Before=kubelet.service\n" in preload and "WantedBy=xmux-node.target" in preload
    assert "DefaultDependencies=no" in (units / "xmux-node.target").read_text()


def test_retagging_a_docker_save_names_images_as_the_node_will_know_them(tmp_path: Path) -> None:
    raw = tmp_path / "raw.tar"
    manifest = [{"Config": "c.json", "RepoTags": ["xmux-sim/k8s:abc"], "Layers": ["l/layer.tar"]}]
    with tarfile.open(raw, "w") as tar:
        for name, body in (("manifest.json", json.dumps(manifest).encode()), ("l/layer.tar", b"x")):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    out = tmp_path / "out.tar"
    retag_docker_save(raw, out, {"xmux-sim/k8s:abc": ["registry.k8s.io/etcd:3.7.0-0", "a/b:c"]})
    with tarfile.open(out) as tar:
        names = tar.getnames()
        data = tar.extractfile("manifest.json")
        assert data is not None
        assert json.load(data)[0]["RepoTags"] == ["registry.k8s.io/etcd:3.7.0-0", "a/b:c"]
    assert "l/layer.tar" in names


@pytest.mark.skipif(shutil.which("go") is None and not Path("/usr/local/go/bin/go").exists(), reason="no go")
def test_go_mod_edits_drop_local_replaces_and_version_the_unversioned(tmp_path: Path) -> None:
    from xmux_sim.images.catalogue import GoProgram
    from xmux_sim.providers.docker.images import require_go

    (tmp_path / "go.mod").write_text(
        "module example.com/m\n\ngo 1.22\n\nrequire (\n\tk8s.io/api v0.0.0\n\tgithub.com/x/y v1.2.3\n)\n\n"
        "replace k8s.io/api => ./staging/src/k8s.io/api\n\nreplace github.com/x/y => github.com/x/z v1.0.0\n"
    )
    program = GoProgram("example.com/m", "v1.0.0", "m", drop_local_replaces=True, unversioned="v0.37.2")
    go = require_go()
    ImageBuilder._edit_go_mod(go, program, tmp_path, {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    text = subprocess.run([go, "mod", "edit", "-json"], cwd=tmp_path, capture_output=True, text=True).stdout
    mod = json.loads(text)
    assert {r["Path"]: r["Version"] for r in mod["Require"]}["k8s.io/api"] == "v0.37.2"
    assert [r["Old"]["Path"] for r in mod.get("Replace") or []] == ["github.com/x/y"]


# ----- Longhorn ------------------------------------------------------------------------------------


def test_longhorn_is_refused_naming_the_missing_kernel_features() -> None:
    bare = {"CONFIG_NF_TABLES": "y"}
    missing = longhorn.missing_kernel_features(bare)
    assert any("iSCSI" in m for m in missing) and any("NBD" in m for m in missing)
    with pytest.raises(XmuxSimError, match="iSCSI"):
        longhorn.check_longhorn(bare)
    full = {option: "y" for option, _ in longhorn.FEATURES.values()}
    assert longhorn.missing_kernel_features(full) == []
    with pytest.raises(XmuxSimError, match="registry"):
        longhorn.check_longhorn(full)
