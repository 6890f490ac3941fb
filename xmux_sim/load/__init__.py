"""Load tests through nginx with locust: the XMUX app's request mix, summaries, comparisons, ceiling.

Modules that import locust (``grpc_user``, ``users``, ``shape``, ``hooks``) are loaded only inside
locust processes, by ``loadtests/locustfile.py``: importing locust monkey-patches the
standard library for gevent, which the CLI and the tests must not get.
"""
