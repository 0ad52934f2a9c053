"""What a serving process does once the app is loaded, before its first request."""

import gc

from django.urls import get_resolver


def loaded_objects_freeze() -> None:
    """Load every view module now and keep what the app loaded out of the collector's way.

    Python's full collections walk every object the process holds. A worker
    holds some hundred thousand of them from start-up (Django, the views, the
    libraries they import) that never become garbage, and each full collection
    of them paused a request for 100 ms or more, once every ten requests or so
    (benchmarks/: the tracking page's p95). Frozen, they are never walked again;
    the collector still collects everything made afterwards.
    """
    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and every view it names
    gc.collect()
    gc.freeze()
