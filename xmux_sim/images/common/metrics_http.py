"""Serve a Prometheus text page on /metrics: shared by the small exporters in our images."""

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(render, port):
    """Answer GET /metrics with render() (Prometheus text format 0.0.4), forever."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404)
                return
            body = render().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
