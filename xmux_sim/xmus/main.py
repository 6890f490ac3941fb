"""Entry point of a service process: ``python3 xmus.pyz SERVICE`` (or ``-m xmux_sim.xmus.main``)."""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
import sys
from types import ModuleType

import grpc.aio
from aiohttp import web

from xmux_sim.xmus import metrics
from xmux_sim.xmus.app import AuthClient, Context, Health
from xmux_sim.xmus.backends import Backends
from xmux_sim.xmus.protos import health_pb2_grpc
from xmux_sim.xmus.settings import Settings

SERVICES = ("auth", "user", "aaos", "forum", "notifier", "lost_found", "oss", "v2", "xia")
# Who asks AuthInternal: everyone but auth itself and the notifier (which serves no caller).
AUTHENTICATED = frozenset(SERVICES) - {"auth", "notifier"}
log = logging.getLogger("xmus")


async def serve(settings: Settings, module: ModuleType) -> None:
    ctx = Context(settings=settings, backends=Backends(settings))
    if settings.service in AUTHENTICATED:
        if not settings.auth_target:
            raise SystemExit(f"{settings.service} asks the auth service, but XMUS_AUTH_TARGET is empty")
        ctx.auth = AuthClient(settings.auth_target)
    server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
    health_pb2_grpc.add_HealthServicer_to_server(Health(ctx), server)
    module.register(server, ctx)
    server.add_insecure_port(f"0.0.0.0:{settings.grpc_port}")
    await server.start()

    async def metrics_page(request: web.Request) -> web.Response:
        return web.Response(
            text=metrics.render(settings.service, settings.pod, ctx.ready), content_type="text/plain"
        )

    runners = []
    pages = web.Application()
    pages.add_routes([web.get("/metrics", metrics_page)])
    runners.append((web.AppRunner(pages, access_log=None), settings.metrics_port))
    if hasattr(module, "routes"):
        api = web.Application(client_max_size=2**20)
        api.add_routes(module.routes(ctx))
        runners.append((web.AppRunner(api, access_log=None), settings.http_port))
    for runner, port in runners:
        await runner.setup()
        await web.TCPSite(runner, "0.0.0.0", port).start()

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    started = loop.time()
    while not stop.is_set():
        try:
            await module.init(ctx)
            break
        except Exception as exc:  # schema or seed not loaded yet: keep NOT_SERVING and retry
            log.warning("%s: not ready yet: %r", settings.service, exc)
            await asyncio.sleep(1.0)
    ctx.ready = True
    log.info("%s (%s) serving after %.1fs", settings.service, settings.pod, loop.time() - started)
    await stop.wait()
    ctx.ready = False
    await server.stop(grace=2)
    for runner, _ in runners:
        await runner.cleanup()
    await ctx.backends.close()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] not in SERVICES:
        print(f"usage: xmus SERVICE   (one of: {', '.join(SERVICES)})", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    service = args[0]
    module = importlib.import_module(f"xmux_sim.xmus.{service}")
    asyncio.run(serve(Settings.from_env(service), module))
    return 0


if __name__ == "__main__":
    sys.exit(main())
