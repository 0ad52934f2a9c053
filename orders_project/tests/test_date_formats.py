"""One date and one date-and-time format per language, in the reader's time zone."""

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.utils import formats, translation

MOMENT = datetime(2026, 3, 4, 8, 7, tzinfo=UTC)  # 15:07 in Ho Chi Minh City


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [("en", "4 Mar 2026", "4 Mar 2026, 15:07"), ("vi", "04/03/2026", "15:07, 04/03/2026")],
)
def test_each_language_has_one_date_and_one_date_time_format(language, day, moment, settings):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    template = Template('{{ day|date:"DATE_FORMAT" }} | {{ moment|date:"DATETIME_FORMAT" }}')

    with translation.override(language):
        shown = template.render(Context({"day": date(2026, 3, 4), "moment": MOMENT}))
        assert formats.date_format(date(2026, 3, 4), "DATE_FORMAT") == day

    assert shown == f"{day} | {moment}"
