"""A second app process for the store tests: `python -m tests.store_worker COMMAND URL`,
the API key in STORE_WORKER_KEY (never on the command line). Prints one JSON line.

open   open (and migrate) the store; print the connection's key hash and schema version
write  journal a saved entry and save a draft; print their ids
read   print this connection's entries and drafts
crash  journal a "started" entry, then die before completing it (exit status 3)
"""

from __future__ import annotations

import json
import os
import sys

from admin_store import Store

BASE_URL = "http://127.0.0.1:9"


def main(argv: list[str]) -> int:
    command, url = argv[0], argv[1]
    store = Store.open(url)
    connection = store.connection(BASE_URL, os.environ["STORE_WORKER_KEY"])
    out: dict[str, object]
    if command == "open":
        out = {"key_hash": connection.key_hash, "version": store.schema_version()}
    elif command == "write":
        entry = store.journal.start(
            connection,
            actor="worker",
            kind="update",
            method="PATCH",
            path="/dashboards/dashboards/7/",
            request={"name": "from the worker"},
            dashboard_id=7,
        )
        store.journal.complete(entry, outcome="saved", response={"id": 7})
        draft = store.drafts.save(
            connection, dashboard_id=7, draft={"by": "worker"}, base_updated_at=None
        )
        out = {"entry": entry, "draft": draft.token}
    elif command == "read":
        out = {
            "entries": [[e.id, e.actor] for e in store.journal.entries(connection)],
            "drafts": [[d.token, d.draft] for d in store.drafts.list(connection)],
        }
    elif command == "crash":
        entry = store.journal.start(
            connection,
            actor="worker",
            kind="delete",
            method="DELETE",
            path="/dashboards/dashboards/8/",
            request=None,
            dashboard_id=8,
        )
        sys.stdout.write(json.dumps({"entry": entry}) + "\n")
        sys.stdout.flush()
        os._exit(3)  # as a killed process would: no completion, no cleanup
    else:
        raise SystemExit(f"unknown command {command!r}")
    sys.stdout.write(json.dumps(out) + "\n")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
