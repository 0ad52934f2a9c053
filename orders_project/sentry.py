"""Error reporting to Sentry, started from settings only when SENTRY_DSN is set."""

from typing import Any

from shared.logs import request_id_var


def _request_id_tag(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    # Read when an event is sent, not set on every request: costs nothing until an error.
    request_id = request_id_var.get()
    if request_id is not None:
        tags = event.get("tags")
        if not isinstance(tags, dict):
            tags = event["tags"] = dict(tags or ())
        tags.setdefault("request_id", request_id)
    return event


def sentry_init(
    *, dsn: str, environment: str, release: str | None, traces_sample_rate: float
) -> None:
    """Start the Sentry SDK for Django and Celery, tagging each event with the request id.

    Unhandled errors reach Sentry two ways: Django's own 500s through the Django
    integration; those that api.errors answers with a JSON 500 through the
    ERROR line it logs (the logging integration sends every ERROR with its traceback).
    """
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # Customers' names, addresses and e-mails must not leave for a third party: no
        # user details, cookies or client addresses, no request bodies (order payloads),
        # and no local variables of the failing frames (they hold the same data).
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=_request_id_tag,
        before_send_transaction=_request_id_tag,
    )
