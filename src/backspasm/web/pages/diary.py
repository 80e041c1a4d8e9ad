"""Diary: log pain with one tap, see the entries and the pain chart of the episode, and
the warnings the diary raises (triage run again with the diary's facts: core/trends.py).
Start and end an episode from here. Every form posts and redirects; no JavaScript needed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from backspasm.knowledge import Knowledge
from backspasm.knowledge.formats import format_datetime, format_time
from backspasm.knowledge.messages import say, say_n
from backspasm.status import status_of, status_since
from backspasm.store.records import CareEntry, PainEntry
from backspasm.web.chart import pain_chart_svg
from backspasm.web.deps import get_kb, get_now, get_profile_id
from backspasm.web.flash import Flash, clear_flash, read_flash, redirect_with_flash
from backspasm.web.kept import kept_response
from backspasm.web.templating import render
from backspasm.web.views import card, form_error, sources_of

router = APIRouter(include_in_schema=False)
NAV = (30, "diary", "/diary")

#: Longest ago an episode may be said to have started from the page (90 days), in hours.
MAX_ONSET_HOURS = 24 * 90
#: Without an episode the chart shows this many days.
DEFAULT_DAYS = 7
#: Entries listed on the page unless all are asked for (keeps the page light on a phone).
MAX_ENTRIES = 20
#: The care form's limits (the store's own limits: a day of minutes, 2000-character notes).
CARE_MINUTES_MAX = 24 * 60
NOTE_MAX = 2000
MEDICINE_MAX = 200
_CLOCK = re.compile(r"([01]?[0-9]|2[0-3])[:.]([0-5][0-9])")


def care_labels(kb: Knowledge) -> dict[str, str]:
    """Plain names of the diary's care kinds (exports.yaml holds them once)."""
    return dict(kb["exports"]["report"]["care_kinds"])


@lru_cache(maxsize=4096)
def _local(dt: datetime, zone: ZoneInfo) -> str:
    # Cached: Babel takes ~30 µs a date, and the same entries come back on every visit.
    # The text depends only on the instant and the zone (equal instants hash alike).
    return format_datetime(dt, "moment_list", tz=zone)


def _care_what(what: str, minutes: int | None) -> str:
    if not minutes:
        return what
    return say_n("diary.care_entry_minutes", minutes, stem="pages", care=what)


def _flash_view(flash: Flash | None, pain: list[PainEntry], care: list[CareEntry],
                zone: ZoneInfo, labels: dict[str, str]) -> dict[str, Any] | None:
    """What the one-time note says: the entry just saved is read from the diary (the cookie
    holds its id only); an id not among this person's entries shows nothing."""
    if flash is None:
        return None
    if flash.entry_id is None:
        return {"event": flash.event}
    found = next((x for x in (pain if flash.event == "pain" else care)
                  if x.id == flash.entry_id), None)
    if found is None:
        return None
    at = found.at if isinstance(found, PainEntry) else found.start
    entry = _entry(at, found, zone, labels)
    return {"event": flash.event, "kind": flash.event, "id": found.id, "what": entry["what"],
            "time": format_time(at, tz=zone),
            "score": found.score if isinstance(found, PainEntry) else None}


def _view(request: Request, kb: Knowledge, profile_id: int, now: datetime,
          episode_id: int | None = None, show_all: bool = False,
          flash: Flash | None = None) -> dict[str, Any]:
    from backspasm.store import Episode, NotFoundError

    store = request.app.state.store
    picked: list[Episode | None] = []

    def window(episodes: list[Episode]) -> tuple[datetime, datetime]:
        """The episode shown (asked for, else the open one, else the latest) and its
        time range; without one, the last days."""
        if episode_id is not None:
            shown = next((e for e in episodes if e.id == episode_id), None)
            if shown is None:  # another's id too: NotFoundError → 404
                raise NotFoundError("episode", "an episode id of this profile", episode_id)
        else:
            shown = next((e for e in episodes if e.ended_at is None), None) or (
                episodes[-1] if episodes else None)
        picked.append(shown)
        until = (shown.ended_at or now) if shown else now
        return (shown.onset if shown else now - timedelta(days=DEFAULT_DAYS),
                until + timedelta(seconds=1))

    # One read transaction for the whole page: the diary window, and what status needs.
    data = store.overview(profile_id, pain_since=status_since(kb, now), now=now, window=window)
    profile, episodes, current, shown = data.profile, data.episodes, data.current, picked[0]
    zone = ZoneInfo(profile.tz)
    since = shown.onset if shown else now - timedelta(days=DEFAULT_DAYS)
    until = (shown.ended_at or now) if shown else now
    labels = care_labels(kb)
    chart = pain_chart_svg(
        data.pain, data.care, since=since, until=until, tz=profile.tz, care_labels=labels,
        title=(say("diary.chart_episode", stem="pages") if shown
               else say_n("diary.chart_days", DEFAULT_DAYS, stem="pages")))
    rows: list[tuple[datetime, PainEntry | CareEntry]] = [(p.at, p) for p in data.pain]
    rows += [(c.start, c) for c in data.care]
    rows.sort(key=lambda row: row[0], reverse=True)
    total = len(rows)
    # Only the entries shown are put into words (a long episode has hundreds).
    entries = [_entry(at, x, zone, labels)
               for at, x in (rows if show_all else rows[:MAX_ENTRIES])]
    status = status_of(data, kb, now)
    sources = sources_of(*[reason["sources"] for reason in status["new_reasons"]])
    if status["rose"] or status["shows"] == "emergency":
        sources = sources_of(sources, status["care_card"]["sources"])
    # Asked for by id, the episode shown is listed among the others too (as it always was).
    listed = [e for e in reversed(episodes) if episode_id is not None or e is not shown]
    return {
        "tz": profile.tz, "chart": chart, "entries": entries,
        "episode": shown, "current": current,
        "viewing_past": episode_id is not None and shown != current,
        "episode_start": _local(shown.onset, zone) if shown else None,
        "episode_end": _local(shown.ended_at, zone) if shown and shown.ended_at else None,
        "hours": int((now - shown.onset).total_seconds() // 3600) if shown else None,
        "past_episodes": [{"id": e.id, "start": _local(e.onset, zone),
                           "end": _local(e.ended_at, zone) if e.ended_at else None}
                          for e in listed],
        "status": status, "result": {"care_card": status["care_card"],
                                     "reasons": status["new_reasons"]},
        "card": card(status["level"]), "page_sources": sources,
        "scores": range(11), "errors": {}, "hours_value": "", "total_entries": total,
        "flash": _flash_view(flash, data.pain, data.care, zone, labels),
        "care_kinds": _care_kinds(labels),
        "care": {"kind": "", "medicine": "", "time": format_time(now, tz=zone),
                 "minutes": "", "note": ""},
    }


def _entry(at: datetime, x: PainEntry | CareEntry, zone: ZoneInfo,
           labels: dict[str, str]) -> dict[str, Any]:
    """One line of the entries table."""
    if isinstance(x, PainEntry):
        return {"kind": "pain", "id": x.id, "at": at, "when": _local(at, zone),
                "iso": at.isoformat(), "note": x.note,
                "what": say("diary.pain_entry", stem="pages", score=x.score)}
    return {"kind": "care", "id": x.id, "at": at, "when": _local(at, zone),
            "iso": at.isoformat(),
            "what": _care_what(x.medicine if x.kind == "medicine" and x.medicine
                               else labels.get(x.kind, x.kind), x.minutes),
            "note": x.note}


def _care_kinds(labels: dict[str, str]) -> list[tuple[str, str | None]]:
    """The store's care kinds, each with its plain name from the knowledge (if it has one)."""
    from backspasm.store import CARE_KINDS

    return [(kind, labels.get(kind)) for kind in CARE_KINDS]


@router.get("/diary", response_class=HTMLResponse)
async def diary_page(request: Request, all: bool = False, kb: Knowledge = Depends(get_kb),
                     profile_id: int = Depends(get_profile_id),
                     now: datetime = Depends(get_now)) -> Response:
    # Kept until the diary changes or the minute turns (web/kept.py); else worked out in a
    # worker thread: 3 ms of work would hold the loop (deps.read_db).
    return await kept_response(request, now, lambda: run_in_threadpool(
        _page, request, kb, profile_id, now, None, all))


@router.get("/diary/episodes/{episode_id}", response_class=HTMLResponse)
async def episode_page(request: Request, episode_id: int, all: bool = False,
                       kb: Knowledge = Depends(get_kb),
                       profile_id: int = Depends(get_profile_id),
                       now: datetime = Depends(get_now)) -> Response:
    return await kept_response(request, now, lambda: run_in_threadpool(
        _page, request, kb, profile_id, now, episode_id, all))


def _page(request: Request, kb: Knowledge, profile_id: int, now: datetime,
          episode_id: int | None, show_all: bool) -> HTMLResponse:
    flash = read_flash(request)
    return clear_flash(request, render(request, "diary.html", _view(
        request, kb, profile_id, now, episode_id, show_all=show_all, flash=flash)))


def _again(request: Request, kb: Knowledge, profile_id: int, now: datetime,
           errors: dict[str, str], **extra: Any) -> HTMLResponse:
    """The diary page again with the problem shown (422); nothing was written."""
    ctx = _view(request, kb, profile_id, now)
    ctx.update(errors=errors, **extra)
    return render(request, "diary.html", ctx, status_code=422)


def _back(request: Request, flash: Flash | None = None, anchor: str = "",
          episode: str = "") -> RedirectResponse:
    """Back to the diary (or the past episode ``episode`` it came from), scrolled to
    ``anchor``, with the one-time note ``flash`` (no health data in the URL)."""
    path = f"/diary/episodes/{episode}" if episode.isascii() and episode.isdigit() \
        and len(episode) < 19 else "/diary"
    return redirect_with_flash(request, path + (f"#{anchor}" if anchor else ""), flash)


@router.post("/diary/pain", response_class=HTMLResponse)
def log_pain(request: Request, score: str = Form(""), csrf_token: str = Form(""),
             logged_at: str = Form(""),
             kb: Knowledge = Depends(get_kb), profile_id: int = Depends(get_profile_id),
             now: datetime = Depends(get_now)) -> Response:
    from backspasm.web import offline_queue  # logged_at: sent later by sw.js (timers)

    value = score.strip()
    if not (value.isascii() and value.isdigit() and 0 <= int(value) <= 10):
        return _again(request, kb, profile_id, now,
                      {"score": form_error(kb, "diary", "score")})
    at = offline_queue.logged_at(logged_at, now)
    if at is None:
        return _again(request, kb, profile_id, now,
                      {"logged_at": form_error(kb, "diary", "logged_at")})
    store = request.app.state.store
    if offline_queue.already_logged(store, profile_id, at, int(value), now):
        return _back(request, None, "saved")
    entry = store.log_pain(profile_id, score=int(value), at=min(at, now))
    return _back(request, Flash("pain", entry.id), "saved")


@router.post("/diary/{kind}/{entry_id}/delete", response_class=HTMLResponse)
def delete_entry(request: Request, kind: str, entry_id: int, confirm: str = Form(""),
                 undo: str = Form(""), episode: str = Form(""), csrf_token: str = Form(""),
                 kb: Knowledge = Depends(get_kb),
                 profile_id: int = Depends(get_profile_id)) -> Response:
    """Remove an entry: asked first (a page that says which entry), unless it is the undo
    of the note shown right after saving it."""
    from fastapi import HTTPException

    from backspasm.store import NotFoundError

    if kind not in ("pain", "care"):
        raise HTTPException(404)
    store = request.app.state.store
    if undo == "1":
        store.delete_entry(profile_id, kind, entry_id)  # not theirs: 404
        return _back(request, Flash("undone"), "saved" if kind == "pain" else "care-saved")
    if confirm != "yes":
        found = next((x for x in (store.pain_entries(profile_id) if kind == "pain"
                                  else store.care_entries(profile_id)) if x.id == entry_id),
                     None)
        if found is None:
            raise NotFoundError("entry", f"a {kind} entry id of this profile", entry_id)
        zone = ZoneInfo(store.get_profile(profile_id).tz)
        at = found.at if isinstance(found, PainEntry) else found.start
        shown = _entry(at, found, zone, care_labels(kb))
        return render(request, "diary_confirm.html", {
            "ask": "remove", "entry": shown, "action": f"/diary/{kind}/{entry_id}/delete",
            "episode": episode if episode.isdigit() else "",
            "back": (f"/diary/episodes/{episode}" if episode.isdigit() else "/diary")
            + "#entries-h"})
    store.delete_entry(profile_id, kind, entry_id)  # not theirs: 404
    return _back(request, Flash("removed"), "entries-h", episode)


@router.post("/diary/episode/start", response_class=HTMLResponse)
def start_episode(request: Request, hours: str = Form(""), csrf_token: str = Form(""),
                  kb: Knowledge = Depends(get_kb), profile_id: int = Depends(get_profile_id),
                  now: datetime = Depends(get_now)) -> Response:
    value = hours.strip()
    if not (value.isascii() and value.isdigit() and 0 <= int(value) <= MAX_ONSET_HOURS):
        return _again(request, kb, profile_id, now,
                      {"hours": form_error(kb, "onset", "hours", maximum=MAX_ONSET_HOURS)},
                      hours_value=value[:20])
    store = request.app.state.store
    if store.current_episode(profile_id) is None:
        store.start_episode(profile_id, onset=now - timedelta(hours=int(value)))
    return _back(request)


@router.post("/diary/episode/end", response_class=HTMLResponse)
def end_episode(request: Request, confirm: str = Form(""), csrf_token: str = Form(""),
                profile_id: int = Depends(get_profile_id),
                now: datetime = Depends(get_now)) -> Response:
    """End the open episode, once the person said yes on the page that asks."""
    store = request.app.state.store
    current = store.current_episode(profile_id)
    if current is None:
        return _back(request)
    if confirm != "yes":
        zone = ZoneInfo(store.get_profile(profile_id).tz)
        return render(request, "diary_confirm.html", {
            "ask": "end", "start": _local(current.onset, zone),
            "action": "/diary/episode/end", "episode": "", "back": "/diary#episode-h"})
    store.end_episode(profile_id, at=now)
    return _back(request, Flash("ended"), "episode-h")


def parse_care_time(value: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """``HH:MM`` in the profile's zone at its latest time not after ``now`` (today, or
    yesterday when that time has not come yet today); empty means ``now``; None if bad."""
    value = value.strip()
    if not value:
        return now
    m = _CLOCK.fullmatch(value)
    if m is None:
        return None
    local = now.astimezone(zone)
    at = local.replace(hour=int(m.group(1)), minute=int(m.group(2)), second=0, microsecond=0)
    if at > local:
        at = (at.replace(tzinfo=None) - timedelta(days=1)).replace(tzinfo=zone)
    return at.astimezone(now.tzinfo)


@router.post("/diary/care", response_class=HTMLResponse)
def log_care(request: Request, care_kind: str = Form(""), care_medicine: str = Form(""),
             care_time: str = Form(""), care_minutes: str = Form(""),
             care_note: str = Form(""), csrf_token: str = Form(""),
             kb: Knowledge = Depends(get_kb), profile_id: int = Depends(get_profile_id),
             now: datetime = Depends(get_now)) -> Response:
    """Log care taken (ice, heat, a shower, stretching, a medicine by name, other)."""
    from backspasm.store import CARE_KINDS, StoreError

    store = request.app.state.store
    zone = ZoneInfo(store.get_profile(profile_id).tz)
    kind, medicine = care_kind.strip(), care_medicine.strip()
    minutes, note = care_minutes.strip(), care_note.strip()
    errors: dict[str, str] = {}
    if kind not in CARE_KINDS:
        errors["care_kind"] = form_error(kb, "diary", "care_kind")
    if kind == "medicine" and not medicine:
        errors["care_medicine"] = form_error(kb, "diary", "medicine_missing")
    elif kind in CARE_KINDS and kind != "medicine" and medicine:
        errors["care_medicine"] = form_error(kb, "diary", "medicine_not_needed")
    elif len(medicine) > MEDICINE_MAX:
        errors["care_medicine"] = form_error(kb, "diary", "medicine_long",
                                             maximum=MEDICINE_MAX)
    start = parse_care_time(care_time, now, zone)
    if start is None:
        errors["care_time"] = form_error(kb, "diary", "care_time")
    if minutes and not (minutes.isascii() and minutes.isdigit()
                        and 1 <= int(minutes) <= CARE_MINUTES_MAX):
        errors["care_minutes"] = form_error(kb, "diary", "care_minutes",
                                            maximum=CARE_MINUTES_MAX)
    if len(note) > NOTE_MAX or "\x00" in note:
        errors["care_note"] = form_error(kb, "diary", "note_long", maximum=NOTE_MAX)
    if "care_minutes" not in errors and minutes:
        from backspasm.core.limits import check_care_minutes, max_care_minutes
        from backspasm.core.plan import PlanError

        try:
            check_care_minutes(kb, kind, int(minutes))
        except PlanError:
            errors["care_minutes"] = form_error(kb, "diary", "care_minutes_plan",
                                                maximum=max_care_minutes(kb, kind), kind=kind)
    entry: CareEntry | None = None
    if not errors:
        try:
            entry = store.log_care(profile_id, kind=kind, start=start,
                                   minutes=int(minutes) if minutes else None,
                                   medicine=medicine or None, note=note or None)
        except StoreError as exc:  # a limit we did not check above: still a clear message
            field = {"at": "care_time", "kind": "care_kind"}.get(exc.field, f"care_{exc.field}")
            errors[field if field in CARE_FIELDS else "care_kind"] = str(exc)
    if errors or entry is None:
        return _again(request, kb, profile_id, now, errors, care={
            "kind": kind[:20], "medicine": medicine[:MEDICINE_MAX], "time": care_time[:20],
            "minutes": minutes[:20], "note": note[:NOTE_MAX]})
    return _back(request, Flash("care", entry.id), "care-saved")


CARE_FIELDS = ("care_kind", "care_medicine", "care_time", "care_minutes", "care_note")
