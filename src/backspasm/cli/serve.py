"""``backspasm serve``: run the web app with uvicorn.

Personal mode (the default) has no sign-in, so it listens only on the loopback interface:
anything else would hand your diary to the network.
"""

from __future__ import annotations

import ipaddress

import typer

from backspasm.cli.app import app, fail

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and the usual names for them."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (loopback only in personal mode)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    db: str | None = typer.Option(
        None, "--db", help="Database URL or SQLite file (default: $BACKSPASM_DATABASE_URL, "
        "else SQLite in your data folder)."),
    tz: str | None = typer.Option(
        None, "--tz", help="Time zone for a new profile (default: this computer's)."),
    region: str | None = typer.Option(
        None, "--region", help="Region for emergency numbers for a new profile: GB, US or EU "
        "(default: chosen from the profile's time zone until the person picks one)."),
    multi_user: bool = typer.Option(
        False, "--multi-user",
        help="Accounts with sign-in (e-mail and password); may listen on any address."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64,
        help="Number of app processes (they share nothing but the database)."),
    secure_cookies: bool = typer.Option(
        False, "--secure-cookies",
        help="Mark cookies Secure: set this when the app is served over https "
        "(e.g. behind a proxy)."),
    timer_stage_seconds: int | None = typer.Option(
        None, "--timer-stage-seconds", min=1, max=60, hidden=True,
        help="Tests only: every timer stage lasts this many seconds."),
    public_url: str | None = typer.Option(
        None, "--public-url",
        help="Multi-user mode (required there): the address people open, such as "
        "https://diary.example.org. The app answers only that host name and builds its "
        "links from it."),
    proxy: bool = typer.Option(
        False, "--proxy",
        help="Behind a reverse proxy on this machine: take the client's address and scheme "
        "from X-Forwarded-For/-Proto sent by 127.0.0.1 (off by default: any local program "
        "could claim any address)."),
    forwarded_allow_ips: str | None = typer.Option(
        None, "--forwarded-allow-ips",
        help="Like --proxy, for a proxy at these comma-separated addresses."),
    fresh_pages: bool = typer.Option(
        False, "--fresh-pages", hidden=True,
        help="Work out every page afresh on every request, even when the diary did not "
        "change (for measuring what that costs)."),
) -> None:
    """Start the web app and print its address."""
    from backspasm.cli.app import say

    if not multi_user and not is_loopback(host):
        fail(say("errors.loopback", option="--host", got=repr(host)))
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from backspasm.cli.plan import local_zone_name

    zone = tz or local_zone_name()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        fail(say("errors.time_zone", option="--tz", got=repr(zone)))
    from backspasm.knowledge import load_knowledge

    ids = load_knowledge().regions.ids  # regions.yaml
    if region is not None and region.upper() not in ids:
        fail(say("errors.one_of", option="--region", choices=", ".join(ids), got=repr(region)))
    from backspasm.web.hosts import PublicUrlError, parse_public_url

    if public_url is not None and not multi_user:
        fail(say("errors.public_url_alone"))
    if multi_user:
        try:
            public_url = parse_public_url(public_url)
        except PublicUrlError as exc:
            fail(f"--{str(exc).replace('_', '-', 1)}")

    import uvicorn

    from backspasm.store import DatabaseError
    from backspasm.web.app import create_app
    from backspasm.web.settings import Settings

    settings = Settings(database_url=db, timezone=zone,
                        region=region.upper() if region else None, multi_user=multi_user,
                        secure_cookies=secure_cookies, timer_stage_seconds=timer_stage_seconds,
                        public_url=public_url, warm_up=True, keep_pages=not fresh_pages)
    try:
        web = create_app(settings)  # also migrates the database once, before any worker
    except DatabaseError as exc:
        fail(say("errors.db", why=exc))
    bare = host.strip("[]")
    shown = f"[{bare}]" if ":" in bare else bare
    typer.echo(say("serve.running", url=f"http://{shown}:{port}/"))
    # uvicorn binds "::1", not "[::1]".
    options = {"host": bare, "port": port, "log_level": "warning", "access_log": False,
               "server_header": False,
               # uvicorn trusts X-Forwarded-* from 127.0.0.1 by default; we do only when asked.
               "proxy_headers": bool(proxy or forwarded_allow_ips),
               "forwarded_allow_ips": forwarded_allow_ips or "127.0.0.1"}
    if workers == 1:
        uvicorn.run(web, **options)
        return
    # Several processes: each builds its own app from the same settings (passed through
    # the environment); sessions, journeys and rate limits all live in the database.
    import dataclasses
    import json
    import os

    web.state.store.close()
    os.environ[SETTINGS_ENV] = json.dumps(dataclasses.asdict(settings))
    uvicorn.run("backspasm.cli.serve:web_factory", factory=True, workers=workers, **options)


#: Environment variable that carries the settings to each worker process.
SETTINGS_ENV = "BACKSPASM_WEB_SETTINGS"


def web_factory():
    """Build the app in a worker process from the settings in ``$BACKSPASM_WEB_SETTINGS``."""
    import json
    import os

    from backspasm.web.app import create_app
    from backspasm.web.settings import Settings

    return create_app(Settings(**json.loads(os.environ[SETTINGS_ENV])))
