"""The README's install-and-run command works on a fresh copy, as a new user would run it."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from .conftest import PROJECT_ROOT, free_port

INSTALL_TIMEOUT_S = 900


def readme_command(heading: str) -> str:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"## {heading}", 1)[1]
    return re.search(r"```sh\n(.+?)\n```", section, re.S).group(1).strip()


def copy_checkout(destination):
    """The project's tracked and new (not ignored) files, as a fresh clone would have them."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = PROJECT_ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def test_the_test_command_is_what_ci_runs():
    assert readme_command("Test") == "bash scripts/test.sh"
    assert "scripts/test.sh" in (PROJECT_ROOT / ".ci" / "run").read_text()


@pytest.mark.skipif(
    os.environ.get("POLICYSEARCH_SKIP_INSTALL_TEST") == "1",
    reason="POLICYSEARCH_SKIP_INSTALL_TEST=1",
)
def test_install_and_run_command_serves_the_shipped_corpus(tmp_path):
    command = readme_command("Install and run")
    assert command.endswith("policysearch serve")
    project = tmp_path / "policysearch"
    copy_checkout(project)
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("POLICYSEARCH_", "VIRTUAL_ENV", "PYTHON"))
    }
    log = open(tmp_path / "serve.log", "w")
    process = subprocess.Popen(
        ["bash", "-c", f"{command} --port {port}"],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api/search?" + urllib.parse.urlencode({"q": "공유도시"})
    try:
        deadline = time.monotonic() + INSTALL_TIMEOUT_S
        data = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    data = json.load(response)
                    break
            except OSError:
                time.sleep(1)
        assert data is not None, (tmp_path / "serve.log").read_text()[-3000:]
        assert data["hits"][0]["id"] == "seoulsolution-037"
        assert (project / "policysearch-index" / "CURRENT").is_file()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        log.close()
