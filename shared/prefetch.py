"""Rows already in memory, handed to a model instance as if prefetched."""

from django.db import models


def rows_known(instance: models.Model, **rows: list[models.Model]) -> models.Model:
    """Give `instance` the rows of its related managers named in `rows`; return it.

    Filled in as Django's prefetch_related fills them, so reading
    `instance.<name>.all()` costs no query. Only for rows known to be all there
    are (a just-created object's, one that nothing else has touched since).
    """
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, related in rows.items():
        queryset = getattr(instance, name).get_queryset()
        queryset._result_cache = list(related)
        queryset._prefetch_done = True
        cache[name] = queryset
    return instance
