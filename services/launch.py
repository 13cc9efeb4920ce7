"""`make run`'s entry point: `python -m services.launch [streamlit run options]`.

Starts the embedded demo server in a background thread (services/demo_server.py) while
Streamlit itself boots, then runs `streamlit run app.py` in this same process, so the
first page finds demo data ready instead of preparing it inside its run. With an API key
configured (environment or secrets) no demo server is started.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    from services.connection import configured_settings
    from services.demo_server import start_early

    if configured_settings() is None:
        start_early()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *argv]
    cli.main(prog_name="streamlit")  # exits
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
