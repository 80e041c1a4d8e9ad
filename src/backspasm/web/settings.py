"""Settings of one running web app (built by ``backspasm serve`` or by tests)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """What the app needs to know at start-up. Everything has a safe default."""

    #: SQLAlchemy URL of the diary database; ``None`` means the store's default (SQLite).
    database_url: str | None = None
    #: Personal mode (False): one local profile, no sign-in, loopback only.
    multi_user: bool = False
    #: Region of a new profile; ``None``: not chosen, so the pages use the one of the time
    #: zone (``core.region``) until the person chooses in Settings.
    region: str | None = None
    #: IANA time zone used until the profile says otherwise.
    timezone: str = "UTC"
    #: Knowledge directory (tests point this at a copy); ``None`` means the packaged one.
    knowledge_dir: str | None = None
    #: Mark cookies ``Secure`` (set when served over https).
    secure_cookies: bool = False
    #: How long an unfinished triage journey is kept on the server, in hours.
    journey_hours: int = 24
    #: Tests only (``serve --timer-stage-seconds``): every timer stage lasts this many
    #: seconds. No request can change a clinical duration (H28); only this setting can.
    timer_stage_seconds: int | None = None
    #: Multi-user mode: the address people use (``https://diary.example.org``). Its host is
    #: the only ``Host`` the app answers, and links the app builds start with it.
    public_url: str | None = None
    #: Once the first request is answered, compile the templates and prepare the PDF
    #: report's engine (web/warmup.py; ``serve`` sets it, tests leave it off).
    warm_up: bool = False
    #: Keep the pages worked out from the diary (the plan, the diary, the status, the start
    #: and question pages) until the diary changes or the minute turns (web/kept.py:
    #: personal mode on SQLite only). ``serve --fresh-pages`` turns it off,
    #: to measure what working a page out costs.
    keep_pages: bool = True
