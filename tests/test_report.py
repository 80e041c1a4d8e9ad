"""The doctor's report: real WeasyPrint PDFs, read back with pdftotext and pdfinfo."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backspasm.exports import (
    CareDone,
    EpisodeRecord,
    ExportError,
    MedicineDose,
    PainPoint,
    TriageSnapshot,
)
from backspasm.exports.report import pain_chart_svg, render_report_html, render_report_pdf
from backspasm.knowledge import load_knowledge

LONDON = ZoneInfo("Europe/London")
ONSET = datetime(2026, 3, 2, 7, 15, tzinfo=LONDON)


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


def two_weeks(**overrides) -> EpisodeRecord:
    """An episode with two weeks of entries: 4 pain scores, 4 care sessions, 3 doses a day."""
    pain, care, meds = [], [], []
    for d in range(14):
        day = ONSET + timedelta(days=d)
        for i, h in enumerate((1, 5, 9, 13)):
            pain.append(PainPoint(day + timedelta(hours=h), max(0, 8 - d // 2 - i % 2)))
            care.append(CareDone("ice" if d < 3 else "heat", day + timedelta(hours=h + 1)))
        for h in (1, 7, 13):
            meds.append(
                MedicineDose("Ibuprofen" if h != 7 else "Paracetamol", day + timedelta(hours=h))
            )
    base = dict(
        id="12",
        onset=ONSET,
        tz=LONDON,
        ended=ONSET + timedelta(days=14),
        trigger="lifting",
        pain=pain,
        care=care,
        medicines=meds,
        triage=TriageSnapshot(
            at=ONSET + timedelta(days=4),
            answers={
                "age": 52,
                "pain_now": 5,
                "saddle_numbness": False,
                "chest_pain": False,
                "fever_or_unwell": True,
                "leg_symptoms": "one_leg",
                "leg_weakness": "none",
            },
            level="consultation_24",
            reasons=[
                {
                    "rule": "feverish",
                    "level": "consultation_24",
                    "text": "You have a high temperature.",
                    "sources": ["NHS-BACKPAIN"],
                }
            ],
        ),
    )
    base.update(overrides)
    return EpisodeRecord(**base)


def _pdf_text(tmp_path, data: bytes) -> tuple[str, int]:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert re.search(r"^Page size:\s+595(\.\d+)? x 841(\.\d+)? pts \(A4\)", info, re.M), info
    return " ".join(text.split()), pages


@pytest.fixture(scope="module")
def report(kb, tmp_path_factory):
    now = ONSET + timedelta(days=15)
    return _pdf_text(tmp_path_factory.mktemp("r"), render_report_pdf(two_weeks(), kb=kb, now=now))


def test_two_weeks_fit_on_one_or_two_a4_pages(report):
    _, pages = report
    assert 1 <= pages <= 2


def test_the_episode_and_the_triage_are_in_the_text(report, kb):
    text, _ = report
    texts = kb.data["exports"]["report"]
    assert texts["title"] in text
    assert "Mon 02 Mar 2026, 07:15" in text  # onset in the person's zone
    assert "14 days 0 hours" in text
    assert "Lifting something" in text
    assert texts["levels"]["consultation_24"] in text
    assert "You have a high temperature." in text


def test_every_warning_sign_is_listed_yes_no_or_not_answered(report, kb):
    text, _ = report
    for sign in kb.data["exports"]["report"]["warning_signs"]:
        # pdftotext may wrap a long label across columns; check its first words.
        assert " ".join(sign["label"].split()[:3]) in text, sign["label"]
    assert re.search(r"Yes: [^.]*High temperature or feeling unwell", text)
    assert re.search(r"No: Chest pain;", text)
    assert "down a leg (one leg)" in text and "Not answered: Fainted" in text


def test_care_medicines_and_questions(report, kb):
    text, _ = report
    assert "Mon 02 Mar 8, 7, 8, 7 Ice pack 4 times" in text  # no minutes logged
    assert "Heat 4 times" in text
    # Ibuprofen at onset+1 h and +13 h, in one row with the day's pain and care.
    assert "Ibuprofen: 08:15 20:15; Paracetamol: 14:15" in text
    for q in kb.data["exports"]["report"]["questions_to_ask"]:
        if "only_if" not in q:  # this person is not pregnant and has no fragile bones
            assert " ".join(q["text"].split()[:4]) in text
    # The content date and review status (meta.yaml) are on the report.
    meta = kb.data["meta"]
    assert meta["last_reviewed"] in text and meta["review"]["status"] in text


def test_the_pdf_has_no_raster_images(kb, tmp_path):
    """The chart is drawn as vector paths: the PDF holds no bitmap at all."""
    path = tmp_path / "r.pdf"
    path.write_bytes(render_report_pdf(two_weeks(), kb=kb, now=ONSET + timedelta(days=15)))
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True,
                             check=True).stdout.splitlines()
    assert len(listing) == 2, listing  # the header lines only


def test_the_pain_chart_is_vector(kb):
    ep = two_weeks()
    svg = pain_chart_svg(list(ep.pain), start=ep.onset, end=ep.ended, tz=LONDON)
    assert svg.startswith("<svg") and "<polyline" in svg and svg.count("<circle") == len(ep.pain)
    html = render_report_html(ep, kb=kb, now=ep.ended)
    assert "<svg" in html and not re.search(r"<img|src=|href=|url\(", html)


def test_british_summer_time_is_used_after_the_clocks_change(kb, tmp_path):
    onset = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)  # 13:00 in London (BST)
    ep = EpisodeRecord(id="1", onset=onset, tz=LONDON, pain=[PainPoint(onset, 6)])
    text, pages = _pdf_text(tmp_path, render_report_pdf(ep, kb=kb, now=onset + timedelta(hours=5)))
    assert "Mon 30 Mar 2026, 13:00" in text and pages == 1
    assert "The warning-sign questions have not been answered" in text


def test_an_empty_episode_is_refused(kb):
    ep = EpisodeRecord(id="1", onset=ONSET, tz=LONDON)
    with pytest.raises(ExportError, match="episode: nothing to report yet"):
        render_report_pdf(ep, kb=kb, now=ONSET + timedelta(days=1))


def test_the_report_escapes_what_the_person_typed(kb):
    ep = two_weeks(medicines=[MedicineDose("<b>Co-codamol</b>", ONSET)])
    html = render_report_html(ep, kb=kb, now=ONSET + timedelta(days=15))
    assert "&lt;b&gt;Co-codamol&lt;/b&gt;" in html and "<b>Co-codamol" not in html


def test_a_not_sure_sign_says_not_sure_counted_as_yes(kb, tmp_path):
    """H23: "not sure" is kept apart from the answers; the report must not say Not answered."""
    base = two_weeks()
    answers = {k: v for k, v in base.triage.answers.items() if k != "fever_or_unwell"}
    triage = TriageSnapshot(base.triage.at, answers, base.triage.level, base.triage.reasons,
                            unsure=("fever_or_unwell",))
    pdf = render_report_pdf(two_weeks(triage=triage), kb=kb, now=ONSET + timedelta(days=15))
    text, _ = _pdf_text(tmp_path, pdf)
    assert re.search(r"Not sure \(counted as yes\): High temperature", text), text
    assert text.count("Not sure (counted as yes)") == 1


def _check(at: datetime, level: str, rule: str = "", text: str = "") -> TriageSnapshot:
    reasons = [{"rule": rule, "level": level, "text": text, "sources": ["NHS-BACKPAIN"]}]
    return TriageSnapshot(at, {"age": 52}, level, reasons if rule else [])


def test_an_earlier_emergency_check_is_never_hidden_by_a_later_one(kb, tmp_path):
    """A later "no" must not take an earlier emergency answer out of the doctor's report:
    every earlier check of the episode is listed under the latest (the FHIR file has each)."""
    emergency = _check(ONSET + timedelta(days=1), "emergency", "cauda-equina",
                       "You have new trouble peeing.")
    pdf = render_report_pdf(two_weeks(earlier=(emergency,)), kb=kb,
                            now=ONSET + timedelta(days=15))
    text, pages = _pdf_text(tmp_path, pdf)
    assert pages <= 2
    assert re.search(r"Earlier checks in this episode: • Tue 03 Mar 2026, 07:15: Emergency: "
                     r"go to hospital now\. You have new trouble peeing\. \(NHS-BACKPAIN\)",
                     text), text
    html = render_report_html(two_weeks(), kb=kb, now=ONSET + timedelta(days=15))
    assert "Earlier checks" not in html  # none: no heading


def test_the_most_urgent_earlier_checks_are_the_ones_listed(kb):
    quiet = [_check(ONSET + timedelta(hours=h), "self_care") for h in range(1, 7)]
    urgent = _check(ONSET + timedelta(minutes=30), "emergency_ambulance", "chest-pain",
                    "You have chest pain.")
    html = render_report_html(two_weeks(earlier=(urgent, *quiet)), kb=kb,
                              now=ONSET + timedelta(days=15))
    assert "You have chest pain." in html  # the oldest, yet kept: the most urgent
    assert html.count("Self-care at home.") == 4 and "2 more earlier checks" in html
