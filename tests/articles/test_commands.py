"""Management commands: scripted import and the demo data."""

import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command

from articles.models import Story, Version
from tests.conftest import ORIGINAL

pytestmark = pytest.mark.django_db


def test_import_version_imports_a_file_into_a_new_story(tmp_path, editor, capsys):
    path = tmp_path / "report.txt"
    path.write_text(ORIGINAL, encoding="utf-8")
    call_command(
        "import_version", str(path), story="Sea wall", label="Original", user=editor.username
    )
    version = Version.objects.get()
    assert version.story.title == "Sea wall" and version.text == ORIGINAL
    assert f"{version.sentences.count()} sentences" in capsys.readouterr().out


def test_import_version_reports_a_bad_file_clearly(tmp_path, editor):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"\xff\xfe\x00\x00binary")
    with pytest.raises(CommandError, match="binary"):
        call_command("import_version", str(path), story="S", label="L", user=editor.username)
    assert not Version.objects.exists()


def test_load_demo_creates_accounts_and_a_two_version_story_idempotently(
    settings, tmp_path, monkeypatch
):
    monkeypatch.setenv("FACTCHECK_SEEDS", str(tmp_path / "nowhere"))
    call_command("load_demo")
    call_command("load_demo")
    story = Story.objects.get()
    assert story.versions.count() == 2
    assert {u.username for u in story.members.all()} == {"reviewer1", "reviewer2"}
    from django.contrib.auth import get_user_model

    editor = get_user_model().objects.get(username="editor")
    assert editor.check_password("factcheck-demo")
    assert editor.groups.filter(name="Editors").exists()


COMPOSE = shutil.which("docker-compose")


@pytest.mark.skipif(COMPOSE is None, reason="docker-compose not installed (.ci/run installs it)")
def test_docker_compose_file_is_valid(settings):
    result = subprocess.run(  # noqa: S603 -- fixed arguments
        [COMPOSE, "config", "-q"],
        cwd=settings.BASE_DIR,
        env={"SECRET_KEY": "x", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
