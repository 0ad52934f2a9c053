"""Requests staff move by hand: one description per kind, one way to show and move them.

After-sales requests (returns, exchanges, complaints, warranty claims) and
supplier requests (goods an order waits for) keep their own rules: the FSM
graph on the model, the permissions and conditions their services check, the
side effects of each step. What staff do with either is the same: list what is
still open, look at one request, press one of the buttons its status allows.
A `RequestWorkflow` says, for one kind, everything those shared lists, pages and
panels need, so the admin's panel and the staff dashboard show the same buttons
and call the same service without naming the kinds.

Both kinds keep their FSM state in a field called `status` and their goods in
`lines`. What is decided here only chooses which buttons to draw and which
service a button calls; the services check everything again under their locks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from orders.locking import user_may_work_order
from orders.models import Storefront
from shared.actors import Actor

from .models import (
    AfterSalesKind,
    AfterSalesRequest,
    AfterSalesResolution,
    Supplier,
    SupplierRequest,
)
from .services.after_sales import (
    HANDLE_PERMISSION,
    SETTLED_STATUSES,
    after_sales_request_advance,
    after_sales_request_resolve,
)
from .services.refund_proposals import refund_proposal_create, refund_proposal_waiting
from .services.suppliers import SUPPLIER_REQUEST_CLOSED_STATUSES, supplier_request_advance

# -- what a button is -----------------------------------------------------------------


@dataclass(frozen=True)
class RequestActionField:
    """One input of a request action's form."""

    name: str
    label: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    # "text" (max_length characters), "choice" (one of `choices`) or "amount" (a decimal).
    kind: str = "text"
    max_length: int = 500


@dataclass(frozen=True)
class RequestAction:
    """A button on a request: the FSM method it runs and the permission it needs.

    Its form's fields are named as the service takes them. An action with a
    service of its own (resolving a return, which pays or ships something)
    names it; the others go through their kind's `advance` service.
    """

    name: str
    label: str
    permission: str
    fields: tuple[RequestActionField, ...] = ()
    service: Callable[..., Any] | None = None
    # The FSM method whose source statuses offer the button (default: `name`),
    # for an action that is a step towards a transition rather than one.
    fsm_method: str = ""
    # A further condition on the request's own rows (no refund proposal waiting...).
    available: Callable[[Any], bool] | None = None

    def offered_for(self, request: Model) -> bool:
        """Whether the request's status and rows allow this action now."""
        return can_proceed(getattr(request, self.fsm_method or self.name)) and (
            self.available is None or self.available(request)
        )


@dataclass(frozen=True)
class RequestListFilter:
    """A filter of a request list besides its status: one value staff narrow the list by.

    The chosen value (one of `choices`, or a row of `options`) is given to
    `lookup`, by default the request's field called `name`.
    """

    name: str
    label: str
    any_label: str
    choices: tuple[tuple[str, str], ...] = ()
    # A filter by a related row: the rows to choose from, queried when a form is made.
    options: Callable[[], QuerySet] | None = None
    lookup: str = ""

    @property
    def field_lookup(self) -> str:
        return self.lookup or self.name


@dataclass(frozen=True)
class RequestWorkflow:
    """Everything a list, a page or a panel needs to know about one kind of request."""

    # Also the key of the order's history rows (`OrderEvent.data`) about one request.
    kind: str
    model: type[Model]
    # The kind's service moving a request by the name of its transition:
    # advance(request=, transition=, actor=, expected_updated_at=, **the action's fields).
    advance: Callable[..., Any]
    actions: tuple[RequestAction, ...]
    # Statuses nothing more happens in; every other one still needs someone's work.
    closed_statuses: tuple[str, ...]
    # The list's default status filter (the open statuses), as staff call it.
    open_label: str
    list_filters: tuple[RequestListFilter, ...]
    # Staff in teams work their own teams' orders only, as the kind's service enforces.
    team_rule: bool

    @property
    def statuses(self) -> list[tuple[str, str]]:
        """Every status, with its label, in the order the model declares them."""
        return list(self.model._meta.get_field("status").choices)

    @property
    def open_statuses(self) -> tuple[str, ...]:
        return tuple(value for value, _label in self.statuses if value not in self.closed_statuses)

    @property
    def view_permission(self) -> str:
        opts = self.model._meta
        return f"{opts.app_label}.view_{opts.model_name}"

    def action(self, name: str) -> RequestAction | None:
        """Return the action called `name`, or None."""
        return next((action for action in self.actions if action.name == name), None)


# -- the kinds ------------------------------------------------------------------------


def _storefronts() -> QuerySet:
    return Storefront.objects.order_by("name")


def _suppliers() -> QuerySet:
    return Supplier.objects.order_by("name")


STOREFRONT_FILTER = RequestListFilter(
    "storefront",
    _("Storefront"),
    _("All storefronts"),
    options=_storefronts,
    lookup="order__storefront",
)


_NOTE = RequestActionField(name="note", label=_("Note"), max_length=1000)

AFTER_SALES = RequestWorkflow(
    kind="after_sales_request",
    model=AfterSalesRequest,
    advance=after_sales_request_advance,
    actions=(
        RequestAction("approve", _("Approve"), HANDLE_PERMISSION, (_NOTE,)),
        RequestAction("reject", _("Reject"), HANDLE_PERMISSION, (_NOTE,)),
        RequestAction(
            "receive_item", _("Goods received (or checked)"), HANDLE_PERMISSION, (_NOTE,)
        ),
        RequestAction(
            "propose_refund",
            _("Propose a refund (finance approves it)"),
            HANDLE_PERMISSION,
            (
                RequestActionField(
                    name="amount", label=_("Refund amount"), required=True, kind="amount"
                ),
                _NOTE,
            ),
            service=refund_proposal_create,
            fsm_method="resolve",
            available=lambda request: not refund_proposal_waiting(request),
        ),
        RequestAction(
            "resolve",
            _("Resolve"),
            HANDLE_PERMISSION,
            (
                RequestActionField(
                    name="resolution",
                    label=_("Resolution"),
                    required=True,
                    choices=tuple(AfterSalesResolution.choices),
                    kind="choice",
                ),
                RequestActionField(
                    name="amount", label=_("Amount (refund or credit)"), kind="amount"
                ),
            ),
            service=after_sales_request_resolve,
            available=lambda request: not refund_proposal_waiting(request),
        ),
    ),
    closed_statuses=SETTLED_STATUSES,
    open_label=_("Not settled yet"),
    list_filters=(
        RequestListFilter("kind", _("Kind"), _("Any kind"), choices=tuple(AfterSalesKind.choices)),
        STOREFRONT_FILTER,
    ),
    team_rule=True,
)


SUPPLIER_REQUEST_CHANGE_PERMISSION = "fulfillment.change_supplierrequest"

SUPPLIER_REQUESTS = RequestWorkflow(
    kind="supplier_request",
    model=SupplierRequest,
    advance=supplier_request_advance,
    actions=(
        RequestAction("confirm", _("Supplier confirmed"), SUPPLIER_REQUEST_CHANGE_PERMISSION),
        RequestAction("ship", _("Supplier shipped"), SUPPLIER_REQUEST_CHANGE_PERMISSION),
        RequestAction("receive", _("Goods received"), SUPPLIER_REQUEST_CHANGE_PERMISSION),
        RequestAction(
            "fail",
            _("Supplier cannot deliver"),
            SUPPLIER_REQUEST_CHANGE_PERMISSION,
            (RequestActionField(name="reason", label=_("Reason"), required=True),),
        ),
    ),
    closed_statuses=SUPPLIER_REQUEST_CLOSED_STATUSES,
    open_label=_("Still open"),
    list_filters=(
        RequestListFilter("supplier", _("Supplier"), _("All suppliers"), options=_suppliers),
        STOREFRONT_FILTER,
    ),
    # Goods from a supplier are recorded by whoever is at the warehouse door.
    team_rule=False,
)

REQUEST_WORKFLOWS: dict[str, RequestWorkflow] = {
    workflow.kind: workflow for workflow in (AFTER_SALES, SUPPLIER_REQUESTS)
}
_BY_MODEL: dict[type[Model], RequestWorkflow] = {
    workflow.model: workflow for workflow in REQUEST_WORKFLOWS.values()
}


# -- reading and moving any request -----------------------------------------------------


def request_workflow(request: Model) -> RequestWorkflow:
    """Return the workflow of `request`'s kind."""
    return _BY_MODEL[type(request)]


def request_outside_team(request: Model, user: Actor) -> bool:
    """Whether `user` may not work `request` because its order belongs to another team."""
    return request_workflow(request).team_rule and not user_may_work_order(request.order, user)


def request_available_actions(request: Model, user: Actor) -> list[RequestAction]:
    """Return the actions `user` may take on `request` now.

    The action's permission, the request's FSM and, for the kinds that follow
    it, the team rule.
    """
    if request_outside_team(request, user):
        return []
    return [
        action
        for action in request_workflow(request).actions
        if user.has_perm(action.permission) and action.offered_for(request)
    ]


def request_advance(
    request: Model,
    *,
    action: str,
    actor: Actor,
    values: Mapping[str, Any],
    expected_updated_at: datetime | None = None,
) -> Model:
    """Run `action` on `request` through its kind's service and return the request.

    `values` are the action form's inputs, already of their type (a decimal
    amount, not its text); `expected_updated_at` as the kinds' services take it.
    An action the kind does not know is left to its `advance` service to refuse.
    """
    workflow = request_workflow(request)
    spec = workflow.action(action)
    arguments = {
        field.name: values[field.name]
        for field in (spec.fields if spec is not None else ())
        if field.name in values
    }
    if spec is not None and spec.service is not None:
        return spec.service(
            request=request, actor=actor, expected_updated_at=expected_updated_at, **arguments
        )
    return workflow.advance(
        request=request,
        transition=action,
        actor=actor,
        expected_updated_at=expected_updated_at,
        **arguments,
    )
