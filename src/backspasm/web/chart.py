"""The pain chart: a server-rendered SVG that reads without JavaScript.

Pure: entries and the time window in, markup out. The SVG has a ``<title>`` and a
``<desc>`` that sums it up in words, labelled axes, every score as a point with its value
(and a tooltip), and care sessions marked along the bottom. No inline styles (the CSP
forbids them): the look comes from classes in ``bs.css``. Its words are in
``knowledge/pages.yaml`` (``chart``); dates and plurals go through
:mod:`backspasm.knowledge.formats`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Protocol
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from backspasm.knowledge.formats import format_datetime
from backspasm.knowledge.messages import say, say_n

__all__ = ["CareLike", "ChartCare", "ChartPoint", "PointLike", "pain_chart_svg",
           "place_labels"]

Box = tuple[float, float, float, float]

#: A viewBox about as wide as a phone's column, so that text drawn at :data:`FONT` units
#: shows at 12 CSS px or more on a 360 px screen (bs.css sets the same sizes).
WIDTH, HEIGHT = 360, 260
LEFT, RIGHT, TOP, BOTTOM = 46, 12, 22, 58
#: Text size in the chart's units (axis words, ticks, the values over the points).
FONT = 15
#: Radius of a pain point.
RADIUS = 5
#: Shortest window drawn, so a few entries do not sit on top of each other.
MIN_SPAN = timedelta(hours=6)
#: Above this many points the value labels are left off (the tooltips stay).
MAX_LABELS = 40
#: Above this many points only the first, lowest, highest and latest get a marker.
MAX_POINTS = 120


@dataclass(frozen=True)
class ChartPoint:
    at: datetime
    score: int


@dataclass(frozen=True)
class ChartCare:
    start: datetime
    kind: str
    minutes: int | None


class PointLike(Protocol):
    """A pain score to draw: a :class:`ChartPoint`, or the store's ``PainEntry`` as it is."""

    @property
    def at(self) -> datetime: ...
    @property
    def score(self) -> int: ...


class CareLike(Protocol):
    """A care session to mark: a :class:`ChartCare`, or the store's ``CareEntry``."""

    @property
    def start(self) -> datetime: ...
    @property
    def kind(self) -> str: ...
    @property
    def minutes(self) -> int | None: ...


@lru_cache(maxsize=4096)
def _label(at: datetime, zone: ZoneInfo) -> str:
    """``at`` in ``zone``, short. Cached: Babel takes ~30 µs a date, a chart of up to
    :data:`MAX_POINTS` scores labels each, and the same entries come back on every visit
    (the text depends only on the instant and the zone, which together are the key)."""
    return format_datetime(at.astimezone(zone), "moment_short")


def _words(key: str, n: float | None = None, **values: object) -> str:
    if n is None:
        return say(f"chart.{key}", stem="pages", **values)
    return say_n(f"chart.{key}", n, stem="pages", **values)


def _ticks(since: datetime, until: datetime, tz: ZoneInfo) -> list[tuple[datetime, str]]:
    """Local midnights for long windows, every 6 hours (or 1 hour) for short ones."""
    span = until - since
    step = 24 if span > timedelta(days=2) else 6 if span > timedelta(hours=12) else 1
    local = since.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    hour = timedelta(hours=1)
    picked: list[datetime] = []
    t = local
    while t <= until:  # walks real hours across DST
        if t.hour % step == 0 and t >= since:
            picked.append(t)
        t = (t + hour).astimezone(tz)
    if step == 24:
        picked = [t for t in picked if t.hour == 0]
    while len(picked) > 5:
        picked = picked[::2]
    # Put into words only the ticks drawn.
    return [(t, format_datetime(t, "day_short" if step == 24 or t.hour == 0 else "time"))
            for t in picked]


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(spots: Sequence[tuple[float, float, str]], *, bottom: float,
                 font: float = FONT, radius: float = RADIUS) -> list[float | None]:
    """Where each value label goes: the baseline ``y`` above its point, else below it,
    else ``None`` (left off: it would cover another label or point; the tooltip and the
    chart's text alternative still give it). ``spots`` are the points' (x, y, text) in
    time order; no label reaches below ``bottom`` (the time axis)."""
    points: list[Box] = [(x - radius, y - radius, x + radius, y + radius) for x, y, _ in spots]
    placed: list[Box] = []
    out: list[float | None] = []
    for x, y, text in spots:
        half = (0.6 * font * len(text) + 2) / 2
        chosen: float | None = None
        for base in (y - radius - 4, y + radius + font):
            box = (x - half, base - 0.75 * font, x + half, base + 0.1 * font)
            if box[1] < 0 or box[3] > bottom:
                continue
            if any(_overlap(box, b) for b in placed) or any(_overlap(box, b) for b in points):
                continue
            chosen = base
            placed.append(box)
            break
        out.append(chosen)
    return out


def pain_chart_svg(
    pain: Sequence[PointLike],
    care: Sequence[CareLike],
    *,
    since: datetime,
    until: datetime,
    tz: str,
    care_labels: Mapping[str, str],
    title: str | None = None,
) -> str:
    """The chart as an ``<svg>`` element (a string safe to insert into HTML)."""
    zone = ZoneInfo(tz)
    if title is None:
        title = _words("title")
    if until - since < MIN_SPAN:
        until = since + MIN_SPAN
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    span = (until - since).total_seconds()

    def x(dt: datetime) -> float:
        return round(LEFT + plot_w * min(max((dt - since).total_seconds() / span, 0), 1), 1)

    def y(score: float) -> float:
        return round(TOP + plot_h * (1 - score / 10), 1)

    def _line(points: list[PointLike]) -> str:
        """The polyline's points: x() and y() written out for the hundreds of scores of a
        long episode, with the same arithmetic (so the same text) at a third of the cost."""
        heights = {score: str(y(score)) for score in range(11)}
        # x() clamps to int 0 or 1 outside the window: an int coordinate, written as such.
        before, after = str(round(LEFT + plot_w * 0, 1)), str(round(LEFT + plot_w * 1, 1))
        coords = []
        for p in points:
            f = (p.at - since).total_seconds() / span
            across = before if f < 0 else after if f > 1 else f"{LEFT + plot_w * f:.1f}"
            coords.append(f"{across},{heights.get(p.score) or y(p.score)}")
        return " ".join(coords)

    points = sorted((p for p in pain if since <= p.at <= until), key=lambda p: p.at)
    sessions = sorted((c for c in care if since <= c.start <= until), key=lambda c: c.start)
    scores = [p.score for p in points]
    parts: list[str] = []
    if scores:
        parts.append(_words("scores", len(scores), first=_label(points[0].at, zone),
                            last=_label(points[-1].at, zone)))
        parts.append(_words("range", low=min(scores), high=max(scores),
                            last=scores[-1]))
    else:
        parts.append(_words("none"))
    if sessions:
        parts.append(_words("care", len(sessions)))
    desc = " ".join(parts)
    out = [
        f'<svg class="bs-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
        f'{HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" '
        f'data-points="{len(points)}" data-care="{len(sessions)}">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(desc)}</desc>',
    ]
    for score in range(0, 11, 2):
        out.append(f'<line class="bs-chart__grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
                   f'y1="{y(score)}" y2="{y(score)}"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(score) + 5}" text-anchor="end">{score}</text>')
    out.append(f'<line class="bs-chart__axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" '
               f'y2="{TOP + plot_h}"/>')
    out.append(f'<line class="bs-chart__axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
               f'y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>')
    last_end = float("-inf")
    for t, text in _ticks(since, until, zone):
        out.append(f'<line class="bs-chart__axis" x1="{x(t)}" x2="{x(t)}" y1="{TOP + plot_h}" '
                   f'y2="{TOP + plot_h + 5}"/>')
        wide = 0.6 * FONT * len(text)
        anchor, left = (("end", x(t) - wide) if x(t) + wide / 2 > WIDTH else
                        ("start", x(t)) if x(t) - wide / 2 < LEFT - 6 else
                        ("middle", x(t) - wide / 2))
        if left < last_end + 6:
            continue  # would touch the tick label before it: the tick mark stays
        last_end = left + wide
        out.append(f'<text x="{x(t)}" y="{TOP + plot_h + 5 + FONT}" text-anchor="{anchor}">'
                   f'{escape(text)}</text>')
    out.append(f'<text x="13" y="{TOP + plot_h / 2}" text-anchor="middle" '
               f'transform="rotate(-90 13 {TOP + plot_h / 2})">{escape(_words("pain_axis"))}'
               '</text>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 8}" text-anchor="middle">'
               f'{escape(_words("time_axis", tz=tz))}</text>')
    for c in sessions:
        label = care_labels.get(c.kind, c.kind)
        at = _label(c.start, zone)
        tip = (_words("care_minutes_tip", c.minutes, care=label, at=at) if c.minutes
               else _words("care_tip", care=label, at=at))
        cx, cy = x(c.start), TOP + plot_h - 7
        out.append(f'<g class="bs-chart__care-mark"><title>{escape(tip)}</title>'
                   f'<rect class="bs-chart__care" x="{cx - 5}" y="{cy - 5}" width="10" '
                   f'height="10"/></g>')
    if len(points) > 1:
        out.append(f'<polyline class="bs-chart__line" points={quoteattr(_line(points))}/>')
    if len(points) > MAX_POINTS:  # the line and the summary say it; keep the page small
        marked = [points[0], min(points, key=lambda p: p.score),
                  max(points, key=lambda p: p.score), points[-1]]
        # One marker per time and score (two entries alike draw as one).
        points = sorted({(p.at, p.score): p for p in marked}.values(), key=lambda p: p.at)
    # Value labels only where they can be read: none over another label or point.
    spots = [(x(p.at), y(p.score), str(p.score)) for p in points]
    heights = (place_labels(spots, bottom=TOP + plot_h) if len(points) <= MAX_LABELS
               else [None] * len(points))
    for p, (px, py, text), ty in zip(points, spots, heights, strict=True):
        tip = _words("pain_tip", at=_label(p.at, zone), score=p.score)
        out.append(f'<g class="bs-chart__pain"><title>{escape(tip)}</title>'
                   f'<circle class="bs-chart__point" cx="{px}" cy="{py}" r="{RADIUS}"/>')
        if ty is not None:
            out.append(f'<text class="bs-chart__value" x="{px}" y="{round(ty, 1)}" '
                       f'text-anchor="middle">{text}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)
