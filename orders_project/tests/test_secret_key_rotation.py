"""SECRET_KEY can be rotated: the old key in SECRET_KEY_FALLBACKS keeps old links valid."""

import json
import os
import subprocess
import sys
from types import SimpleNamespace

from django.conf import settings as django_settings

from orders.links import tracking_token_make, tracking_token_read

OLD_KEY = "old-secret-key-" + "o" * 40
NEW_KEY = "new-secret-key-" + "n" * 40


def test_a_tracking_link_signed_with_the_old_key_works_while_it_is_a_fallback(settings):
    settings.SECRET_KEY = OLD_KEY
    token = tracking_token_make(SimpleNamespace(number="ORD-1"))

    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY]
    assert tracking_token_read(token) == "ORD-1"

    settings.SECRET_KEY_FALLBACKS = []  # the fallback dropped once old links may die
    assert tracking_token_read(token) is None


def test_secret_key_fallbacks_are_read_from_the_environment():
    env = {key: value for key, value in os.environ.items() if key != "SECRET_KEY_FALLBACKS"}
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.SECRET_KEY_FALLBACKS))"
    )
    seen = []
    for fallbacks in (None, f"{OLD_KEY},second-old-key"):
        run_env = {**env, "DJANGO_SETTINGS_MODULE": "orders_project.settings"}
        if fallbacks is not None:
            run_env["SECRET_KEY_FALLBACKS"] = fallbacks
        result = subprocess.run(
            [sys.executable, "-c", script],
            env=run_env,
            cwd=django_settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        seen.append(json.loads(result.stdout.strip().splitlines()[-1]))

    assert seen == [[], [OLD_KEY, "second-old-key"]]
