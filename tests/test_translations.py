"""Every string a consumer or agent sees is in Spanish too, and the committed catalogs are current."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from hod.env import envbool

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOG.with_suffix(".mo")
SOURCES = ["hod", "agents", "referrals", "matching", "notifications", "templates", "manage.py"]


def needs_gettext() -> None:
    if shutil.which("xgettext") and shutil.which("msgfmt"):
        return
    reason = "needs GNU gettext (apt install gettext)"
    if envbool("HOD_REQUIRE_SERVICES", False):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def test_the_spanish_catalog_has_no_untranslated_or_fuzzy_entry():
    catalog = polib.pofile(str(CATALOG))

    assert [entry.msgid for entry in catalog.untranslated_entries()] == []
    assert [entry.msgid for entry in catalog.fuzzy_entries()] == []
    assert [entry.msgid for entry in catalog.obsolete_entries()] == []


def test_msgfmt_counts_every_message_translated():
    needs_gettext()
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOG)], capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr
    assert result.stderr.strip().endswith("translated messages.")


def _translations(catalog) -> dict:
    return {
        (entry.msgctxt, entry.msgid): entry.msgstr or tuple(sorted(entry.msgstr_plural.items()))
        for entry in catalog
        if entry.msgid and (entry.msgstr or entry.msgstr_plural)
    }


def test_the_committed_mo_file_is_compiled_from_the_po_file():
    source = _translations(polib.pofile(str(CATALOG)))
    compiled = _translations(polib.mofile(str(COMPILED)))

    assert compiled == source, "run `make messages` and commit locale/"


def test_the_po_file_holds_every_string_marked_in_the_code(tmp_path):
    needs_gettext()
    copy = tmp_path / "project"
    copy.mkdir()
    for name in SOURCES:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, copy / name)
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "es", "--no-location", "-v", "0"],
        cwd=copy,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "hod.settings", "HOD_VAR_DIR": str(tmp_path / "var")},
    )
    marked = {entry.msgid for entry in polib.pofile(str(copy / "locale/es/LC_MESSAGES/django.po"))}
    committed = {entry.msgid for entry in polib.pofile(str(CATALOG))}

    assert sorted(marked - committed) == [], "strings marked for translation but missing from the catalog"
    assert sorted(committed - marked) == [], "catalog entries no longer in the code"
