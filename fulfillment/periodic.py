"""Scheduled fulfillment work (Celery beat); each task only calls a service."""

from celery import shared_task

from .services import after_sales


@shared_task(name="fulfillment.orders_complete_after_return_window", ignore_result=True)
def orders_complete_after_return_window() -> int:
    """Complete delivered orders whose return window is over; return how many."""
    return after_sales.orders_complete_after_return_window()
