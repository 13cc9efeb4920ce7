"""admin_store never loads Streamlit (the app's pages call it; it never calls them)."""

import subprocess
import sys

import pytest

pytestmark = [pytest.mark.unit, pytest.mark.store]


def test_admin_store_never_loads_streamlit() -> None:
    code = (
        "import sys, pkgutil, importlib, admin_store\n"
        "for m in pkgutil.iter_modules(admin_store.__path__):\n"
        "    importlib.import_module('admin_store.' + m.name)\n"
        "assert 'streamlit' not in sys.modules, 'streamlit was imported'\n"
        "assert set(admin_store.__all__) <= set(dir(admin_store))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
