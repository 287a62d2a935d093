"""A small in-process HTTP server that behaves like the InfluxDB 1.x API our init Job calls."""
import json
import threading
import urllib.parse
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeInflux:
    def __init__(self, databases=("_internal",)):
        self.databases = list(databases)
        self.creates = 0

    def handle(self, method, path, query, body, headers):
        if path == "/ping":
            return 204, b""
        if path == "/query" and method == "GET" and query.get("q") == ["SHOW DATABASES"]:
            values = [[d] for d in self.databases]
            return 200, json.dumps({"results": [{"statement_id": 0, "series": [{"name": "databases", "columns": ["name"], "values": values}]}]}, separators=(",", ":")).encode()
        if path == "/query" and method == "POST":
            statement = urllib.parse.parse_qs(body.decode())["q"][0]
            assert statement.startswith("CREATE DATABASE "), statement
            self.creates += 1
            name = statement.split(" ", 2)[2].strip('"')
            if name not in self.databases:
                self.databases.append(name)
            return 200, b'{"results":[{"statement_id":0}]}'
        return 404, b"not found"


@contextmanager
def serve(fake):
    class Handler(BaseHTTPRequestHandler):
        def _respond(self, method):
            url = urllib.parse.urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, payload = fake.handle(method, url.path, urllib.parse.parse_qs(url.query), body, self.headers)
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            self._respond("GET")

        def do_POST(self):
            self._respond("POST")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
