"""Issue 13 in Chromium at 360 px: a due ice says "due since", "Done" logs it and the next
session moves (the plan re-anchors on what was done); no JavaScript needed for Done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backspasm.core.windows import ceil_minute
from backspasm.knowledge.formats import format_time


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_due_ice_says_due_since_and_done_moves_the_next_one(browser, fresh_server,
                                                               javascript):
    ctx = browser.new_context(viewport={"width": 360, "height": 740},
                              java_script_enabled=javascript)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(fresh_server.url + "/")  # makes the local profile
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        onset = now - timedelta(minutes=30)  # the first ice began at the onset: due now
        with fresh_server.store() as store:
            profile = store.profile_by_key("local")
            assert profile is not None
            zone = ZoneInfo(profile.tz)
            wall = now.astimezone(zone)
            # Awake from 3 hours before to 5 hours after now (across midnight if need be).
            wake = (wall - timedelta(hours=3)).time().replace(second=0, microsecond=0)
            sleep = (wall + timedelta(hours=5)).time().replace(second=0, microsecond=0)
            store.update_profile(profile.id, wake=wake, sleep=sleep)
            store.start_episode(profile.id, onset=onset)
        first = onset.astimezone(zone)
        planned_next = first + timedelta(minutes=20 + 90)
        page.goto(fresh_server.url + "/plan")
        now_box = page.locator(".bs-plan-now")
        assert f"due since {format_time(first)}" in now_box.inner_text()
        assert f"at {format_time(planned_next)}" in page.locator("main").inner_text()
        assert now_box.get_by_role("link", name="start the timer").first.get_attribute(
            "href") == "/timer/ice"
        button = now_box.get_by_role("button", name="Done")
        box = button.bounding_box()
        assert box is not None and box["height"] >= 44  # a large target for a thumb
        button.click()
        page.wait_for_url("**/plan*")
        main = page.locator("main").inner_text()
        assert "Nothing is due right now" in main
        # Logged as 20 minutes up to the tap, so the next ice is 90 minutes after that.
        with fresh_server.store() as store:
            profile = store.profile_by_key("local")
            assert profile is not None
            (care,) = store.care_entries(profile.id, since=onset)
        assert care.kind == "ice" and care.minutes == 20
        moved = ceil_minute(care.start + timedelta(minutes=20 + 90)).astimezone(zone)
        assert moved > planned_next
        assert f"Ice pack at {format_time(moved)}" in main
        assert f"at {format_time(planned_next)}" not in main
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360  # no sideways scrolling on a phone
    finally:
        ctx.close()


