"""``course-app preview`` for an educator and ``course-app serve`` for learners."""

from __future__ import annotations

import errno
import signal
import socket
import sys
import tempfile
import threading
from pathlib import Path

import click
from flask import current_app
from werkzeug.serving import make_server

from .. import create_app, db
from ..serving.gunicorn_server import run_gunicorn
from .app_context import with_reachable_database
from .database import seal_staff_secrets


def _stop_on_interrupt_or_terminate() -> None:
    """Ctrl+C and SIGTERM end the preview cleanly (its throwaway database removed), even when it was
    started from a script or in the background, where a shell starts commands with Ctrl+C ignored."""
    def stop(_signal: int, _frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)


@click.command("preview")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=int, envvar="PREVIEW_PORT",
              help="Port to listen on (or PREVIEW_PORT).")
@click.option("--lessons", "lessons_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The lessons folder (default: LESSONS_DIR).")
def preview(host: str, port: int, lessons_dir: Path | None) -> None:
    """Serve the site for an educator until Ctrl+C: drafts shown, files re-read on every page, problems on it.

    Uses a throwaway database, so nothing done in the preview reaches real data.
    """
    with tempfile.TemporaryDirectory(prefix="course-app-preview-") as instance:
        settings: dict[str, object] = {"INSTANCE_PATH": instance, "PREVIEW": True, "DATABASE_URL": ""}
        if lessons_dir is not None:
            settings["LESSONS_DIR"] = str(lessons_dir.resolve())
        app = create_app(settings)
        db.upgrade_database(app)
        try:
            # Werkzeug's server itself: Flask's app.run() does nothing when started from its own CLI.
            server = make_server(host, port, app, threaded=True)
        except OSError as error:
            raise click.ClickException(f"cannot listen on {host}:{port} ({error.strerror}): "
                                       "choose another port with --port") from None
        try:
            _stop_on_interrupt_or_terminate()
            click.echo(f"preview of {app.config['LESSONS_DIR']} on http://{host}:{server.server_port}/  "
                       "(Ctrl+C stops it)")
            server.serve_forever()
        except KeyboardInterrupt:
            pass  # Ctrl+C is how a preview ends
        finally:
            server.server_close()
        click.echo("preview stopped")


def listening_problem(host: str, port: int) -> str | None:
    """Why nothing could listen on ``host:port`` now (the port is in use, the address is not this machine's), or None.

    Asked before gunicorn starts, which would otherwise announce the address, retry for five
    seconds and then give up with the address hidden by its log filter.
    """
    address = f"http://{host}:{port}/"
    try:
        family, kind, proto, _name, where = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                               flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as error:
        return f"cannot listen on {address}: '{host}' is not an address of this machine ({error.strerror})"
    with socket.socket(family, kind, proto) as probe:
        # As gunicorn binds: a port left in TIME_WAIT by a server just stopped is free, not in use.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(where)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return (f"port {port} is in use: something already listens on {address}; stop it, or choose another "
                        f"port (PORT={port + 1} make run, or course-app serve --port {port + 1})")
            return f"cannot listen on {address}: {error.strerror}"
    return None


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (default: HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default: PORT or 5000).")
@with_reachable_database
def serve(host: str | None, port: int | None) -> None:
    """Migrate the database, then serve the site with gunicorn (no access log, no client addresses)."""
    host, port = host or current_app.config["HOST"], port or current_app.config["PORT"]
    problem = listening_problem(host, port)
    if problem is not None:
        # Said here, on standard error, not through gunicorn's log, whose filter hides addresses.
        click.echo(f"not serving: {problem}", err=True)
        sys.exit(1)
    db.upgrade_database(current_app)
    seal_staff_secrets()
    run_gunicorn(host, port, workers=current_app.config["WORKERS"], threads=current_app.config["THREADS"])
