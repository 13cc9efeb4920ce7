"""The role table and the write check (services/access.py), with no server and no UI."""

from __future__ import annotations

import inspect
import re

import pytest

from cekura_dashboards.client import CekuraClient
from cekura_dashboards.errors import CekuraError
from services.access import (
    ACTIONS,
    ANONYMOUS,
    CLIENT_WRITE_ACTIONS,
    DEFAULT_CONTACT,
    AccessConfigError,
    AccessDenied,
    Actor,
    can,
    denial_reason,
    require,
    role_table,
)

pytestmark = pytest.mark.unit

SECTION = {
    "viewers": ["@example.com", "partner.org"],
    "editors": ["Alice@Example.com", "ops.example.com"],
    "admins": "bob@example.com, carol@partner.org",
    "contact": "it-help@example.com",
}


def test_addresses_and_domains_each_give_their_role() -> None:
    table = role_table(SECTION, {})
    assert table.role_for("someone@example.com") == "viewer"  # domain with @
    assert table.role_for("someone@partner.org") == "viewer"  # domain without @
    assert table.role_for("alice@example.com") == "editor"  # address beats its domain
    assert table.role_for("x@ops.example.com") == "editor"
    assert table.role_for("bob@example.com") == "admin"
    assert table.contact == "it-help@example.com"


def test_domains_match_exactly_not_subdomains_or_suffixes() -> None:
    table = role_table(SECTION, {})
    assert table.role_for("eve@evil-example.com") is None
    assert table.role_for("eve@mail.example.com") is None  # only ops.example.com is named
    assert table.role_for("eve@example.com.evil.net") is None


def test_emails_are_case_insensitive_in_table_and_claim() -> None:
    table = role_table(SECTION, {})
    assert table.role_for("ALICE@EXAMPLE.COM") == "editor"
    assert table.role_for("  bob@Example.Com ") == "admin"


def test_highest_role_wins_whatever_the_order() -> None:
    both = {"admins": ["dana@example.com"], "viewers": ["dana@example.com", "example.com"]}
    assert role_table(both, {}).role_for("dana@example.com") == "admin"
    # a domain's higher role beats an address's lower one
    mixed = {"viewers": ["erin@corp.io"], "editors": ["@corp.io"]}
    assert role_table(mixed, {}).role_for("erin@corp.io") == "editor"


def test_unknown_or_missing_email_has_no_role() -> None:
    table = role_table(SECTION, {})
    for email in ("stranger@elsewhere.net", "", None, "no-at-sign"):
        actor = table.actor_for(email)
        assert actor.role is None
        assert denial_reason(actor, "edit") == "You have no access; ask it-help@example.com."


def test_no_table_names_nobody_and_has_the_default_contact() -> None:
    table = role_table(None, {})
    assert table.empty
    assert table.role_for("alice@example.com") is None
    assert table.contact == DEFAULT_CONTACT


def test_environment_is_the_whole_table_when_set() -> None:
    env = {
        "CEKURA_ADMIN_EDITORS": "frank@example.com , ,@team.io",
        "CEKURA_ADMIN_CONTACT": "ops@example.com",
    }
    table = role_table(SECTION, env)  # the secrets section is not read at all
    assert table.role_for("frank@example.com") == "editor"
    assert table.role_for("anyone@team.io") == "editor"
    assert table.role_for("bob@example.com") is None
    assert table.contact == "ops@example.com"
    assert table.source == "the environment"


@pytest.mark.parametrize(
    ("section", "names"),
    [
        ({"editor": ["a@example.com"]}, ["unknown key: editor", "viewers, editors, admins"]),
        ({"viewers": 42}, ["[admin_access] viewers", "not int"]),
        ({"admins": ["a@example.com", 7]}, ["[admin_access] admins", "7"]),
        ({"editors": ["alice@"]}, ["[admin_access] editors", "'alice@'"]),
        ({"editors": ["a@b@example.com"]}, ["'a@b@example.com'"]),
        ({"viewers": ["localhost"]}, ["'localhost'", "neither an e-mail address"]),
        ({"viewers": ["al ice@example.com"]}, ["'al ice@example.com'"]),
        ({"contact": ["x"]}, ["[admin_access] contact must be text"]),
    ],
)
def test_malformed_section_says_what_is_wrong(section: dict, names: list[str]) -> None:
    with pytest.raises(AccessConfigError) as caught:
        role_table(section, {})
    for name in names:
        assert name in caught.value.user_message


def test_malformed_environment_names_the_variable() -> None:
    with pytest.raises(AccessConfigError) as caught:
        role_table(None, {"CEKURA_ADMIN_ADMINS": "bob@example.com,not an address"})
    assert "CEKURA_ADMIN_ADMINS" in caught.value.user_message
    assert "'not an address'" in caught.value.user_message


def test_a_section_that_is_not_a_table_is_refused() -> None:
    with pytest.raises(AccessConfigError, match="admin_access"):
        role_table("alice@example.com", {})  # type: ignore[arg-type]


VIEWER = Actor("vera@example.com", "viewer", "it-help@example.com")
EDITOR = Actor("alice@example.com", "editor", "it-help@example.com")
ADMIN = Actor("bob@example.com", "admin", "it-help@example.com")
NOBODY = Actor("stranger@elsewhere.net", None, "it-help@example.com")


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (VIEWER, set()),
        (EDITOR, {"edit"}),
        (ADMIN, {"edit", "delete", "bulk", "import"}),
        (NOBODY, set()),
        (ANONYMOUS, {"edit", "delete", "bulk", "import"}),  # no sign-in: today's behaviour
    ],
)
def test_each_role_may_do_exactly_its_actions(actor: Actor, allowed: set[str]) -> None:
    assert {a for a in ACTIONS if can(actor, a)} == allowed
    for action in ACTIONS:
        if action in allowed:
            require(actor, action)
        else:
            with pytest.raises(AccessDenied):
                require(actor, action)


def test_a_refused_viewer_is_told_why_in_the_apps_error_convention() -> None:
    with pytest.raises(CekuraError) as caught:  # the pages' `except CekuraError` shows it
        require(VIEWER, "edit")
    err = caught.value
    assert isinstance(err, AccessDenied)
    assert err.user_message == (
        "Your role (viewer) cannot change dashboards: that needs the editor role. "
        "Ask it-help@example.com if you need it."
    )
    assert not err.outcome_unknown  # nothing was sent
    assert "delete dashboards" in (denial_reason(EDITOR, "delete") or "")


def test_an_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown action 'rename'"):
        can(ADMIN, "rename")  # type: ignore[arg-type]


# Client methods that POST only to read (widget data previews).
_READS_BY_POST = {"preview_widget_data", "bulk_widget_data"}


def test_every_client_write_method_has_an_action() -> None:
    """A write method added to the client without a role is caught here."""
    writes = set()
    for name, method in inspect.getmembers(CekuraClient, inspect.isfunction):
        if name.startswith("_") or name in _READS_BY_POST:
            continue
        if re.search(r'"(POST|PATCH|PUT|DELETE)"', inspect.getsource(method)):
            writes.add(name)
    assert writes == set(CLIENT_WRITE_ACTIONS)
    assert CLIENT_WRITE_ACTIONS["delete_dashboard"] == "delete"


def test_the_readme_example_is_a_valid_configuration() -> None:
    """The README's sign-in example parses, has what Streamlit's [auth] needs, and its
    roles block means what the README says."""
    import tomllib

    from tests.harness import ROOT

    readme = (ROOT / "README.md").read_text()
    sign_in = readme.split("## Sign-in", 1)[1]
    block = sign_in.split("```toml\n", 1)[1].split("```", 1)[0]
    config = tomllib.loads(block)
    needed = {"redirect_uri", "cookie_secret", "client_id", "client_secret"}
    assert needed | {"server_metadata_url"} <= set(config["auth"])
    assert config["auth"]["redirect_uri"].endswith("/oauth2callback")
    table = role_table(config["admin_access"], {})
    assert table.role_for("someone@example.com") == "viewer"
    assert table.role_for("alice@example.com") == "editor"
    assert table.role_for("x@ops.example.com") == "editor"
    assert table.role_for("bob@example.com") == "admin"
    assert table.contact == "it-help@example.com"
