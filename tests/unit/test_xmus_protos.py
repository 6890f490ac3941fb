"""The checked-in generated code matches the protos and imports only from our package.

Which services, methods and fields the protos have is test_xmus_interface's business.
"""

from __future__ import annotations

import re

from xmux_sim.xmus import protogen


def test_generated_code_matches_the_protos() -> None:
    fresh, checked_in = protogen.fresh(), protogen.checked_in()
    assert sorted(fresh) == sorted(checked_in)
    stale = [name for name in fresh if fresh[name] != checked_in[name]]
    assert not stale, f"regenerate with `python -m xmux_sim.xmus.protogen`: {stale}"


def test_generated_imports_stay_inside_the_package() -> None:
    # A top-level `xmux` package or a bare `import forum_common_pb2` would only import with
    # protos/ on sys.path: not in a pod's zip application, nor beside the real protos.
    for name, text in protogen.checked_in().items():
        assert not re.search(r"^from xmux\.", text, re.M), name
        assert not re.search(r"^import \w+_pb2", text, re.M), name


def test_descriptors_carry_the_real_file_names() -> None:
    from xmux_sim.xmus.protos import forum_service_pb2
    from xmux_sim.xmus.protos.xmux.core.user.v4 import user_pb2

    assert user_pb2.DESCRIPTOR.name == "xmux/core/user/v4/user.proto"
    assert forum_service_pb2.DESCRIPTOR.name == "forum_service.proto"


def test_rewriting_imports() -> None:
    assert protogen.absolute_imports("from xmux.core.user.v4 import user_pb2 as u\n") == (
        "from xmux_sim.xmus.protos.xmux.core.user.v4 import user_pb2 as u\n"
    )
    assert protogen.absolute_imports("import forum_common_pb2 as f\nfrom google.protobuf import x\n") == (
        "from xmux_sim.xmus.protos import forum_common_pb2 as f\nfrom google.protobuf import x\n"
    )
