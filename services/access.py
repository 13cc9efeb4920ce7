"""Who may do what: the role table from configuration, and the check every write makes.

Pure Python (no Streamlit), so the write service can call `require` where the write is
made, not only where a button is drawn. The table comes from `[admin_access]` in
`.streamlit/secrets.toml` (the caller reads it and passes the mapping in) or from the
environment; when any `CEKURA_ADMIN_*` variable is set, the environment is the whole
table and the secrets section is not read, so one place says who has access.

    [admin_access]
    viewers = ["@example.com"]              # a domain: anyone whose e-mail ends @example.com
    editors = ["alice@example.com", "ops.example.com"]
    admins = ["bob@example.com"]
    contact = "it-help@example.com"         # named in the "no access" message

Each entry is an e-mail address or a domain (`@example.com` or `example.com`, exact: no
subdomains). Someone matching several entries gets the highest of their roles.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from cekura_dashboards.errors import CekuraError

Role = Literal["viewer", "editor", "admin"]
Action = Literal["edit", "delete", "bulk", "import"]

ROLES: tuple[Role, ...] = ("viewer", "editor", "admin")  # lowest first
ACTIONS: tuple[Action, ...] = get_args(Action)

# The least role each action needs: the rule in one place.
NEEDS: Mapping[Action, Role] = {
    "edit": "editor",  # create, duplicate, dashboard PATCH, bulk_widgets, restore
    "delete": "admin",
    "bulk": "admin",
    "import": "admin",
}

# What each write method of CekuraClient needs at least (a bulk change or a restore made
# of several of these calls asks for its own action on top). A test keeps this list in
# step with the client, so a new write method cannot go unchecked.
CLIENT_WRITE_ACTIONS: Mapping[str, Action] = {
    "create_dashboard": "edit",
    "duplicate_dashboard": "edit",
    "update_dashboard": "edit",
    "bulk_widgets": "edit",
    "create_widget": "edit",
    "update_widget": "edit",
    "delete_widget": "edit",  # a widget edit, not the loss of a whole dashboard
    "delete_dashboard": "delete",
}

# What people are told about an action they are refused.
_ACTION_WORDS: Mapping[Action, str] = {
    "edit": "change dashboards",
    "delete": "delete dashboards",
    "bulk": "make bulk changes",
    "import": "import dashboards",
}

DEFAULT_CONTACT = "the person who runs this app"
SECTION = "admin_access"
ENV_VARS: Mapping[str, str] = {
    "viewers": "CEKURA_ADMIN_VIEWERS",
    "editors": "CEKURA_ADMIN_EDITORS",
    "admins": "CEKURA_ADMIN_ADMINS",
    "contact": "CEKURA_ADMIN_CONTACT",
}
_ROLE_OF_KEY: Mapping[str, Role] = {"viewers": "viewer", "editors": "editor", "admins": "admin"}

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
_LOCAL = re.compile(r"[^@\s,;<>()\[\]\"]+")


class AccessConfigError(CekuraError, ValueError):
    """The role table in the configuration cannot be read; `user_message` says where."""

    default_user_message = "The sign-in roles in this app's configuration are not valid."


class AccessDenied(CekuraError):
    """The signed-in person's role does not allow this action. Nothing was sent."""

    default_user_message = "You are not allowed to do this."


@dataclass(frozen=True)
class Actor:
    """Who is acting. `email` is None when the app has no sign-in (then `role` is
    "admin": everyone who reaches the app may do everything, as before sign-in existed).
    `contact` is whom to ask for more rights; it is not part of the identity."""

    email: str | None
    role: Role | None
    contact: str = field(default=DEFAULT_CONTACT, compare=False)
    # the name someone without sign-in gave for the history; no part of the role logic
    display_name: str | None = field(default=None, compare=False)

    @property
    def signed_in(self) -> bool:
        return self.email is not None

    @property
    def label(self) -> str:
        """Who the journal says made a change: the e-mail, else the name given, else
        "anonymous"."""
        return self.email or (self.display_name or "").strip() or "anonymous"


ANONYMOUS = Actor(email=None, role="admin")


def _rank(role: Role | None) -> int:
    return -1 if role is None else ROLES.index(role)


def denial_reason(actor: Actor, action: Action) -> str | None:
    """None when `actor` may do `action`; otherwise the sentence to show them."""
    if action not in NEEDS:
        raise ValueError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
    needed = NEEDS[action]
    if _rank(actor.role) >= _rank(needed):
        return None
    if actor.role is None:
        return f"You have no access; ask {actor.contact}."
    return (
        f"Your role ({actor.role}) cannot {_ACTION_WORDS[action]}: that needs the "
        f"{needed} role. Ask {actor.contact} if you need it."
    )


def can(actor: Actor, action: Action) -> bool:
    return denial_reason(actor, action) is None


def require(actor: Actor, action: Action) -> None:
    """Raise AccessDenied unless `actor` may do `action`. Call it before sending a write."""
    reason = denial_reason(actor, action)
    if reason is not None:
        raise AccessDenied(
            f"{actor.label} ({actor.role or 'no role'}) may not {action}", user_message=reason
        )


@dataclass(frozen=True)
class RoleTable:
    """E-mail addresses and domains (both lower-case) with the highest role each gets."""

    addresses: Mapping[str, Role]
    domains: Mapping[str, Role]
    contact: str = DEFAULT_CONTACT
    source: str = "nowhere"  # where the table came from, for messages

    @property
    def empty(self) -> bool:
        return not self.addresses and not self.domains

    def role_for(self, email: str | None) -> Role | None:
        if not email:
            return None
        address = email.strip().lower()
        if "@" not in address:
            return None
        domain = address.rsplit("@", 1)[1]
        found = [r for r in (self.addresses.get(address), self.domains.get(domain)) if r]
        return max(found, key=_rank) if found else None

    def actor_for(self, email: str | None) -> Actor:
        return Actor(email=email, role=self.role_for(email), contact=self.contact)


def _entries(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise AccessConfigError(
            f"{where}: {type(value).__name__}",
            user_message=(
                f"{where} must be a list of e-mail addresses and domains (or one "
                f"comma-separated string), not {type(value).__name__}."
            ),
        )
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise AccessConfigError(
                f"{where}: entry {item!r}",
                user_message=f"{where}: {item!r} is not text; write e-mail addresses in quotes.",
            )
        if item.strip():
            out.append(item.strip().lower())
    return out


def _classify(entry: str, where: str) -> tuple[Literal["address", "domain"], str]:
    """("address", "a@b.com") or ("domain", "b.com"), or a clear error."""
    if entry.count("@") == 1 and not entry.startswith("@"):
        local, domain = entry.split("@")
        if _LOCAL.fullmatch(local) and _DOMAIN.fullmatch(domain):
            return "address", entry
    else:
        domain = entry.removeprefix("@")
        if "@" not in domain and _DOMAIN.fullmatch(domain):
            return "domain", domain
    raise AccessConfigError(
        f"{where}: bad entry {entry!r}",
        user_message=(
            f"{where}: {entry!r} is neither an e-mail address (name@example.com) nor a "
            "domain (@example.com or example.com)."
        ),
    )


def _table(raw: Mapping[str, Any], source: str, name_of: Mapping[str, str]) -> RoleTable:
    addresses: dict[str, Role] = {}
    domains: dict[str, Role] = {}
    for key, role in _ROLE_OF_KEY.items():
        if key not in raw:
            continue
        where = name_of[key]
        for entry in _entries(raw[key], where):
            kind, value = _classify(entry, where)
            target = addresses if kind == "address" else domains
            if _rank(role) > _rank(target.get(value)):
                target[value] = role
    contact = raw.get("contact")
    if contact is not None and not isinstance(contact, str):
        raise AccessConfigError(
            f"{name_of['contact']}: {type(contact).__name__}",
            user_message=f"{name_of['contact']} must be text: whom people should ask for access.",
        )
    return RoleTable(addresses, domains, (contact or "").strip() or DEFAULT_CONTACT, source)


def role_table(section: Mapping[str, Any] | None, environ: Mapping[str, str]) -> RoleTable:
    """The role table from the environment when any `CEKURA_ADMIN_*` variable is set,
    else from the `[admin_access]` secrets section (None: absent). Raises
    AccessConfigError naming the bad key or entry."""
    if any(environ.get(var, "").strip() for var in ENV_VARS.values()):
        raw = {key: environ[var] for key, var in ENV_VARS.items() if var in environ}
        return _table(raw, "the environment", ENV_VARS)
    if section is None:
        return RoleTable({}, {}, DEFAULT_CONTACT, "nowhere")
    if not isinstance(section, Mapping):
        raise AccessConfigError(
            f"[{SECTION}] is a {type(section).__name__}",
            user_message=f"[{SECTION}] in secrets.toml must be a table (a section), not a value.",
        )
    unknown = sorted(set(section) - set(ENV_VARS))
    if unknown:
        raise AccessConfigError(
            f"[{SECTION}] unknown keys {unknown}",
            user_message=(
                f"[{SECTION}] in secrets.toml has an unknown key: {', '.join(unknown)}. "
                f"The keys are {', '.join(ENV_VARS)}."
            ),
        )
    names = {key: f"[{SECTION}] {key}" for key in ENV_VARS}
    return _table(section, f"[{SECTION}] in secrets.toml", names)
