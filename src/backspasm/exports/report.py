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

from backspasm.exports.data import (
    EpisodeRecord,
    ExportError,
    FiredRule,
    PainPoint,
    export_error,
    fired_rule,
)
from backspasm.knowledge.vocabulary import LEVELS

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
    width, height, left, top, right, bottom = 640, 92, 30, 5, 12, 16
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
    texts["questions_to_ask"] = [{**q, "text": fill_region(q["text"], region),
                                  "regional": q["text"] != fill_region(q["text"], region)}
                                 for q in texts["questions_to_ask"]]
    end = episode.ended or now
    triage = episode.triage
    answers = dict(triage.answers) if triage else {}
    unsure = set(triage.unsure) if triage else set()
    pain = sorted(episode.pain, key=lambda p: p.at)
    from backspasm.core.fit import fits, person_facts

    person = person_facts(answers, unsure)
    questions = [q for q in texts["questions_to_ask"] if fits(kb, q, person)]
    rules = _rules(triage)
    signs = _signs(texts, triage)
    warnings = [{"at": w.at.astimezone(tz), "level": w.level, "pain": w.pain,
                 "rules": list(w.rules)} for w in episode.warnings]
    # The earlier checks, newest first; the most urgent ones are never the ones left out.
    earlier = sorted(episode.earlier, key=lambda c: (_URGENCY.get(c.level, 0), c.at),
                     reverse=True)[:EARLIER_SHOWN]
    earlier = [{"at": c.at.astimezone(tz), "level": c.level, "rules": _rules(c)}
               for c in sorted(earlier, key=lambda c: c.at, reverse=True)]
    cited: list[Any] = [r.sources for r in rules]
    cited += [r.sources for c in earlier for r in c["rules"]]
    cited += [r.sources for w in episode.warnings for r in w.rules]
    cited += [s["sources"] for s in signs["yes"] + signs["unsure"]]
    cited += [q["sources"] for q in questions]
    if any(q["regional"] for q in questions):
        cited.append(region.get("sources", []))
    return {
        "t": texts,
        "meta": kb.data["meta"],
        "questions_to_ask": questions,
        "levels": texts["levels"],
        "generated": now.astimezone(tz),
        "tz": tz.key,
        "knowledge_version": kb.version,
        "name": episode.name,
        "birth_date": episode.birth_date,
        "onset": episode.onset.astimezone(tz),
        "ended": episode.ended.astimezone(tz) if episode.ended else None,
        "duration": _duration(end - episode.onset),
        "trigger": texts["triggers"].get(episode.trigger or "", None),
        "triage": triage,
        "triage_at": triage.at.astimezone(tz) if triage else None,
        "rules": rules,
        "warnings": warnings,
        "earlier": earlier,
        "earlier_left_out": len(episode.earlier) - len(earlier),
        "answers": answers,
        "signs": signs,
        "pain": [(p.at.astimezone(tz), p.score) for p in pain],
        "pain_first": pain[0].score if pain else None,
        "pain_last": pain[-1].score if pain else None,
        "pain_max": max((p.score for p in pain), default=None),
        "pain_notes": [(p.at.astimezone(tz), p.score, p.note) for p in pain if p.note],
        "chart": pain_chart_svg(pain, start=episode.onset, end=end, tz=tz) if pain else None,
        "days": _days(episode, texts),
        "sources": _source_names(kb, [sid for group in cited for sid in group]),
    }


#: Earlier checks the report lists at most (the most urgent first; the FHIR file has all).
EARLIER_SHOWN = 5


#: A level's urgency (higher: more urgent; LEVELS is most urgent first).
_URGENCY = {level: len(LEVELS) - i for i, level in enumerate(LEVELS)}


def _rules(triage: Any) -> list[FiredRule]:
    """Every rule the triage fired (its reasons, for a snapshot made without ``rules``)."""
    if triage is None:
        return []
    return list(triage.rules) or [fired_rule(r) for r in triage.reasons]


def _signs(texts: dict[str, Any], triage: Any) -> dict[str, list[dict[str, Any]]]:
    """The warning signs in groups: yes, not sure (counted as yes), no, not asked (skipped on
    purpose by the question flow) and not answered. A leg answer says which legs."""
    groups: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("yes", "unsure", "no", "not_asked", "not_answered")}
    if triage is None:
        return groups
    answers, unsure, skipped = triage.answers, set(triage.unsure), set(triage.not_asked)
    for legs, key in ((False, "warning_signs"), (True, "leg_fields")):
        for s in texts[key]:
            value = answers.get(s["field"])
            sign = {**s, "answer": value}
            if s["field"] in unsure and value is None:
                groups["unsure"].append(sign)
            elif value is None:
                groups["not_asked" if s["field"] in skipped else "not_answered"].append(sign)
            elif value is False or (legs and value == "none"):
                groups["no"].append(sign)
            else:
                groups["yes"].append(sign)
    return groups


def _days(episode: EpisodeRecord, texts: dict[str, Any]) -> list[dict[str, Any]]:
    """One row a day (days with something written down): the pain scores, each care kind
    with the minutes of each session (``None``: not given), each medicine with its note
    as typed and its times."""
    tz = episode.tz
    days: dict[Any, dict[str, Any]] = defaultdict(
        lambda: {"pain": [], "care": defaultdict(list), "medicines": {}})
    for p in sorted(episode.pain, key=lambda p: p.at):
        days[p.at.astimezone(tz).date()]["pain"].append(p.score)
    for c in sorted(episode.care, key=lambda c: c.start):
        minutes = round((c.end - c.start).total_seconds() / 60) if c.end else None
        days[c.start.astimezone(tz).date()]["care"][c.kind].append(minutes)
    for m in sorted(episode.medicines, key=lambda m: m.at):
        local = m.at.astimezone(tz)
        key = (m.name.strip(), (m.note or "").strip())
        days[local.date()]["medicines"].setdefault(key, []).append(local)
    kinds = list(texts["care_kinds"])
    out = []
    for day, row in sorted(days.items()):
        care = sorted(row["care"].items(),
                      key=lambda kv: kinds.index(kv[0]) if kv[0] in kinds else len(kinds))
        out.append({
            "day": day,
            "pain": row["pain"],
            "care": [{"label": texts["care_kinds"].get(k, k), "minutes": m,
                      "same": len(set(m)) == 1 and m[0] is not None} for k, m in care],
            "medicines": [{"name": n, "note": note, "times": times}
                          for (n, note), times in row["medicines"].items()],
        })
    return out


def _source_names(kb: Knowledge, ids: list[str]) -> list[str]:
    """The short name of each cited source, once, in the order first cited."""
    names = kb.data["exports"]["report"]["source_names"]
    return [str(names.get(i) or kb.sources[i]["title"])
            for i in dict.fromkeys(ids) if i in kb.sources]


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
