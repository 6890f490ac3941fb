#!/usr/bin/env python3
"""Ryuk-compatible reaper.

Protocol (as testcontainers' Ryuk): clients connect to TCP 8080 and send lines of
filters, ``label=KEY=VALUE`` (several joined with ``&`` make one filter); each line is
answered ``ACK``. While at least one client is connected nothing happens. When the last
client has been gone for RYUK_RECONNECTION_TIMEOUT, every container, network, volume
and image matching any filter is removed, and the reaper exits.

Extension for xmux-sim: a line ``release`` forgets every filter (a stack kept on
purpose with ``up --keep``) and makes the reaper exit without removing anything.
"""

import os
import re
import socket
import sys
import threading
import time

VERSION = "xmux-sim-reaper 1.0 (Ryuk protocol)"


def seconds(text, default):
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*", text or "")
    if not m:
        return default
    value = float(m.group(1))
    return value / 1000 if m.group(2) == "ms" else value * 60 if m.group(2) == "m" else value


class Reaper:
    def __init__(self):
        self.lock = threading.Lock()
        self.filters = []
        self.clients = 0
        self.ever_connected = False
        self.last_seen = time.monotonic()
        self.released = False

    def handle(self, conn):
        with self.lock:
            self.clients += 1
            self.ever_connected = True
        buf = b""
        try:
            while True:
                data = conn.recv(4096)
                if not data:
                    break
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    text = line.decode(errors="replace").strip()
                    if not text:
                        continue
                    if text == "release":
                        with self.lock:
                            self.filters.clear()
                            self.released = True
                    else:
                        parsed = parse_filter(text)
                        with self.lock:
                            if parsed not in self.filters:
                                self.filters.append(parsed)
                    conn.sendall(b"ACK\n")
        except OSError:
            pass
        finally:
            conn.close()
            with self.lock:
                self.clients -= 1
                self.last_seen = time.monotonic()


def parse_filter(text):
    labels = []
    for part in text.split("&"):
        key, _, value = part.partition("=")
        if key == "label":
            labels.append(value)
    return tuple(labels)


def prune(filters):
    import docker
    import docker.errors

    client = docker.from_env(timeout=60)
    me = socket.gethostname()
    removed = {"containers": 0, "networks": 0, "volumes": 0}
    for labels in filters:
        flt = {"label": list(labels)}
        for c in client.containers.list(all=True, filters=flt):
            if c.id.startswith(me):
                continue
            try:
                c.remove(force=True, v=True)
                removed["containers"] += 1
            except docker.errors.APIError as exc:
                print(f"container {c.name}: {exc}", flush=True)
    # Networks and volumes can only go once their containers are gone; retry a little
    # because container removal finishes asynchronously in the engine.
    for _ in range(10):
        left = 0
        for labels in filters:
            flt = {"label": list(labels)}
            for n in client.networks.list(filters=flt):
                try:
                    n.remove()
                    removed["networks"] += 1
                except docker.errors.APIError:
                    left += 1
            for v in client.volumes.list(filters=flt):
                try:
                    v.remove(force=True)
                    removed["volumes"] += 1
                except docker.errors.APIError:
                    left += 1
        if not left:
            break
        time.sleep(1)
    print(f"removed {removed}", flush=True)


def main():
    if "--version" in sys.argv:
        print(VERSION)
        return
    reconnect = seconds(os.environ.get("RYUK_RECONNECTION_TIMEOUT"), 10.0)
    first_wait = seconds(os.environ.get("RYUK_CONNECTION_TIMEOUT"), 60.0)
    reaper = Reaper()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", int(os.environ.get("RYUK_PORT", "8080"))))
    server.listen(16)

    def accept_loop():
        while True:
            conn, _ = server.accept()
            threading.Thread(target=reaper.handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    print("Started!", flush=True)
    started = time.monotonic()
    while True:
        time.sleep(0.2)
        with reaper.lock:
            if reaper.released and reaper.clients == 0:
                print("released: nothing to remove", flush=True)
                return
            if reaper.clients:
                continue
            idle = time.monotonic() - (reaper.last_seen if reaper.ever_connected else started)
            limit = reconnect if reaper.ever_connected else first_wait
            if idle < limit:
                continue
            filters = list(reaper.filters)
        print(f"no client for {limit:g}s; removing {filters}", flush=True)
        prune(filters)
        return


if __name__ == "__main__":
    main()
