"""Region everywhere (H27): every emergency number, "A&E"/"ER" and "111" comes from the
person's region; with none chosen, from their time zone, shown with a way to change it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backspasm.core.answers import AnswersError
from backspasm.core.region import choose_region, region_from_time_zone
from backspasm.knowledge import load_knowledge
from web_helpers import SELF_CARE, make_client, text_of, walk

BIN = Path(sys.executable).with_name("backspasm")
BLADDER = json.dumps({"bladder_bowel_change": True})
KB = load_knowledge()


@pytest.mark.parametrize(("tz", "region", "source"), [
    ("Europe/London", "GB", "time_zone"), ("America/New_York", "US", "time_zone"),
    ("America/Los_Angeles", "US", "time_zone"), ("Europe/Paris", "EU", "time_zone"),
    ("Europe/Berlin", "EU", "time_zone"), ("Asia/Tokyo", "GB", "default"),
    ("UTC", "GB", "default"), (None, "GB", "default"),
])
def test_no_region_chosen_means_the_region_of_the_time_zone(tz, region, source):
    choice = choose_region(KB, tz=tz)
    assert (choice.id, choice.source, choice.chosen) == (region, source, False)


def test_a_chosen_region_wins_and_an_override_wins_over_it():
    assert choose_region(KB, profile_region="US", tz="Europe/London").id == "US"
    choice = choose_region(KB, override="eu", profile_region="US", tz="America/Chicago")
    assert (choice.id, choice.source) == ("EU", "override")
    # an unknown saved region counts as not chosen; an unknown override is an error
    assert choose_region(KB, profile_region="ZZ", tz="America/Chicago").id == "US"
    with pytest.raises(AnswersError, match="region"):
        choose_region(KB, override="UK")
    assert region_from_time_zone(KB, "Europe/London") == "GB"


def test_the_store_keeps_a_region_not_chosen_and_exports_it_as_null(store):
    p = store.create_profile(key="x", tz="America/New_York")
    assert store.get_profile(p.id).region is None
    doc = store.export_profile(p.id)
    assert doc["profile"]["region"] is None
    q = store.create_profile(key="y")
    store.import_profile(q.id, doc)
    assert store.get_profile(q.id).region is None
    assert store.update_profile(q.id, region="us").region == "US"


# --- CLI --------------------------------------------------------------------------------

def _cli(db: Path, *args: str, tz: str = "Europe/London",
         input: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BACKSPASM_DATABASE_URL": str(db), "TZ": tz}
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env,
                          input=input, timeout=120)


def _no_gb_words(text: str) -> None:
    assert "999" not in text and "A&E" not in text and "111" not in text


@pytest.mark.parametrize("args", [["--answers", "-"], ["--answers", "-", "--save"],
                                  ["--answers", "-", "--json"]])
def test_cli_triage_uses_the_profile_region(tmp_path, args):
    db = tmp_path / "d.db"
    assert _cli(db, "profile", "--region", "US").returncode == 0
    r = _cli(db, "triage", *args, input=BLADDER)  # this computer says Europe/London
    assert r.returncode == 0, r.stderr
    assert "911" in r.stdout
    _no_gb_words(r.stdout)


def test_cli_interactive_triage_uses_the_profile_region(tmp_path):
    db = tmp_path / "d.db"
    _cli(db, "profile", "--region", "US")
    r = _cli(db, "triage", input="y\n")
    assert "Call 911" in r.stdout and "as in your settings" in r.stdout
    _no_gb_words(r.stdout)


def test_cli_with_no_region_uses_the_time_zone_and_says_how_to_change_it(tmp_path):
    r = _cli(tmp_path / "none.db", "triage", "--answers", "-", tz="America/New_York",
             input=BLADDER)
    assert "911" in r.stdout and "chosen from your time zone (America/New_York)" in r.stdout
    assert "backspasm profile --region" in r.stdout
    _no_gb_words(r.stdout)
    # a diary profile in New York with no region chosen: the same
    db = tmp_path / "d.db"
    _cli(db, "profile", "--tz", "America/New_York", tz="UTC")
    r = _cli(db, "triage", "--answers", "-", "--json", tz="UTC", input=BLADDER)
    out = json.loads(r.stdout)
    assert out["care_card"]["emergency_number"] == "911"
    assert out["region_choice"]["source"] == "time_zone"


def test_cli_region_option_overrides_for_one_run(tmp_path):
    db = tmp_path / "d.db"
    _cli(db, "profile", "--region", "US")
    r = _cli(db, "triage", "--answers", "-", "--region", "EU", input=BLADDER)
    assert "112" in r.stdout and "911" not in r.stdout and "for this run only" in r.stdout
    assert json.loads(_cli(db, "profile", "--json").stdout)["region"] == "US"


def test_report_for_a_us_profile_says_er_not_a_and_e(tmp_path):
    from backspasm.store import open_store

    db = tmp_path / "d.db"
    with open_store(str(db)) as s:
        pid = s.ensure_profile("local", tz="America/New_York", region="US").id
        onset = datetime.now(UTC) - timedelta(hours=30)
        s.start_episode(pid, onset=onset)
        s.log_pain(pid, score=6, at=onset + timedelta(hours=1))
        s.save_triage(pid, answers={"bladder_bowel_change": True}, level="emergency",
                      rules=["bladder-bowel"], knowledge_version="x",
                      at=onset + timedelta(hours=2))
    out = tmp_path / "report.pdf"
    r = _cli(db, "report", str(out))
    assert r.returncode == 0, r.stderr
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "A&E" not in text and "999" not in text
    assert "emergency room" in " ".join(text.split())


# --- web --------------------------------------------------------------------------------

def test_web_with_no_region_uses_the_time_zone_with_a_link_to_settings(tmp_path):
    client = make_client(tmp_path, timezone="America/New_York")
    start = client.get("/")
    assert 'href="tel:911"' in start.text and 'href="/settings#region"' in start.text
    assert "chosen from your time zone" in text_of(start.text)
    r, _ = walk(client, {"chest_pain": "no", "fainting_or_collapse": "no",
                         "saddle_numbness": "no", "bladder_bowel_change": "yes"})
    assert 'href="tel:911"' in r.text and 'href="/settings#region"' in r.text
    _no_gb_words(text_of(r.text))
    settings = client.get("/settings")
    assert 'name="region" value="US" checked' in settings.text
    assert "You have not chosen yet, so this is our guess" in text_of(settings.text)


def test_web_a_zone_of_no_known_region_says_the_number_is_only_a_default(tmp_path):
    client = make_client(tmp_path, timezone="Australia/Sydney")
    start = text_of(client.get("/").text)
    assert "does not tell us where you live" in start
    assert "If you are not in the UK, call your local emergency number" in start
    assert "chosen from your time zone" not in start


def test_cli_a_zone_of_no_known_region_says_the_number_is_only_a_default(tmp_path):
    r = _cli(tmp_path / "none.db", "triage", "--answers", "-", tz="Australia/Sydney",
             input=BLADDER)
    assert r.returncode == 0, r.stderr
    flat = " ".join(r.stdout.replace("│", " ").split())  # the panel's text, unwrapped
    assert "does not tell us where you live" in flat
    assert "If you are not in the UK, call your local emergency number" in flat
    assert "chosen from your time zone" not in flat


@pytest.mark.parametrize("region", ["AU", "FR", "XX", ""])
def test_cli_profile_refuses_a_region_without_numbers(tmp_path, region):
    db = tmp_path / "d.db"
    assert _cli(db, "profile", "--region", "us").returncode == 0  # any case
    r = _cli(db, "profile", "--region", region)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "--region: expected one of GB, US, EU" in r.stderr and repr(region) in r.stderr
    assert json.loads(_cli(db, "profile", "--json").stdout)["region"] == "US"


def test_web_region_chosen_in_settings_is_used(tmp_path):
    client = make_client(tmp_path, timezone="America/New_York")
    client.post("/settings", data={"tz": "America/New_York", "wake": "07:00",
                                   "sleep": "22:00", "region": "GB"})
    start = client.get("/")
    assert 'href="tel:999"' in start.text and "chosen from your time zone" not in start.text
    r = client.post("/api/v1/triage", json={"bladder_bowel_change": True})
    assert r.json()["care_card"]["emergency_number"] == "999"
    r = client.post("/api/v1/triage?region=US", json={"bladder_bowel_change": True})
    assert r.json()["care_card"]["emergency_number"] == "911"


def test_signed_out_pages_use_the_server_time_zone(tmp_path):
    client = make_client(tmp_path, timezone="Europe/Paris", multi_user=True)
    assert 'href="tel:112"' in client.get("/").text
    assert 'href="tel:112"' in client.get("/signin").text



def test_every_question_page_has_the_persons_emergency_number(tmp_path):
    client = make_client(tmp_path, timezone="America/New_York")
    _, asked = walk(client, SELF_CARE)
    assert len(asked) > 10
    for qid in asked:
        page = client.get(f"/triage/q/{qid}")
        assert page.status_code == 200 and 'href="tel:911"' in page.text, qid
        assert "Do not finish the questions" in text_of(page.text)
    # Where you live changed: the page seen before shows the new number at once.
    client.post("/settings", data={"tz": "America/New_York", "wake": "07:00",
                                   "sleep": "22:00", "region": "GB"})
    page = client.get(f"/triage/q/{asked[0]}")
    assert 'href="tel:999"' in page.text and 'href="tel:911"' not in page.text
