"""The hall display's clock is the centre's (issue 12.9): the page and its feed give the server's
instant and the centre's UTC offset, so the TV's own zone never counts."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse

from tests.appointments.queue_factories import queue_setup

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("zone", "offset"), [("Asia/Baku", 240), ("Asia/Tokyo", 540), ("UTC", 0)])
def test_the_display_and_its_feed_carry_the_centres_clock(client, zone, offset):
    _service, centre = queue_setup()
    centre.timezone = zone
    centre.save(update_fields=["timezone"])

    feed = client.get(reverse("queue:display_feed", kwargs={"centre": centre.code})).json()["clock"]
    page = client.get(reverse("queue:display", kwargs={"centre": centre.code})).content.decode()

    assert feed["utc_offset_minutes"] == offset
    now = dt.datetime.now(dt.UTC).timestamp() * 1000
    assert abs(feed["now"] - now) < 60_000
    local = dt.datetime.now(zoneinfo.ZoneInfo(zone))
    shown = {(local + dt.timedelta(minutes=m)).strftime("%H:%M") for m in (-1, 0)}
    assert feed["text"] in shown
    assert f'data-utc-offset="{offset}"' in page
    assert any(f">{text}</p>" in page for text in shown)
