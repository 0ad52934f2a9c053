"""The one domain error type; its `code` is what the API and pages report."""

from typing import Any

# Everything under this path answers in the API's JSON error shape (DESIGN.md).
API_PREFIX = "/api/"


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict:
    """The API's one error shape: {"error": {"code", "message", "details"}}."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


class OrderError(Exception):
    """A business rule refused a change. Nothing was written."""

    code = "order_error"
    http_status = 400

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class OrderValidationError(OrderError):
    code = "validation_error"
    http_status = 400


class TransitionPermissionDenied(OrderError):
    code = "permission_denied"
    http_status = 403


class InvalidTransition(OrderError):
    """The transition is not allowed from the order's state, or its conditions fail."""

    code = "invalid_transition"
    http_status = 409


class OrderConflict(OrderError):
    """Somebody else changed the order at the same moment."""

    code = "conflict"
    http_status = 409


class IdempotencyConflict(OrderError):
    """An Idempotency-Key was reused with a different request body."""

    code = "idempotency_conflict"
    http_status = 422


class StaleOrderVersion(OrderError):
    """The caller acted on an older version of the order than the current one."""

    code = "precondition_failed"
    http_status = 412
