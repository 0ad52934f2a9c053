"""The due badge on board cards, queue rows and the order page."""

from datetime import UTC, datetime

from django.template import Context, Template
from django.utils import translation

BADGE = Template("{% load due %}{% due_badge state due_at %}")
DUE = datetime(2026, 11, 16, 3, 30, tzinfo=UTC)  # 10:30 in Ho Chi Minh City


def badge(state: str, due_at: datetime | None) -> str:
    return BADGE.render(Context({"state": state, "due_at": due_at}))


def test_an_overdue_order_shows_the_badge_and_the_due_time_in_local_time():
    assert badge("overdue", DUE) == (
        '<span class="due due--overdue">Overdue</span> <span class="due__time">due '
        '<time datetime="2026-11-16T10:30:00+07:00">16 Nov 2026, 10:30</time></span>'
    )


def test_at_risk_without_a_time_and_on_time_without_a_badge():
    assert badge("at_risk", None) == '<span class="due due--at-risk">At risk</span>'
    assert badge("", None) == ""
    assert badge("", DUE).startswith(' <span class="due__time">due <time')


def test_the_badge_speaks_vietnamese():
    with translation.override("vi"):
        html = badge("overdue", DUE)

    assert '<span class="due due--overdue">Quá hạn</span>' in html
    assert '<span class="due__time">hạn <time datetime="2026-11-16T10:30:00+07:00">' in html
