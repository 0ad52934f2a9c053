"""A serving process freezes what the app loaded before its first request."""

import subprocess
import sys

from .processes import PROJECT_DIR, child_environment

CHECK = """
import gc, sys
import orders_project.wsgi
print(gc.get_freeze_count(), "api.views" in sys.modules, "tracking.views" in sys.modules)
"""


def test_the_wsgi_entry_point_loads_the_views_and_freezes_what_it_loaded():
    result = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=PROJECT_DIR,
        env=child_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    frozen, api_views_loaded, tracking_views_loaded = result.stdout.split()
    # Django, the views and their libraries: far more than any request makes.
    assert int(frozen) > 50_000
    assert api_views_loaded == tracking_views_loaded == "True"
