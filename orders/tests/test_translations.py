"""Customer-facing text exists in Vietnamese as well as English."""

import re

import pytest
from django.conf import settings
from django.utils import translation

from orders.models import CUSTOMER_STATUS_NAMES, HoldReason, OrderStatus

CUSTOMER_FACING = [*CUSTOMER_STATUS_NAMES.values(), *HoldReason.labels]


@pytest.mark.parametrize("text", CUSTOMER_FACING, ids=str)
def test_customer_facing_text_has_a_vietnamese_translation(text):
    english = str(text)
    with translation.override("vi"):
        vietnamese = str(text)

    assert vietnamese != english


def test_status_names_read_naturally_in_both_languages():
    with translation.override("en"):
        assert str(CUSTOMER_STATUS_NAMES[OrderStatus.SHIPPED]) == "On its way"
    with translation.override("vi"):
        assert str(CUSTOMER_STATUS_NAMES[OrderStatus.SHIPPED]) == "Đang trên đường giao"
        assert str(CUSTOMER_STATUS_NAMES[OrderStatus.ON_HOLD]) == "Bị chậm trễ"


def test_vietnamese_catalogue_leaves_nothing_untranslated():
    po = (settings.BASE_DIR / "locale" / "vi" / "LC_MESSAGES" / "django.po").read_text("utf-8")
    entries = re.findall(r'\nmsgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', po)

    untranslated = [
        msgid for msgid, msgstr in entries if msgid != '""\n' and msgstr.strip() == '""'
    ]

    assert untranslated == []
    assert "#, fuzzy" not in po
