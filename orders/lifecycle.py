"""Guards that apps built on `orders` put on the order's transitions.

`Order` declares the lifecycle graph and the rules about its own fields. Some
transitions also depend on rows of an app above this one: an order is ready to
ship only when fulfillment has packed everything. That app registers the guard
here (from its `AppConfig.ready()`), and the transition consults the registry
through `registered_guards(<transition>)` in its django-fsm `conditions`, so
`orders` never imports the app.

A guard is a check with the refusal a person can act on; the transition service
(`transition_unmet_conditions`) shows each unmet guard's refusal.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model  # an Order: orders.models builds its transitions from here


@dataclass(frozen=True)
class Guard:
    """A condition on a transition, with the refusal it gives when unmet."""

    name: str
    check: Callable[[Model], bool]
    explain: Callable[[Model], str]


# transition name -> its guards, in registration order. Only transitions whose
# conditions hold `registered_guards(name)` are here: a guard registered on any
# other would never be consulted, so `guard_register` refuses it.
_GUARDS: dict[str, list[Guard]] = {}


class RegisteredGuards:
    """The django-fsm condition that runs the guards registered on one transition."""

    def __init__(self, transition: str) -> None:
        self.transition = transition
        self.__name__ = f"registered_guards_{transition}"
        _GUARDS.setdefault(transition, [])

    def __call__(self, order: Model) -> bool:
        return all(guard.check(order) for guard in _GUARDS[self.transition])

    def refusals(self, order: Model) -> list[str]:
        """Return the refusal of each guard that `order` does not meet now."""
        guards = _GUARDS[self.transition]
        return [guard.explain(order) for guard in guards if not guard.check(order)]

    def __repr__(self) -> str:
        return f"registered_guards({self.transition!r})"


def registered_guards(transition: str) -> RegisteredGuards:
    """Return the condition that consults the guards registered on `transition`."""
    return RegisteredGuards(transition)


def guard_register(transition: str, guard: Guard) -> None:
    """Put `guard` on `transition`; registering a guard of the same name again replaces it."""
    if transition not in _GUARDS:
        raise ValueError(
            f"Transition '{transition}' takes no registered guards; "
            f"these do: {', '.join(sorted(_GUARDS))}."
        )
    guards = _GUARDS[transition]
    for index, existing in enumerate(guards):
        if existing.name == guard.name:
            guards[index] = guard
            return
    guards.append(guard)


def transition_guards(transition: str) -> tuple[Guard, ...]:
    """Return the guards registered on `transition` (none for a transition without any)."""
    return tuple(_GUARDS.get(transition, ()))
