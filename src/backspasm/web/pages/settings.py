"""Settings: time zone (a checked IANA name), waking hours and region. The plan's times,
the diary's clock and the emergency numbers all follow these. Name and date of birth are
optional, only for the report the person gives a doctor."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from backspasm.core.times import parse_clock
from backspasm.knowledge import Knowledge
from backspasm.knowledge.formats import format_time
from backspasm.web.deps import get_kb, get_profile_id
from backspasm.web.templating import render
from backspasm.web.views import form_error

if TYPE_CHECKING:
    from backspasm.store import Profile

router = APIRouter(include_in_schema=False)
NAV = (50, "settings", "/settings")


def _hhmm(value: str) -> time | None:
    return parse_clock(value.strip(), seconds=True)  # some browsers send seconds


def _birth_date(value: str) -> date | None | Literal[False]:
    """Blank: not given (``None``); a date from 1900 to today; anything else ``False``."""
    if not value:
        return None
    try:
        born = date.fromisoformat(value)
    except ValueError:
        return False
    return born if date(1900, 1, 1) <= born <= datetime.now(UTC).date() else False


def _page(request: Request, kb: Knowledge, values: dict[str, str], errors: dict[str, str],
          saved: bool = False, status: int = 200) -> HTMLResponse:
    regions = [{"id": r["id"], "name": r["name"], "number": r["emergency_number"]}
               for r in kb["regions"]["regions"]]
    return render(request, "settings.html", {
        "values": values,
        "errors": errors, "regions": regions, "saved": saved}, status_code=status)


def _values(kb: Knowledge, profile: Profile) -> dict[str, str]:
    from backspasm.status import profile_region

    # Not chosen yet: preselect the region of the time zone, and say so on the page.
    return {"tz": profile.tz, "wake": format_time(profile.wake),
            "sleep": format_time(profile.sleep), "region": profile_region(kb, profile).id,
            "region_guessed": "" if profile.region else "1", "name": profile.name or "",
            "birth_date": "" if profile.birth_date is None else profile.birth_date.isoformat()}


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, saved: int = 0, kb: Knowledge = Depends(get_kb),
                  profile_id: int = Depends(get_profile_id)) -> HTMLResponse:
    profile = request.app.state.store.get_profile(profile_id)
    return _page(request, kb, _values(kb, profile), {}, saved=bool(saved))


@router.post("/settings", response_class=HTMLResponse)
def save_settings(request: Request, tz: str = Form(""), wake: str = Form(""),
                  sleep: str = Form(""), region: str = Form(""), name: str = Form(""),
                  birth_date: str = Form(""), csrf_token: str = Form(""),
                  kb: Knowledge = Depends(get_kb),
                  profile_id: int = Depends(get_profile_id)) -> Response:
    """Check every field first; write all of them or none."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    values = {"tz": tz.strip()[:64], "wake": wake.strip()[:8], "sleep": sleep.strip()[:8],
              "region": region.strip()[:8], "name": " ".join(name.split())[:201],
              "birth_date": birth_date.strip()[:10]}
    errors: dict[str, str] = {}
    try:
        if not values["tz"] or "/" not in values["tz"] and values["tz"] != "UTC":
            raise ValueError
        ZoneInfo(values["tz"])
    except (ZoneInfoNotFoundError, ValueError):
        errors["tz"] = form_error(kb, "settings", "tz")
    wake_t, sleep_t = _hhmm(values["wake"]), _hhmm(values["sleep"])
    if wake_t is None:
        errors["wake"] = form_error(kb, "settings", "wake")
    if sleep_t is None:
        errors["sleep"] = form_error(kb, "settings", "sleep")
    if wake_t and sleep_t and wake_t >= sleep_t:
        errors["sleep"] = form_error(kb, "settings", "sleep_before_wake")
    if values["region"] not in {r["id"] for r in kb["regions"]["regions"]}:
        errors["region"] = form_error(kb, "settings", "region")
    if len(values["name"]) > 200:
        errors["name"] = form_error(kb, "settings", "name")
    born = _birth_date(values["birth_date"])
    if born is False:
        errors["birth_date"] = form_error(kb, "settings", "birth_date")
    if errors:
        return _page(request, kb, values, errors, status=422)
    request.app.state.store.update_profile(
        profile_id, tz=values["tz"], wake=wake_t, sleep=sleep_t, region=values["region"],
        name=values["name"] or None, birth_date=born or None)
    return RedirectResponse("/settings?saved=1", status_code=303)
