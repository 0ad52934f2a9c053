"""Reading numbers and JSON that clients send: refusals, never crashes."""

import pytest

from shared.errors import OrderValidationError
from shared.parsing import (
    INTEGER_MAX,
    JSON_MAX_DEPTH,
    JsonRefused,
    json_parse,
    version_or_none,
    whole_number,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3", 3),
        (" 0042 ", 42),
        (str(INTEGER_MAX), INTEGER_MAX),
        (str(INTEGER_MAX + 1), None),
        ("9" * 5_000, None),  # int() alone raises ValueError past 4300 digits
        ("0" * 5_000 + "7", 7),
        ("²", None),
        ("-1", None),
        ("", None),
        (None, None),
    ],
)
def test_whole_number_refuses_what_no_column_holds(raw, expected):
    assert whole_number(raw) == expected


def test_a_garbled_version_is_refused_naming_the_field_not_read_as_no_version():
    assert version_or_none("") is None
    assert version_or_none("12") == 12
    with pytest.raises(OrderValidationError) as refused:
        version_or_none("9" * 5_000)
    assert list(refused.value.details) == ["version"]


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,  # RecursionError inside json.loads
        '{"a":' * 2_000 + "1" + "}" * 2_000,
        "[" * (JSON_MAX_DEPTH + 1) + "]" * (JSON_MAX_DEPTH + 1),  # parses, but too deep
        "NaN",
        '{"amount": Infinity}',
        "{",
    ],
)
def test_json_parse_refuses_deep_or_malformed_documents(text):
    with pytest.raises(JsonRefused):
        json_parse(text)


def test_json_parse_reads_documents_up_to_the_depth_limit():
    text = "[" * JSON_MAX_DEPTH + "]" * JSON_MAX_DEPTH

    assert json_parse(text) is not None
    assert json_parse('{"lines": [{"sku": "A"}]}') == {"lines": [{"sku": "A"}]}
