"""What the kind provider generates from a stack: kind's cluster config with its kubeadm
patches, kube-router's DaemonSet, CoreDNS' Corefile. Pure functions of the Stack, so unit
tests read exactly what a cluster is given.
"""

from __future__ import annotations

import json
from ipaddress import IPv4Network
from typing import Any

import yaml

from xmux_sim.topology.model import Stack

__all__ = [
    "CONTROL_PLANE",
    "KUBE_ROUTER_IMAGE",
    "NODE_LABEL",
    "cluster_name",
    "container_names",
    "control_plane_cidr",
    "coredns_configmap",
    "corefile",
    "explicit_peering",
    "kind_config",
    "kube_router_args",
    "kube_router_manifest",
    "peer_annotations",
]

CONTROL_PLANE = "control-plane"
"""The name status and faults give the control-plane node (it is no node of the stack)."""
NODE_LABEL = "xmux-sim.io/node"
"""The Kubernetes label that carries the stack's node name."""
KUBE_ROUTER_IMAGE = "xmux-sim.local/kube-router:v2.1.0"
"""Preloaded in the node image (xmux_sim/images/kind-node/image.yaml)."""
CNI_CONF_FILE = "/etc/cni/net.d/10-kuberouter.conflist"


def cluster_name(run_id: str) -> str:
    return f"xmux-{run_id}"


def container_names(run_id: str, stack: Stack) -> dict[str, str]:
    """Node container -> stack node name, as kind names the containers (config order)."""
    cluster = cluster_name(run_id)
    names = {f"{cluster}-control-plane": CONTROL_PLANE}
    for i, node in enumerate(stack.nodes):
        names[f"{cluster}-worker{i + 1 if i else ''}"] = node.name
    return names


def control_plane_cidr(stack: Stack) -> IPv4Network:
    """The control plane's pod CIDR: the first /24 of the pod range (nodes take the next)."""
    return IPv4Network((int(stack.kubernetes.pod_cidr.network_address), 24))


def kind_config(stack: Stack, run_id: str, node_image: str) -> str:
    """kind's Cluster config: one control plane, a worker per stack node, our ranges.

    The kubeadm patches:
    - kubelet's ``failCgroupV1: false``: kubelet >= 1.35 refuses cgroup v1 hosts otherwise;
    - the controller manager allocates no pod CIDRs: the provider gives each node its
      stack-file CIDR, so node-1's pods are where the stack file says;
    - the API server answers on 127.0.0.1 only (``apiServerAddress``).
    """
    k8s = stack.kubernetes
    nodes: list[dict[str, Any]] = [
        {"role": "control-plane", "image": node_image, "labels": {NODE_LABEL: CONTROL_PLANE}}
    ]
    for node in stack.nodes:
        nodes.append({"role": "worker", "image": node_image, "labels": {NODE_LABEL: node.name}})
    patches = [
        yaml.safe_dump(
            {
                "apiVersion": "kubelet.config.k8s.io/v1beta1",
                "kind": "KubeletConfiguration",
                "failCgroupV1": False,
            },
            sort_keys=False,
        ),
        yaml.safe_dump(
            {
                "apiVersion": "kubeadm.k8s.io/v1beta4",
                "kind": "ClusterConfiguration",
                "controllerManager": {
                    # A merge patch replaces the list: kind's own argument is kept here.
                    "extraArgs": [
                        {"name": "enable-hostpath-provisioner", "value": "true"},
                        {"name": "allocate-node-cidrs", "value": "false"},
                    ]
                },
            },
            sort_keys=False,
        ),
    ]
    config = {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "name": cluster_name(run_id),
        "networking": {
            "apiServerAddress": "127.0.0.1",
            "apiServerPort": 0,
            "podSubnet": str(k8s.pod_cidr),
            "serviceSubnet": str(k8s.service_cidr),
            "disableDefaultCNI": True,
            "kubeProxyMode": "iptables",
        },
        "nodes": nodes,
        "kubeadmConfigPatches": patches,
    }
    return yaml.safe_dump(config, sort_keys=False)


KUBE_ROUTER_HOLD_S = 90.0
"""Kube-Router's default BGP hold time (and the only one its automatic node mesh uses)."""


def explicit_peering(stack: Stack) -> bool:
    """Whether nodes peer through annotations instead of kube-router's automatic mesh.

    kube-router v2.1.0 gives `--bgp-holdtime` only to peers it is told about (flags or node
    annotations); the full mesh it builds between nodes always keeps gobgp's 90 s. So a
    stack with other timers switches the mesh off and names each node's peers on its Node
    object: the same iBGP sessions between the same addresses, with the stack's hold time.
    """
    return stack.network.bgp.hold != KUBE_ROUTER_HOLD_S


def peer_annotations(stack: Stack, addresses: dict[str, str]) -> dict[str, dict[str, str]]:
    """Stack node (or control plane) -> the kube-router annotations naming its peers."""
    asn = str(stack.network.bgp.asn)
    out: dict[str, dict[str, str]] = {}
    for node in addresses:
        peers = [ip for other, ip in sorted(addresses.items()) if other != node]
        out[node] = {
            "kube-router.io/node.asn": asn,
            "kube-router.io/peer.ips": ",".join(peers),
            "kube-router.io/peer.asns": ",".join(asn for _ in peers),
        }
    return out


def kube_router_args(stack: Stack) -> list[str]:
    """kube-router as the CNI and BGP speaker only: no firewall, no service proxy (this
    kernel has no IPVS; kube-proxy does services in iptables mode), no overlay (no IPIP;
    every node is on one L2 network). The stack's AS and hold time; gobgp sends keepalives
    at a third of it. With short timers, peers come from node annotations (see
    :func:`explicit_peering`)."""
    bgp = stack.network.bgp
    return [
        "--run-router=true",
        "--run-firewall=false",
        "--run-service-proxy=false",
        "--enable-cni=true",
        "--enable-ibgp=true",
        "--enable-overlay=false",
        f"--nodes-full-mesh={'false' if explicit_peering(stack) else 'true'}",
        "--advertise-pod-cidr=true",
        "--bgp-graceful-restart=false",
        f"--cluster-asn={bgp.asn}",
        f"--bgp-holdtime={bgp.hold:g}s",
        "--routes-sync-period=5s",
        "--metrics-port=0",
        "--hostname-override=$(NODE_NAME)",
        "--v=1",
    ]


CNI_CONFLIST = {
    "cniVersion": "0.3.1",
    "name": "kube-router",
    "plugins": [
        {
            "name": "kubernetes",
            "type": "bridge",
            "bridge": "kube-bridge",
            "isDefaultGateway": True,
            "hairpinMode": True,
            "ipam": {"type": "host-local"},
        },
        {"type": "portmap", "capabilities": {"snat": True, "portMappings": True}},
    ],
}


def kube_router_manifest(stack: Stack) -> str:
    """kube-router's service account, its read access, its CNI file and its DaemonSet."""
    ns = "kube-system"
    labels = {"k8s-app": "kube-router"}
    docs: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "kube-router", "namespace": ns}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "kube-router"},
            "rules": [
                {
                    "apiGroups": [""],
                    "resources": ["namespaces", "pods", "services", "nodes", "endpoints"],
                    "verbs": ["list", "get", "watch"],
                },
                {"apiGroups": [""], "resources": ["nodes"], "verbs": ["patch"]},
                {
                    "apiGroups": ["networking.k8s.io"],
                    "resources": ["networkpolicies"],
                    "verbs": ["list", "get", "watch"],
                },
                {
                    "apiGroups": ["discovery.k8s.io"],
                    "resources": ["endpointslices"],
                    "verbs": ["list", "get", "watch"],
                },
                {
                    "apiGroups": ["coordination.k8s.io"],
                    "resources": ["leases"],
                    "verbs": ["get", "create", "update"],
                },
                {"apiGroups": [""], "resources": ["services/status"], "verbs": ["update"]},
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "kube-router"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "kube-router",
            },
            "subjects": [{"kind": "ServiceAccount", "name": "kube-router", "namespace": ns}],
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "kube-router-cni", "namespace": ns},
            "data": {"cni-conf.json": json.dumps(CNI_CONFLIST, indent=2)},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "kube-router", "namespace": ns, "labels": labels},
            "spec": {
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "serviceAccountName": "kube-router",
                        "hostNetwork": True,
                        "priorityClassName": "system-node-critical",
                        "tolerations": [{"operator": "Exists"}],
                        "initContainers": [
                            {
                                "name": "install-cni",
                                "image": KUBE_ROUTER_IMAGE,
                                "imagePullPolicy": "Never",
                                "command": [
                                    "sh",
                                    "-c",
                                    f"[ -f {CNI_CONF_FILE} ] || "
                                    f"cp /etc/kube-router/cni-conf.json {CNI_CONF_FILE}",
                                ],
                                "volumeMounts": [
                                    {"name": "cni-conf-dir", "mountPath": "/etc/cni/net.d"},
                                    {"name": "kube-router-cni", "mountPath": "/etc/kube-router"},
                                ],
                            }
                        ],
                        "containers": [
                            {
                                "name": "kube-router",
                                "image": KUBE_ROUTER_IMAGE,
                                "imagePullPolicy": "Never",
                                "command": ["kube-router", *kube_router_args(stack)],
                                "env": [
                                    {
                                        "name": "NODE_NAME",
                                        "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}},
                                    },
                                    {"name": "KUBE_ROUTER_CNI_CONF_FILE", "value": CNI_CONF_FILE},
                                ],
                                "securityContext": {"privileged": True},
                                "volumeMounts": [
                                    {"name": "lib-modules", "mountPath": "/lib/modules", "readOnly": True},
                                    {"name": "cni-conf-dir", "mountPath": "/etc/cni/net.d"},
                                    {"name": "xtables-lock", "mountPath": "/run/xtables.lock"},
                                ],
                            }
                        ],
                        "volumes": [
                            {"name": "lib-modules", "hostPath": {"path": "/lib/modules"}},
                            {"name": "cni-conf-dir", "hostPath": {"path": "/etc/cni/net.d"}},
                            {"name": "kube-router-cni", "configMap": {"name": "kube-router-cni"}},
                            {
                                "name": "xtables-lock",
                                "hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"},
                            },
                        ],
                    },
                },
            },
        },
    ]
    return yaml.safe_dump_all(docs, sort_keys=False)


def corefile() -> str:
    """CoreDNS for the cluster's own names only: no `forward` (there is no upstream DNS
    offline) and so no `loop` check either, which would stop CoreDNS on a forward loop."""
    return """.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    cache 30
    reload
    loadbalance
}
"""


def coredns_configmap() -> str:
    doc = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "coredns", "namespace": "kube-system"},
        "data": {"Corefile": corefile()},
    }
    return yaml.safe_dump(doc, sort_keys=False)
