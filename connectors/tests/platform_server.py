"""A local HTTP server standing in for Shopify's or WooCommerce's API in tests.

It records every request (method, path, headers, JSON body) and answers from a
script: for each (method, path) a list of answers used in turn, the last one
repeated; anything unscripted gets 404, as a platform answers an unknown order.
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Answer:
    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


class PlatformServer:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: dict[tuple[str, str], list[Answer]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                server.received.append(
                    Received(
                        method=self.command,
                        path=self.path,
                        headers={name.lower(): value for name, value in self.headers.items()},
                        body=json.loads(raw) if raw else None,
                    )
                )
                answers = server.script.get((self.command, self.path))
                if answers:
                    answer = answers.pop(0) if len(answers) > 1 else answers[0]
                else:
                    answer = Answer(404, {"errors": "Not Found"})
                data = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def answer(self, method: str, path: str, *answers: Answer) -> None:
        self.script[(method, path)] = list(answers)

    def requests(self) -> list[tuple[str, str]]:
        return [(request.method, request.path) for request in self.received]

    def __enter__(self) -> "PlatformServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
