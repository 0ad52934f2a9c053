"""The Redis database that tests may flush, named by the environment.

Other checkouts may run their tests on this machine's Redis at the same time,
so no test picks a database number of its own: `TEST_REDIS_URL` names the
scratch database, and by default it is the one after `REDIS_URL`'s
(redis://127.0.0.1:6379/1 when REDIS_URL is unset). Tests run one after another
within a run; each one flushes it before and after use.
"""

import os
from urllib.parse import urlsplit

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DATABASES = 16  # Redis's default `databases`


def scratch_redis_url() -> str:
    """The URL of the Redis database this test run may flush."""
    explicit = os.environ.get("TEST_REDIS_URL")
    if explicit:
        return explicit
    base = urlsplit(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
    database = int(base.path.strip("/") or 0)
    return base._replace(path=f"/{(database + 1) % DATABASES}").geturl()
