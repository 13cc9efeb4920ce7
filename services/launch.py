"""`make run`'s entry point: `python -m services.launch [streamlit run options]`.

Without a demo database (a fresh clone) it first starts `python -m demo_api
--prepare-only` in a process of its own, so the seed runs on the other core while
Streamlit boots; then it starts the embedded demo server in a background thread
(services/demo_server.py), which waits for that process, and runs `streamlit run app.py`
in this same process. The first page finds demo data ready, or says "Preparing demo
data…" until it is; no page run prepares it. With an API key configured (environment or
secrets) no demo data is prepared.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    from services.connection import configured_settings
    from services.demo_server import demo_db_path, start_early

    if configured_settings() is None:
        database = demo_db_path()
        seeding: subprocess.Popen[bytes] | None = None
        if not database.exists():
            cmd = [sys.executable, "-m", "demo_api", "--prepare-only", "--db", str(database)]
            if os.environ.get("CEKURA_DEMO_CALLS"):
                cmd += ["--calls", os.environ["CEKURA_DEMO_CALLS"]]
            seeding = subprocess.Popen(cmd, cwd=ROOT)
        start_early(after=seeding.wait if seeding is not None else None)
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *argv]
    cli.main(prog_name="streamlit")  # exits
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
