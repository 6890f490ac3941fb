"""Our protos against the facts of the real XMUX wire interface (docs/xmux-interface.md).

Every real service, method, message field (number, type, label, name, oneof) and enum value
must be what the facts say, and the real packages hold nothing else. The comparison is
shown to catch a single mismatch of each kind on altered facts.
"""

from __future__ import annotations

import copy
import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from google.protobuf import descriptor, descriptor_pool

from xmux_sim.xmus import protos

REPO = Path(__file__).parents[2]
FACTS = REPO / "docs" / "xmux-interface.md"
# The shared original, when this checkout sits beside it (the lead's machine); CI has the copy only.
ORIGINALS = (Path("/work/shared/xmux-interface.md"), REPO.parent / "shared" / "xmux-interface.md")


@dataclass
class Method:
    request: str
    response: str
    streaming: str  # "-" or "server"


@dataclass
class Service:
    file: str
    methods: dict[str, Method] = field(default_factory=dict)


@dataclass
class Facts:
    services: dict[str, Service] = field(default_factory=dict)
    # message -> field number -> (label, type, name, oneof)
    messages: dict[str, dict[int, tuple[str, str, str, str]]] = field(default_factory=dict)
    # enum -> (file or "", {name: number})
    enums: dict[str, tuple[str, dict[str, int]]] = field(default_factory=dict)


def _cells(line: str) -> list[str]:
    return [c.strip().strip("`") for c in line.strip().strip("|").split("|")]


def _values(text: str) -> dict[str, int]:
    return {name.strip(): int(number) for name, number in (v.split("=") for v in text.split(","))}


def parse(text: str) -> Facts:
    facts = Facts()
    service: Service | None = None
    message: str | None = None
    for line in text.splitlines():
        if m := re.match(r"## service `([\w.]+)` \(file `([\w/.]+)`\)", line):
            service, message = Service(file=m.group(2)), None
            facts.services[m.group(1)] = service
        elif m := re.match(r"### `([\w.]+)`", line):
            service, message = None, m.group(1)
            facts.messages[message] = {}
        elif m := re.match(r"enum `([\w.]+)`: (.+)$", line):
            facts.enums[m.group(1)] = ("", _values(m.group(2)))
        elif m := re.match(r"- `([\w.]+)` \(([\w/.]+)\): (.+)$", line):
            facts.enums[m.group(1)] = (m.group(2), _values(m.group(3)))
        elif line.startswith("## "):
            service = message = None
        elif line.startswith("|") and not re.match(r"\|\s*(method|#|---)", line):
            cells = _cells(line)
            if service is not None:
                name, request, response, streaming = cells
                service.methods[name] = Method(request, response, streaming)
            elif message is not None:
                number, label, type_, name, oneof = cells
                facts.messages[message][int(number)] = (label, type_, name, oneof)
    return facts


# ----- our descriptors ---------------------------------------------------------------------

_SCALARS = {
    getattr(descriptor.FieldDescriptor, f"TYPE_{t.upper()}"): t
    for t in (
        "double", "float", "int64", "uint64", "int32", "fixed64", "fixed32", "bool", "string",
        "bytes", "uint32", "sfixed32", "sfixed64", "sint32", "sint64",
    )
}  # fmt: skip


def _type(f: descriptor.FieldDescriptor) -> str:
    if f.message_type is not None and f.message_type.GetOptions().map_entry:
        key, value = f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]
        return f"map<{_type(key)}, {_type(value)}>"
    if f.message_type is not None:
        return str(f.message_type.full_name)
    if f.enum_type is not None:
        return str(f.enum_type.full_name)
    return _SCALARS[f.type]


def _label(f: descriptor.FieldDescriptor) -> str:
    is_map = f.message_type is not None and f.message_type.GetOptions().map_entry
    return "repeated" if f.is_repeated and not is_map else ""


def load_pool() -> descriptor_pool.DescriptorPool:
    """Import every generated module under xmux_sim.xmus.protos (registering its descriptors)."""
    for info in pkgutil.walk_packages(protos.__path__, f"{protos.__name__}."):
        if info.name.endswith("_pb2"):
            importlib.import_module(info.name)
    return descriptor_pool.Default()


def _ours(pool: descriptor_pool.DescriptorPool, packages: set[str]) -> tuple[set[str], set[str]]:
    """Every message and enum (nested too, map entries aside) that our protos define in ``packages``."""
    messages: set[str] = set()
    enums: set[str] = set()

    def visit(m: descriptor.Descriptor) -> None:
        if m.GetOptions().map_entry:
            return
        messages.add(m.full_name)
        enums.update(e.full_name for e in m.enum_types)
        for nested in m.nested_types:
            visit(nested)

    for info in pkgutil.walk_packages(protos.__path__, f"{protos.__name__}."):
        if not info.name.endswith("_pb2"):
            continue
        file = importlib.import_module(info.name).DESCRIPTOR
        if file.package not in packages:
            continue
        for m in file.message_types_by_name.values():
            visit(m)
        enums.update(e.full_name for e in file.enum_types_by_name.values())
    return messages, enums


def mismatches(facts: Facts, pool: descriptor_pool.DescriptorPool) -> list[str]:
    out: list[str] = []
    for name, svc in facts.services.items():
        try:
            ours = pool.FindServiceByName(name)
        except KeyError:
            out.append(f"service {name}: missing")
            continue
        if ours.file.name != svc.file:
            out.append(f"service {name}: in file {ours.file.name}, the real one in {svc.file}")
        got = {
            m.name: Method(
                m.input_type.full_name, m.output_type.full_name, "server" if m.server_streaming else "-"
            )
            for m in ours.methods
        }
        if m_client := [m.name for m in ours.methods if m.client_streaming]:
            out.append(f"service {name}: client streaming {m_client}")
        for method in sorted(set(got) | set(svc.methods)):
            if got.get(method) != svc.methods.get(method):
                out.append(f"{name}/{method}: ours {got.get(method)}, real {svc.methods.get(method)}")
    for name, fields in facts.messages.items():
        try:
            msg = pool.FindMessageTypeByName(name)
        except KeyError:
            out.append(f"message {name}: missing")
            continue
        have = {
            f.number: (_label(f), _type(f), f.name, f.containing_oneof.name if f.containing_oneof else "")
            for f in msg.fields
        }
        for number in sorted(set(have) | set(fields)):
            if have.get(number) != fields.get(number):
                out.append(f"{name} #{number}: ours {have.get(number)}, real {fields.get(number)}")
    for name, (file, values) in facts.enums.items():
        try:
            enum = pool.FindEnumTypeByName(name)
        except KeyError:
            out.append(f"enum {name}: missing")
            continue
        got_values = {v.name: v.number for v in enum.values}
        if got_values != values:
            out.append(f"enum {name}: ours {got_values}, real {values}")
        if file and enum.file.name != file:
            out.append(f"enum {name}: in file {enum.file.name}, the real one in {file}")
    packages = {n.rpartition(".")[0] for n in facts.services}
    messages, enums = _ours(pool, packages)
    out += [f"message {m}: not in the real interface" for m in sorted(messages - set(facts.messages))]
    out += [f"enum {e}: not in the real interface" for e in sorted(enums - set(facts.enums))]
    return out


# ----- tests -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def facts() -> Facts:
    return parse(FACTS.read_text())


def test_the_facts_copy_is_the_shared_original() -> None:
    for original in ORIGINALS:
        if original.is_file():
            assert FACTS.read_text() == original.read_text(), (
                f"docs/xmux-interface.md differs from {original}"
            )


def test_the_facts_parse_completely(facts: Facts) -> None:
    assert len(facts.services) == 9
    assert len(facts.services["xmux.forum.v4.Forum"].methods) == 26
    assert facts.messages["xmux.core.aaos.v4.Timetable.Class"][5] == (
        "", "google.protobuf.Timestamp", "begin", "",
    )  # fmt: skip
    assert facts.enums["xmux.core.user.v4.RefreshDeviceReq.PushChannelType"] == ("", {"fcm": 0})
    assert facts.enums["xmux.forum.v4.Ordering"][0] == "forum_common.proto"
    # Every message a method names is described.
    named = {t for s in facts.services.values() for m in s.methods.values() for t in (m.request, m.response)}
    assert named - set(facts.messages) == {"google.protobuf.Empty"}


def test_our_protos_are_the_real_interface(facts: Facts) -> None:
    assert mismatches(facts, load_pool()) == []


def _mutations() -> list[tuple[str, str]]:
    return [
        ("field number", "xmux.core.user.v4.LoginResp"),
        ("field type", "xmux.forum.v4.Thread"),
        ("field label", "xmux.lost_found.v4.LostAndFoundDetail"),
        ("oneof", "xmux.core.auth.v4.AuthUserReq"),
        ("enum value", "xmux.lost_found.v4.LostAndFoundType"),
        ("streaming", "xmux.xia.v4.Xia"),
        ("method", "xmux.core.aaos.v4.AAOS"),
        ("file", "xmux.core.oss.v4.OSSInternal"),
        ("extra message", "xmux.core.aaos.v4.Info"),
    ]


@pytest.mark.parametrize(("kind", "target"), _mutations())
def test_a_single_mismatch_is_caught(facts: Facts, kind: str, target: str) -> None:
    altered = copy.deepcopy(facts)
    if kind == "field number":
        altered.messages[target] = {2: altered.messages[target][1]}
    elif kind == "field type":
        label, _, name, oneof = altered.messages[target][5]
        altered.messages[target][5] = (label, "int64", name, oneof)
    elif kind == "field label":
        _, type_, name, oneof = altered.messages[target][8]
        altered.messages[target][8] = ("", type_, name, oneof)
    elif kind == "oneof":
        label, type_, name, _ = altered.messages[target][2]
        altered.messages[target][2] = (label, type_, name, "")
    elif kind == "enum value":
        altered.enums[target] = (altered.enums[target][0], {"Lost": 1, "Found": 2})
    elif kind == "streaming":
        altered.services[target].methods["ChatStream"].streaming = "-"
    elif kind == "method":
        del altered.services[target].methods["GetInfo"]
    elif kind == "file":
        altered.services[target].file = "xmux/core/oss/v4/oss.proto"
    elif kind == "extra message":
        del altered.messages[target]
    found = mismatches(altered, load_pool())
    assert found, f"a changed {kind} went unnoticed"
    assert all(target in line for line in found), found
