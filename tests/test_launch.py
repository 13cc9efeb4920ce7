"""`make run`'s start-up (services/launch.py): what it imports ahead of the first page,
and that the first page of the list does not need the app's store."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from services.launch import first_page_imports
from tests.harness import ROOT, DemoAPI

pytestmark = pytest.mark.app


def test_the_launcher_imports_the_first_page_s_modules_not_its_callbacks_ones() -> None:
    names = first_page_imports()
    assert {"components.connection", "components.dashboard_table", "services.reads"} <= set(names)
    assert {"pandas", "pyarrow"} <= set(names)
    # imported by the list page's callbacks (a write, a bulk choice, an export)
    assert not {"services.dashboards", "services.bulk", "services.transfer"} & set(names)


def test_a_first_visit_to_the_list_does_not_load_the_store(app_env: DemoAPI) -> None:
    """SQLAlchemy and the store are what a first visit would wait for without using: the
    list page imports the write services only where a write starts."""
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('app.py', default_timeout=60)\n"
        "at.run()\n"
        "assert not at.exception, at.exception\n"
        "assert any(str(d.key).startswith('dash_table_') for d in at.dataframe)\n"
        "loaded = sorted(m for m in ('sqlalchemy', 'admin_store', 'altair') if m in sys.modules)\n"
        "print('loaded=' + ','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "loaded="
