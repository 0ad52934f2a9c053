"""The benchmark's floor endpoint (benchmarks/floor.py) is never routed unless asked for."""

from django.conf import settings


def test_floor_endpoint_is_off_by_default(client, db):
    assert settings.BENCH_FLOOR_ENDPOINT is False
    assert client.post("/bench/floor/", "{}", content_type="application/json").status_code == 404


def test_the_storefront_endpoint_floor_is_off_by_default(client, db):
    assert (
        client.post("/bench/floor-api/", "{}", content_type="application/json").status_code == 404
    )
