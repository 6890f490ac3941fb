"""Stand-in XMUS services: the gRPC API v4 and the old REST API v2 of the XMUX client.

Everything under this package runs inside the ``xmus`` image as well as on the host
(protos, errors, seed data), so it imports nothing from the rest of xmux_sim.
"""
