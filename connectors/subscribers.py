"""What the connectors do when an order changes: one readable place (DESIGN.md, "event seam")."""


def order_events_subscribe() -> None:
    """Subscribe the connectors' handlers to the order's domain events."""
