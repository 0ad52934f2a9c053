"""Pointing this test process's Celery producer at another broker, and back."""

from kombu import pools as kombu_pools

from orders_project.celery import app


def producer_use(broker_url: str) -> None:
    """Point the Celery producer at `broker_url`, dropping every pooled connection.

    Closing only the app's pool would leave it, closed, in kombu's global pool
    groups, which hand it back when the same URL is used again ("Acquire on
    closed pool") and break later tests that send tasks.
    """
    app.conf.broker_url = broker_url
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
