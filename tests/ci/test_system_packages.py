""".ci/system-packages: what `make test` and CI check on a machine before any test runs.

The script is run as written, with ``dpkg-query`` and ``id`` replaced by stand-ins on PATH that
describe a machine: which packages it has, at which versions, and a user who is not root (so the
script says what to run instead of running apt-get).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "system-packages"
CURRENT = {"chromium": "156.0.8078.129-1~deb12u1", "chromium-headless-shell": "156.0.8078.129-1~deb12u1",
           "ffmpeg": "7:5.1.6-0+deb12u1", "nginx-light": "1.22.1-9+deb12u2", "minisign": "0.11-1",
           "unzip": "6.0-28", "zip": "3.0-13", "firefox-esr": "153.8.0esr-1~deb12u1",
           "default-jre-headless": "2:1.17-74", "make": "4.3-4.1", "nodejs": "18.19.0",
           "npm": "9.2.0"}


def run_on_machine(tmp_path: Path, versions: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The script on a machine (not as root) whose Debian packages are ``versions``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    table = "\n".join(f"{name} {version}" for name, version in versions.items())
    (bin_dir / "dpkg-query").write_text(f"""#!/bin/bash
format=${{2#-f=}}; package=$3
version=$(printf '%s\\n' "{table}" | awk -v p="$package" '$1 == p {{print $2}}')
[ -n "$version" ] || exit 1
case "$format" in *Status*) echo "install ok installed";; *) printf '%s' "$version";; esac
""")
    (bin_dir / "id").write_text("#!/bin/sh\necho 1000\n")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    environment = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return subprocess.run(["bash", str(SCRIPT)], env=environment, capture_output=True, text=True, timeout=30,
                          check=False)


def test_a_machine_with_everything_at_a_supported_version_passes(tmp_path: Path) -> None:
    result = run_on_machine(tmp_path, {**CURRENT, "firefox-esr": "140.5.0esr-1~deb12u1"})
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize(("package", "version", "least"), [
    ("firefox-esr", "128.14.0esr-1~deb12u1", "140"),
    ("chromium", "120.0.6099.224-1~deb12u1", "156"),
])
def test_a_browser_too_old_for_the_tests_is_named_with_the_command_that_upgrades_it(
        tmp_path: Path, package: str, version: str, least: str) -> None:
    result = run_on_machine(tmp_path, {**CURRENT, package: version})
    assert result.returncode == 1
    major = version.split(".")[0]
    assert f"  {package} {major} is older than the tests need ({least} or newer)" in result.stderr.splitlines()
    assert f"sudo apt-get update && sudo apt-get install -y --no-install-recommends  {package}" in result.stderr


def test_a_missing_package_is_named_in_the_command_to_run(tmp_path: Path) -> None:
    versions = {name: version for name, version in CURRENT.items() if name != "minisign"}
    result = run_on_machine(tmp_path, versions)
    assert result.returncode == 1
    assert "sudo apt-get update && sudo apt-get install -y --no-install-recommends minisign " in result.stderr
