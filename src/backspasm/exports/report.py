"""The report for the doctor: one episode as HTML (Jinja2) and as an A4 PDF (WeasyPrint).

Everything is rendered locally; the page loads nothing from the network. The pain chart
is inline SVG, so it stays vector in the PDF and its labels stay selectable text. The
stylesheet is ``templates/report.css``: inline in the HTML page, and given to WeasyPrint
parsed once per process for the PDF (:mod:`backspasm.exports.pdf_engine`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backspasm.exports.data import EpisodeRecord, ExportError, PainPoint, export_error

if TYPE_CHECKING:
    from backspasm.knowledge import Knowledge

__all__ = ["render_report_html", "render_report_pdf", "pain_chart_svg", "report_context"]

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def _env() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    from backspasm.knowledge.formats import jinja_filters

    env.filters.update(jinja_filters())
    return env


def _duration(delta: timedelta) -> dict[str, int]:
    """Whole days and hours (the template says them, with their plurals)."""
    days, hours = divmod(max(int(delta.total_seconds() // 3600), 0), 24)
    return {"days": days, "hours": hours}


@dataclass(frozen=True)
class _Chart:
    svg_points: str
    dots: list[tuple[float, float, int]]
    x_ticks: list[tuple[float, str]]
    width: int
    height: int
    left: int
    top: int
    plot_w: int
    plot_h: int


def pain_chart_svg(points: list[PainPoint], *, start: datetime, end: datetime, tz: Any) -> str:
    """Pain 0–10 over the episode as an SVG string (vector, text labels)."""
    width, height, left, top, right, bottom = 640, 200, 34, 10, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    span = max((end - start).total_seconds(), 3600.0)

    def x(t: datetime) -> float:
        return round(left + plot_w * min(max((t - start).total_seconds() / span, 0.0), 1.0), 1)

    def y(score: int) -> float:
        return round(top + plot_h * (1 - score / 10), 1)

    from backspasm.knowledge.formats import format_date

    pts = sorted(points, key=lambda p: p.at)
    dots = [(x(p.at), y(p.score), p.score) for p in pts]
    n_days = max(int(span // 86400), 1)
    step = max(1, -(-n_days // 8))  # at most ~8 day labels
    local0 = start.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    ticks = []
    for d in range(0, n_days + 2, step):
        day = local0 + timedelta(days=d)  # zoneinfo adds wall time: stays at midnight
        if start <= day <= end:
            ticks.append((x(day), format_date(day, "day_month")))
    chart = _Chart(
        svg_points=" ".join(f"{a},{b}" for a, b, _ in dots),
        dots=dots,
        x_ticks=ticks,
        width=width,
        height=height,
        left=left,
        top=top,
        plot_w=plot_w,
        plot_h=plot_h,
    )
    return _env().get_template("pain_chart.svg").render(c=chart, y=y)


def report_context(episode: EpisodeRecord, *, kb: Knowledge, now: datetime) -> dict[str, Any]:
    """Everything the template shows, already in the person's time zone and words."""
    if now.tzinfo is None:
        raise export_error("now", "offset", kb)
    if not (episode.pain or episode.care or episode.medicines or episode.triage):
        from backspasm.exports.source import refusal

        raise ExportError("episode", refusal(kb, "nothing_to_report"))
    tz = episode.tz
    from backspasm.core.region import fill_region, region_record

    region = region_record(kb, episode.region) or region_record(kb, kb["regions"]["default"])
    if region is None:  # the loader checks that the default region exists
        raise ExportError("region", "expected a region in regions.yaml")
    texts = dict(kb.data["exports"]["report"])
    # Region words ("A&E" / "the emergency room (ER)") from the person's region (H27).
    texts["questions_to_ask"] = [{**q, "text": fill_region(q["text"], region)}
                                 for q in texts["questions_to_ask"]]
    end = episode.ended or now
    answers = dict(episode.triage.answers) if episode.triage else {}
    unsure = set(episode.triage.unsure) if episode.triage else set()
    if episode.triage is None:
        signs = []
    else:
        signs = [
            {"label": s["label"], "answer": answers.get(s["field"]), "legs": False,
             "unsure": s["field"] in unsure and answers.get(s["field"]) is None}
            for s in texts["warning_signs"]
        ]
        signs += [
            {"label": s["label"], "answer": answers.get(s["field"]), "legs": True}
            for s in texts["leg_fields"]
        ]
    care_by_day: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in episode.care:
        if c.kind == "medicine":
            continue
        care_by_day[c.start.astimezone(tz).date()][c.kind] += 1
    care_kinds = [k for k in texts["care_kinds"] if any(k in v for v in care_by_day.values())]
    meds: dict[str, dict[Any, list[datetime]]] = defaultdict(lambda: defaultdict(list))
    for m in sorted(episode.medicines, key=lambda m: m.at):
        local = m.at.astimezone(tz)
        meds[m.name.strip()][local.date()].append(local)
    med_days = {name: sorted(days.items()) for name, days in meds.items()}
    pain = sorted(episode.pain, key=lambda p: p.at)
    from backspasm.core.fit import fits, person_facts

    person = person_facts(answers, unsure)
    return {
        "t": texts,
        "meta": kb.data["meta"],
        "questions_to_ask": [q for q in texts["questions_to_ask"] if fits(kb, q, person)],
        "levels": texts["levels"],
        "generated": now.astimezone(tz),
        "tz": tz.key,
        "knowledge_version": kb.version,
        "onset": episode.onset.astimezone(tz),
        "ended": episode.ended.astimezone(tz) if episode.ended else None,
        "duration": _duration(end - episode.onset),
        "trigger": texts["triggers"].get(episode.trigger or "", None),
        "triage": episode.triage,
        "triage_at": episode.triage.at.astimezone(tz) if episode.triage else None,
        "answers": answers,
        "signs": signs,
        "pain": [(p.at.astimezone(tz), p.score) for p in pain],
        "pain_first": pain[0].score if pain else None,
        "pain_last": pain[-1].score if pain else None,
        "pain_max": max((p.score for p in pain), default=None),
        "chart": pain_chart_svg(pain, start=episode.onset, end=end, tz=tz) if pain else None,
        "care_days": sorted(care_by_day.items()),
        "care_kinds": care_kinds,
        "medicines": med_days,
        "sources": [kb.sources[sid] for sid in _cited(kb, episode)],
    }


def _cited(kb: Knowledge, episode: EpisodeRecord) -> list[str]:
    ids: list[str] = []
    texts = kb.data["exports"]["report"]
    for group in (texts["warning_signs"], texts["leg_fields"], texts["questions_to_ask"]):
        for item in group:
            ids += item["sources"]
    if episode.triage:
        for r in episode.triage.reasons:
            ids += list(r.get("sources", []))
    return [i for i in dict.fromkeys(ids) if i in kb.sources]


def render_report_html(episode: EpisodeRecord, *, kb: Knowledge, now: datetime) -> str:
    """The report as a standalone HTML page (no external resources)."""
    return _html(episode, kb=kb, now=now, pdf=False)


def _html(episode: EpisodeRecord, *, kb: Knowledge, now: datetime, pdf: bool) -> str:
    """The page; for the PDF without its ``<style>``: the stylesheet is parsed once per
    process (:func:`backspasm.exports.pdf_engine.report_stylesheet`)."""
    context = report_context(episode, kb=kb, now=now)
    return _env().get_template("report.html").render(**context, pdf=pdf)


def render_report_pdf(episode: EpisodeRecord, *, kb: Knowledge, now: datetime) -> bytes:
    """The report as an A4 PDF (WeasyPrint). Raises :class:`ExportError` for bad input."""
    html = _html(episode, kb=kb, now=now, pdf=True)
    from backspasm.exports.pdf_engine import write_pdf

    pdf = write_pdf(html)
    if pdf is None:  # only when given a target to write to; we give none
        raise ExportError("report", "expected a PDF document")
    return pdf
