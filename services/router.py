"""The one workaround for Streamlit's old "pages directory" mode.

With a `pages/` folder beside app.py (the design keeps it), Streamlit starts each process
in that old mode and keeps it until `st.navigation` has run once. A deep link
(`/editor?dashboard=7`) as the first request of a process then runs the page file alone:
no router, no sidebar, no page config. AppTest goes further and puts the mode back before
every run, so from its second run on it runs the current page without app.py.

`leave_pages_directory_mode` is the workaround; `ensure_router` applies it in the app and
`apptest_runs_through_the_router` in the tests and benchmarks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import streamlit as st


def leave_pages_directory_mode() -> bool:
    """Switch the old mode off; True when it was on."""
    from streamlit.runtime.pages_manager import PagesManager

    if not PagesManager.uses_pages_directory:
        return False
    PagesManager.uses_pages_directory = False
    return True


def start_outside_pages_directory_mode() -> None:
    """Before Streamlit's server starts (services/launch.py): the process never enters
    the old mode (Streamlit decides it only while it is undecided), so the first page
    of a process needs no second run through the router."""
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


def ensure_router() -> None:
    """Make sure this run went through app.py's `st.navigation`: leaving the old mode and
    rerunning lands on the same page, this time through the router. Not under AppTest: a
    rerun there would drop the test's widget input (see `apptest_runs_through_the_router`)."""
    from streamlit import config

    # streamlit.config, not st.get_option: AppTest patches the former only.
    if config.get_option("global.appTest"):
        return
    if leave_pages_directory_mode():
        st.rerun()


@contextmanager
def apptest_runs_through_the_router() -> Iterator[None]:
    """For AppTest: leave the old mode as each run starts, as the real server does once
    st.navigation has run, so every run goes through app.py."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        leave_pages_directory_mode()

    with mock.patch.object(PagesManager, "__init__", init):
        yield
