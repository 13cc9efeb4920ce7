"""The contract lives in the repo (`contract/`), so a clone tests on its own; the steering
repo's `shared/cekura-api/` is only the source the copy is refreshed from, by hand."""

import subprocess
from pathlib import Path

import pytest

from tests.harness import ROOT

pytestmark = pytest.mark.unit

CONTRACT = ROOT / "contract"
SHARED = ROOT.parent / "shared" / "cekura-api"
FILES = ("openapi-dashboards.json", "RULES.md")

# "../shared" or a path built from the parent folder and "shared".
_READS_SHARED = r"\.\./shared|parent\s*/\s*[\"']shared[\"']|[\"']\.\.[\"'],\s*[\"']shared[\"']"


def test_the_contract_is_in_the_repo() -> None:
    for name in FILES:
        assert (CONTRACT / name).stat().st_size > 0, name


def test_no_project_file_reads_the_shared_folder() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # Code, build and CI files; prose may mention where the copy comes from.
    code = [
        p
        for p in tracked
        if p.endswith((".py", ".sh", ".toml", ".cfg", ".ini"))
        or Path(p).name in ("Makefile", "run")
    ]
    code = [p for p in code if p != "tests/test_contract_copy.py"]
    found = subprocess.run(
        ["grep", "-nE", _READS_SHARED, "--", *code], cwd=ROOT, capture_output=True, text=True
    ).stdout
    assert found == "", f"these lines read ../shared, which a clone does not have:\n{found}"


@pytest.mark.skipif(not SHARED.is_dir(), reason="no shared/cekura-api beside this clone")
def test_the_copy_matches_shared_when_it_is_beside_the_repo() -> None:
    stale = [n for n in FILES if (SHARED / n).read_bytes() != (CONTRACT / n).read_bytes()]
    assert not stale, (
        f"shared/cekura-api/ changed: copy {', '.join(stale)} into contract/ in a commit of its own"
    )
