"""Who may change the library. Anyone may ask; adding or removing reports and re-indexing
need the administrator.

The proof is an `Admin`, which only the two checks here can make: a sign-in through the
app's identity provider (Streamlit's `st.login`, configured by an `[auth]` section in
.streamlit/secrets.toml), or, where there is none, the password in
PEERCHAT_ADMIN_PASSWORD. The functions that change the library (peerchat/manage.py) take
an Admin and refuse without one. With neither configured the app's library is read-only;
the command line, run by whoever holds the files, needs no proof.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Literal

from peerchat.core.errors import NotAuthorised
from peerchat.core.settings import Settings

Mode = Literal["sign-in", "password", "none"]

# The key an Admin is made with; only this module hands it out.
_KEY = object()


@dataclass(frozen=True)
class Admin:
    """Proof that the administrator is acting. Made only by `admin_by_password` and
    `admin_by_sign_in`; constructing one elsewhere raises NotAuthorised."""

    who: str  # the e-mail address signed in with, or "administrator" for the password
    _key: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._key is not _KEY:
            raise NotAuthorised("an administrator is proven by signing in, not constructed")


def admin_mode(settings: Settings, identity_provider: bool) -> Mode:
    """How the administrator proves who they are: "sign-in" where the app has an identity
    provider, else "password" where PEERCHAT_ADMIN_PASSWORD is set, else "none"."""
    if identity_provider:
        return "sign-in"
    return "password" if settings.admin_password else "none"


def admin_by_password(settings: Settings, attempt: str) -> Admin:
    """The Admin for the right password; NotAuthorised otherwise. The attempt is compared
    in constant time and never logged or repeated."""
    if not settings.admin_password:
        raise NotAuthorised("no administrator password is set (PEERCHAT_ADMIN_PASSWORD)")
    given = attempt.encode("utf-8", "surrogatepass")
    expected = settings.admin_password.encode("utf-8", "surrogatepass")
    if not hmac.compare_digest(given, expected):
        raise NotAuthorised("wrong administrator password")
    return Admin("administrator", _KEY)


def admin_by_sign_in(settings: Settings, logged_in: bool, email: str) -> Admin:
    """The Admin for a user signed in through the identity provider (`st.user`): anyone
    signed in, or only the addresses in PEERCHAT_ADMIN_EMAILS when it is set."""
    if not logged_in:
        raise NotAuthorised("not signed in")
    allowed = settings.admin_email_set
    if allowed and email.strip().lower() not in allowed:
        raise NotAuthorised(f"{email or 'this account'} is not an administrator of this library")
    return Admin(email or "signed-in user", _KEY)


def require_admin(admin: object) -> Admin:
    """`admin` if it is a genuine Admin; NotAuthorised otherwise."""
    if not isinstance(admin, Admin) or admin._key is not _KEY:
        raise NotAuthorised(
            "adding or removing reports and re-indexing need the administrator: "
            "sign in on the Library page"
        )
    return admin
