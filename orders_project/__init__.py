# Import the Celery app so that shared tasks bind to it when Django starts.
from .celery import app as celery_app

__all__ = ("celery_app",)
