from xmux_sim.xmus.protos import forum_forum_pb2 as _forum_forum_pb2
from xmux_sim.xmus.protos import forum_notif_pb2 as _forum_notif_pb2
from xmux_sim.xmus.protos import forum_post_pb2 as _forum_post_pb2
from xmux_sim.xmus.protos import forum_report_pb2 as _forum_report_pb2
from xmux_sim.xmus.protos import forum_saved_pb2 as _forum_saved_pb2
from xmux_sim.xmus.protos import forum_thread_pb2 as _forum_thread_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor
