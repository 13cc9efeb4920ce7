"""The names issue 4 promises are importable from the package itself, and the domain
package never imports Streamlit."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit


def test_promised_names_import_from_the_package() -> None:
    import cekura_dashboards as cd

    for name in (
        "CekuraClient",
        "CekuraError",
        "APIConnectionError",
        "APITimeoutError",
        "APIStatusError",
        "BadRequestError",
        "AuthenticationError",
        "PermissionDeniedError",
        "NotFoundError",
        "ConflictError",
        "RateLimitError",
        "ServerError",
        "ResponseValidationError",
        "parse_filter",
        "filter_to_json",
        "validate_filter",
        "describe_filter",
        "patch_body",
    ):
        assert hasattr(cd, name), name
    assert set(cd.__all__) <= set(dir(cd))


def test_domain_package_never_loads_streamlit() -> None:
    code = (
        "import sys, pkgutil, importlib, cekura_dashboards\n"
        "for m in pkgutil.iter_modules(cekura_dashboards.__path__):\n"
        "    importlib.import_module('cekura_dashboards.' + m.name)\n"
        "assert 'streamlit' not in sys.modules, 'streamlit was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
