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
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback only in personal mode)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    db: str | None = typer.Option(None, "--db", help="Database URL or SQLite file (default: $BACKSPASM_DATABASE_URL, else SQLite in your data folder)."),
    tz: str | None = typer.Option(None, "--tz", help="Time zone for a new profile (default: this computer's)."),
    region: str = typer.Option("GB", "--region", help="Region for emergency numbers for a new profile: GB, US or EU."),
) -> None:
    """Start the web app and print its address."""
    if not is_loopback(host):
        fail(f"--host: expected a loopback address such as 127.0.0.1 in personal mode "
             f"(no sign-in), got {host!r}")
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from backspasm.cli.plan import local_zone_name

    zone = tz or local_zone_name()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"--tz: expected an IANA time zone name such as Europe/London, got {zone!r}")
    if region.upper() not in ("GB", "US", "EU"):
        fail(f"--region: expected one of GB, US, EU, got {region!r}")

    import uvicorn

    from backspasm.store import DatabaseError
    from backspasm.web.app import create_app
    from backspasm.web.settings import Settings

    settings = Settings(database_url=db, timezone=zone, region=region.upper())
    try:
        web = create_app(settings)
    except DatabaseError as exc:
        fail(f"--db: {exc}")
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"backspasm is running at http://{shown}:{port}/  (press Ctrl+C to stop)")
    uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False,
                server_header=False)
