"""`make run`'s entry point: `python -m services.launch [streamlit run options]`.

Without an API key configured (environment or secrets) it first starts the demo API in a
process of its own (services/demo_server.py), which starts (and seeds a fresh clone's
database) on the other core while this one imports what the app's first page imports,
before Streamlit's server starts. So the first visitor's page run neither seeds, nor
starts a server, nor waits for imports: it finds demo data ready, or says "Preparing
demo data…" until it is. (Importing them in a thread once the server was up did no
better: the thread then competed with the server sending Streamlit's page.)
"""

from __future__ import annotations

import ast
import importlib
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The scripts of a first visit: the router and the default page.
FIRST_PAGE = (ROOT / "app.py", ROOT / "pages" / "dashboards.py")
# What their functions import when first called, which no import statement names (PIL:
# Streamlit reads the favicon with it).
FIRST_RUN_LIBRARIES = ("pandas", "pyarrow", "PIL.Image")

log = logging.getLogger(__name__)


def first_page_imports() -> list[str]:
    """The modules the first page's scripts import at their top (not what a callback
    imports when it runs), in order, then its libraries."""
    names: list[str] = []
    for script in FIRST_PAGE:
        for node in ast.parse(script.read_text(), str(script)).body:
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.append(node.module)
    return list(dict.fromkeys([*names, *FIRST_RUN_LIBRARIES]))


def _import_first_page() -> None:
    for name in first_page_imports():
        try:
            importlib.import_module(name)
        except Exception:  # the page run will meet and show the same error
            log.warning("Could not import %s ahead of the first page", name, exc_info=True)


def _skip_the_repl_check() -> None:
    """Streamlit's first element of a process checks whether it runs in a REPL, to warn
    that it should be run with `streamlit run`, which this is. The check walks the stack
    with inspect.stack(), which resolves the file of every loaded module: ~120 ms of the
    first page with this app's modules loaded. Marking the warning as shown skips it."""
    import streamlit.delta_generator

    streamlit.delta_generator._use_warning_has_been_displayed = True


def main(argv: list[str]) -> int:
    from services.demo_server import start_early
    from services.router import start_outside_pages_directory_mode
    from services.settings import configured_settings

    if configured_settings() is None:
        start_early()
    _import_first_page()
    start_outside_pages_directory_mode()
    _skip_the_repl_check()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *argv]
    cli.main(prog_name="streamlit")  # exits
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
