"""services/router.py: the one workaround for Streamlit's old pages-directory mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager

from services.router import (
    apptest_runs_through_the_router,
    leave_pages_directory_mode,
    start_outside_pages_directory_mode,
)

pytestmark = pytest.mark.unit


def test_leaving_the_old_mode_says_whether_it_was_on() -> None:
    before = PagesManager.uses_pages_directory
    try:
        PagesManager.uses_pages_directory = True
        assert leave_pages_directory_mode() is True
        assert PagesManager.uses_pages_directory is False
        assert leave_pages_directory_mode() is False
    finally:
        PagesManager.uses_pages_directory = before


def test_the_apptest_patch_leaves_the_mode_as_each_run_starts_and_is_undone_after() -> None:
    original = PagesManager.__init__
    before = PagesManager.uses_pages_directory
    try:
        with apptest_runs_through_the_router():
            assert PagesManager.__init__ is not original
            PagesManager.uses_pages_directory = True
            PagesManager("app.py")
            assert PagesManager.uses_pages_directory is False
        assert PagesManager.__init__ is original
    finally:
        PagesManager.uses_pages_directory = before


def test_a_process_started_by_the_launcher_never_enters_the_old_mode(tmp_path: Path) -> None:
    """With a pages/ folder beside the main script, Streamlit would decide on the old
    mode when its first PagesManager is made; decided beforehand, it stays off."""
    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").write_text("")
    before = PagesManager.uses_pages_directory
    try:
        PagesManager.uses_pages_directory = None
        PagesManager(str(tmp_path / "app.py"))
        assert PagesManager.uses_pages_directory is True  # what Streamlit decides alone
        PagesManager.uses_pages_directory = None
        start_outside_pages_directory_mode()
        PagesManager(str(tmp_path / "app.py"))
        assert PagesManager.uses_pages_directory is False
    finally:
        PagesManager.uses_pages_directory = before
