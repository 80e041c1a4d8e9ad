"""The optional name and date of birth (revision 0007): never required, set and cleared from
the terminal and the Settings page, checked, carried by the diary's own export, gone with
``forget``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from typer.testing import CliRunner

from backspasm.cli import _register, app
from backspasm.store import open_store
from backspasm.store.errors import StoreError
from web_helpers import make_client

_register()
runner = CliRunner()


def test_a_new_profile_has_no_name_or_birth_date_and_they_can_be_set_and_cleared(store):
    p = store.create_profile(key="me", tz="Europe/London")
    assert (p.name, p.birth_date) == (None, None)
    p = store.update_profile(p.id, name="  Ann   Lee ", birth_date=date(1980, 4, 30))
    assert (p.name, p.birth_date) == ("Ann Lee", date(1980, 4, 30))
    assert store.get_profile(p.id) == p
    p = store.update_profile(p.id, name="   ", birth_date=None)
    assert (p.name, p.birth_date) == (None, None)


@pytest.mark.parametrize("changes,field", [
    ({"name": "x" * 201}, "name"),
    ({"name": "nul\x00"}, "name"),
    ({"birth_date": "1980-04-30"}, "birth_date"),
    ({"birth_date": datetime(1980, 4, 30, tzinfo=UTC)}, "birth_date"),
    ({"birth_date": date(1899, 12, 31)}, "birth_date"),
    ({"birth_date": datetime.now(UTC).date() + timedelta(days=2)}, "birth_date"),
])
def test_bad_name_or_birth_date_is_refused_by_field_and_changes_nothing(store, changes, field):
    p = store.create_profile(key="me", tz="Europe/London")
    store.update_profile(p.id, name="Ann")
    with pytest.raises(StoreError) as err:
        store.update_profile(p.id, tz="America/New_York", **changes)
    assert err.value.field == field
    after = store.get_profile(p.id)
    assert (after.tz, after.name) == ("Europe/London", "Ann")


def test_the_diary_export_carries_them_and_an_older_export_without_them_still_imports(
        tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'a.db'}") as a:
        p = a.create_profile(key="me", tz="Europe/London")
        a.update_profile(p.id, name="Ann Lee", birth_date=date(1980, 4, 30))
        doc = a.export_profile(p.id)
    assert doc["profile"]["name"] == "Ann Lee" and doc["profile"]["birth_date"] == "1980-04-30"
    with open_store(f"sqlite:///{tmp_path / 'b.db'}") as b:
        q = b.create_profile(key="me")
        b.import_profile(q.id, doc)
        got = b.get_profile(q.id)
        assert (got.name, got.birth_date) == ("Ann Lee", date(1980, 4, 30))
        old = json.loads(json.dumps(doc))
        del old["profile"]["name"], old["profile"]["birth_date"]
        b.import_profile(q.id, old, replace=True)
        assert b.get_profile(q.id).name is None


def test_forget_takes_the_name_and_birth_date_with_the_profile(store):
    p = store.create_profile(key="me")
    store.update_profile(p.id, name="Ann Lee", birth_date=date(1980, 4, 30))
    store.forget(p.id)
    assert store.profile_by_key("me") is None


def test_the_profile_command_sets_shows_and_clears_them(sqlite_url):
    def run(*args: str):
        return runner.invoke(app, ["profile", *args, "--db", sqlite_url])

    r = run("--name", "Ann Lee", "--birth-date", "1980-04-30", "--json")
    assert r.exit_code == 0, r.output
    shown = json.loads(r.stdout)
    assert (shown["name"], shown["birth_date"]) == ("Ann Lee", "1980-04-30")
    r = run("--birth-date", "30/04/1980")
    assert r.exit_code == 2 and "--birth-date: expected a date such as 1980-04-30" in r.stderr
    r = run("--birth-date", "2999-01-01", "--name", "Bob")
    assert r.exit_code == 2 and "birth_date" in r.stderr
    assert json.loads(run("--json").stdout)["name"] == "Ann Lee", "nothing half-applied"
    r = run("--name", "", "--birth-date", "", "--json")
    assert r.exit_code == 0
    assert (json.loads(r.stdout)["name"], json.loads(r.stdout)["birth_date"]) == (None, None)


GOOD = {"tz": "Europe/London", "wake": "07:00", "sleep": "22:00", "region": "GB"}


def test_settings_page_asks_for_them_as_optional_and_saves_them(tmp_path):
    client = make_client(tmp_path)
    html = client.get("/settings").text
    assert 'name="name"' in html and 'name="birth_date"' in html and "(optional)" in html
    r = client.post("/settings", data=GOOD)
    assert r.status_code == 200 and "Your settings are saved" in r.text, "not required"
    r = client.post("/settings", data={**GOOD, "name": "Ann  Lee", "birth_date": "1980-04-30"})
    assert r.status_code == 200
    store, pid = client.app.state.store, client.app.state.diary.local_profile_id()
    p = store.get_profile(pid)
    assert (p.name, p.birth_date) == ("Ann Lee", date(1980, 4, 30))
    assert 'value="Ann Lee"' in r.text and 'value="1980-04-30"' in r.text


@pytest.mark.parametrize("field,value,message", [
    ("birth_date", "30/04/1980", "Enter your date of birth as a real date"),
    ("birth_date", "2999-01-01", "Enter your date of birth as a real date"),
    ("birth_date", "1980-02-30", "Enter your date of birth as a real date"),
    ("name", "x" * 201, "Keep your name under 200 characters"),
])
def test_bad_name_or_birth_date_on_the_settings_page_names_the_field_and_saves_nothing(
        tmp_path, field, value, message):
    client = make_client(tmp_path)
    store, pid = client.app.state.store, client.app.state.diary.local_profile_id()
    before = store.get_profile(pid)
    r = client.post("/settings", data={**GOOD, "tz": "America/New_York", field: value})
    assert r.status_code == 422 and message in r.text and f'href="#{field}"' in r.text
    assert store.get_profile(pid) == before
