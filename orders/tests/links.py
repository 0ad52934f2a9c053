"""Reading tracking links in tests.

A link is signed with the second it was made in, so a test compares the order a
link opens (and that it is fresh), never the link text against one made later.
"""

from orders.links import FRESH_LINK_SECONDS, tracking_token_read


def order_number_of_link(link: str) -> str | None:
    """The order number a fresh /track/<token>/ link opens, or None."""
    path = link.split("://", 1)[-1]
    assert "/track/" in path, link
    token = path.rstrip("/").rsplit("/", 1)[1]
    return tracking_token_read(token, max_age_seconds=FRESH_LINK_SECONDS)
