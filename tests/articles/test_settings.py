"""Settings read from the environment and a .env file; logging prints each line once."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_django(code: str, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environ |= {"DJANGO_SETTINGS_MODULE": "factcheck.settings", **env}
    script = f"import django; django.setup()\n{code}"
    return subprocess.run(  # noqa: S603 -- our own interpreter and code
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_settings_read_a_dotenv_file_and_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\nFACTCHECK_ORGANISATION=Porthallow Gazette\nLIVE_POLL_MS=7000\n"
    )
    result = run_django(
        "from django.conf import settings\n"
        "print(settings.FACTCHECK_ORGANISATION, settings.LIVE_POLL_MS)",
        ENV_FILE=str(env_file),
        DEBUG="1",
        LIVE_POLL_MS="2500",
    )
    assert result.stdout.strip() == "Porthallow Gazette 2500"


def test_a_log_line_prints_once_with_debug_on():
    result = run_django(
        "import logging\nlogging.getLogger('django.request').warning('only once')",
        DEBUG="1",
        ENV_FILE="",
    )
    assert result.stderr.count("only once") == 1


def test_scripts_start_says_what_it_is_doing_before_each_slow_step():
    venv = (ROOT / "scripts" / "_venv.sh").read_text()
    start = (ROOT / "scripts" / "start").read_text()
    assert venv.index("echo") < venv.index("-m venv")
    assert venv.index("the first time takes a few minutes") < venv.index("pip install")
    assert start.index('echo "Preparing the database') < start.index("migrate")
    assert start.index('echo "Loading the demo story') < start.index("load_demo")
