"""Gunicorn settings for course_app: ``course-app serve`` applies them, and operators name them as
``gunicorn -c python:course_app.gunicorn_config 'course_app:create_app()'`` (that module re-exports these).

No access log is written, and no message of gunicorn's own names a client address
(``serving.gunicorn_logging.AddresslessLogger``, S4); gunicorn's own error pages carry the security
headers (``serving.gunicorn_worker.HeadersThreadWorker``, S6). Workers finish the requests they have
before exiting on SIGTERM/SIGHUP (graceful shutdown). Slow clients are absorbed by the front
server (docs/deploy.md); never expose gunicorn itself to the internet. Before any worker starts, the
master checks the settings and the database (``on_starting``): a database not migrated to this
version stops the server with one line saying so, instead of failing learners' requests.
"""

import os
from typing import Any

from .readiness import problem_before_serving

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WORKERS", "2"))
threads = int(os.environ.get("THREADS", "4"))
worker_class = "course_app.serving.gunicorn_worker.HeadersThreadWorker"
logger_class = "course_app.serving.gunicorn_logging.AddresslessLogger"
accesslog = None
disable_redirect_access_to_syslog = True
errorlog = "-"
loglevel = "info"
graceful_timeout = 30
timeout = 60
keepalive = 5
# Headers larger than this are refused before the app sees them.
limit_request_field_size = 8190
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "course-app"
# No control socket in the home folder: operators stop and reload with signals (see docs).
control_socket_disable = True


def on_starting(server: Any) -> None:
    """Refuse to start, with the reason, when the settings are wrong or the database is not usable."""
    problem = problem_before_serving()
    if problem is not None:
        server.log.error("not serving: %s", problem)
        raise SystemExit(1)
