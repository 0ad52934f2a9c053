"""Order bodies in the platforms' documented shapes, for the readers' and end-to-end tests.

`payload_load("shopify_order_paid")` returns a fresh dict each call, so a test may change it.
Amounts are strings, as the platforms send them.
"""

import json
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).resolve().parent


def payload_load(name: str) -> dict[str, Any]:
    """The stored body `<name>.json` as a new dict."""
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


def payload_bytes(name: str) -> bytes:
    """The stored body exactly as it is on disk: sign these bytes as the platform would."""
    return (PAYLOADS / f"{name}.json").read_bytes()
