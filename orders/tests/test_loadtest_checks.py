"""`make loadtest` judges each request by when it happened: these pin what counts as clean."""

from loadtest.run import analyse

WINDOWS = {"postgres": (40.0, 44.0), "redis": (80.0, 93.0)}


def outcome(t: float, status: int, name: str = "POST /api/v1/orders/", **extra) -> dict:
    return {
        "t": t,
        "name": name,
        "status": status,
        "ms": 100.0,
        "clean_503": False,
        "error": "",
        "number": "",
        **extra,
    }


def failed_checks(outcomes: list[dict]) -> list[str]:
    checks, _summary = analyse(outcomes, WINDOWS)
    return [name for name, passed, _detail in checks if not passed]


def test_clean_503s_in_the_postgres_window_and_201s_while_redis_is_down_pass():
    outcomes = [
        outcome(10, 201),
        outcome(41, 503, clean_503=True),
        outcome(42, 302, name="POST /track/ (lookup)"),
        outcome(85, 201),
        outcome(100, 200, name="GET /api/v1/orders/<number>/"),
    ]

    assert failed_checks(outcomes) == []


def test_a_503_outside_the_shape_fails_even_in_the_postgres_window():
    assert failed_checks([outcome(41, 503), outcome(85, 201)]) == [
        "inside the windows only clean 503s (PostgreSQL) and no failure at all (Redis)"
    ]


def test_any_failure_while_redis_is_down_fails():
    assert failed_checks([outcome(85, 503, clean_503=True)]) == [
        "inside the windows only clean 503s (PostgreSQL) and no failure at all (Redis)",
        "order creation answered 201 while Redis was down",
    ]


def test_an_error_outside_the_windows_fails():
    assert failed_checks([outcome(60, 500), outcome(85, 201)]) == [
        "no error outside the fault windows"
    ]


def test_a_connection_error_is_never_clean():
    assert failed_checks([outcome(41, 0, error="ConnectionError"), outcome(85, 201)]) == [
        "inside the windows only clean 503s (PostgreSQL) and no failure at all (Redis)"
    ]
