"""Printable warehouse pages (staff only)."""

app_name = "fulfillment"

urlpatterns: list = []
