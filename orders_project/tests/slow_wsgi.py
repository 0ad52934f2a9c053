"""Test-only WSGI entry: the project's Django app with a slow path in front of it.

`GET /__slow__` prints a line to stderr when it starts, sleeps SLOW_SECONDS (2 by default)
and answers 200; every other path goes to Django. The graceful-shutdown test serves this
with the project's gunicorn.conf.py and sends SIGTERM while the slow request is in flight.
"""

import os
import sys
import time

from orders_project.wsgi import application as django_application

SLOW_PATH = "/__slow__"


def application(environ, start_response):
    if environ.get("PATH_INFO") != SLOW_PATH:
        return django_application(environ, start_response)
    print(f"slow request started in pid {os.getpid()}", file=sys.stderr, flush=True)
    time.sleep(float(os.environ.get("SLOW_SECONDS", "2")))
    body = b"slow request finished\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
