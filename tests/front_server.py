"""The documented nginx configuration, run as written with Debian's nginx on 127.0.0.1 (tests and load test).

``docs/deploy.md`` shows two files an operator installs: the ``http``-level settings and the
site snippet. They are taken from the document itself (the fenced blocks after their headings),
with only the example paths and the app's port replaced, and wrapped in a minimal nginx.conf
that listens on a free loopback port — so a change to the document is what the tests run.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import PROJECT_DIR
from tests.serving import free_port

DEPLOY_GUIDE = PROJECT_DIR / "docs" / "deploy.md"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HTTP_SETTINGS_HEADING = "**1. `/etc/nginx/conf.d/course_app.conf`**"
SITE_SNIPPET_HEADING = "**2. `/etc/nginx/snippets/course_app.conf`**"


def documented_block(heading: str) -> str:
    """The first ```nginx block after ``heading`` in docs/deploy.md."""
    text = DEPLOY_GUIDE.read_text(encoding="utf-8")
    after = text[text.index(heading):]
    match = re.search(r"```nginx\n(.*?)```", after, re.S)
    assert match, f"no nginx block after {heading} in {DEPLOY_GUIDE}"
    return match.group(1)


@dataclass
class FrontServer:
    process: subprocess.Popen[bytes]
    port: int
    folder: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def error_log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


def run_nginx(folder: Path, port: int) -> FrontServer:
    """Check ``folder/nginx.conf``, start nginx on it in the foreground, and wait until it listens on ``port``."""
    if not Path(NGINX).exists():
        raise RuntimeError("nginx is missing: install Debian's package with 'apt-get install -y nginx-light'")
    check = subprocess.run([NGINX, "-t", "-c", str(folder / "nginx.conf"), "-p", str(folder)], capture_output=True,
                           text=True, check=False)
    if check.returncode != 0:
        raise RuntimeError(f"the nginx configuration does not load:\n{check.stderr}")
    process = subprocess.Popen([NGINX, "-c", str(folder / "nginx.conf"), "-p", str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return FrontServer(process, port, folder)
        except OSError:
            time.sleep(0.05)
    process.terminate()
    raise RuntimeError("nginx did not start listening")


def write_nginx_conf(folder: Path, http_body: str, *, connections: int = 1024) -> None:
    """The test harness's nginx.conf in ``folder``: foreground, everything (pid, temporary files, error
    log) inside the folder, and ``http_body`` inside the ``http`` block."""
    temporary = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temporary.values():
        path.mkdir(exist_ok=True)
    temp_paths = "\n".join(f"    {name if name != 'body' else 'client_body'}_temp_path {path};"
                           for name, path in temporary.items())
    (folder / "nginx.conf").write_text(f"""
# Test harness only: run in the foreground as the test's own user, everything in {folder}.
daemon off;
user root;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log crit;
events {{ worker_connections {connections}; }}
http {{
    include /etc/nginx/mime.types;
{temp_paths}
{http_body}
}}
""")


def start_front_server(folder: Path, app_port: int, lessons_dir: Path, media_dir: Path | None = None) -> FrontServer:
    """nginx with the documented configuration in front of the app on ``app_port``."""
    folder.mkdir(parents=True, exist_ok=True)
    media_dir = media_dir or folder / "no-media"
    media_dir.mkdir(exist_ok=True)
    replacements = {
        "/var/log/nginx/course_app.error.log": str(folder / "error.log"),
        "/var/cache/nginx/course_app": str(folder / "cache"),
        "server 127.0.0.1:5000;": f"server 127.0.0.1:{app_port};",
        "/srv/course_app/lessons/": f"{lessons_dir.resolve()}/",
        "/srv/course_media/": f"{media_dir.resolve()}/",
    }
    http_settings, site = documented_block(HTTP_SETTINGS_HEADING), documented_block(SITE_SNIPPET_HEADING)
    for old, new in replacements.items():
        http_settings, site = http_settings.replace(old, new), site.replace(old, new)
    (folder / "course_app.conf").write_text(http_settings)
    (folder / "site.conf").write_text(site)
    port = free_port()
    write_nginx_conf(folder, f"""    default_type application/octet-stream;
    include {folder}/course_app.conf;
    server {{
        listen 127.0.0.1:{port};
        server_name _;
        include {folder}/site.conf;
    }}""")
    return run_nginx(folder, port)


def start_static_server(folder: Path, root: Path) -> FrontServer:
    """nginx serving the files of ``root`` as they are (the yardstick the benchmarks compare with)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    write_nginx_conf(folder, f"""    access_log off;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}""")
    return run_nginx(folder, port)


MIRROR_HEADING = "### Mirrors as a plain static folder"


def start_mirror_server(folder: Path, mirror: Path) -> FrontServer:
    """nginx with the documented server block for a static mirror, serving ``mirror`` on a free loopback port."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = documented_block(MIRROR_HEADING).replace("listen 127.0.0.1:8081;", f"listen 127.0.0.1:{port};") \
        .replace("root /srv/course_mirror;", f"root {mirror.resolve()};")
    write_nginx_conf(folder, server, connections=64)
    return run_nginx(folder, port)
