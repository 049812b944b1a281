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
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
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


class TooManyAttempts(NotAuthorised):
    """Too many wrong passwords from this session or client: `seconds` to wait."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"too many wrong passwords: try again in {max(1, round(seconds))} s")


class Throttle:
    """Wrong administrator passwords, slowed down. Each key (a session, a client) may fail
    `free` times; after that every attempt must wait `delay * 2**(failures - free)`
    seconds (at most `cap`) from its last failure, and an attempt made sooner is refused
    without the password being compared. A right password clears its keys. Thread-safe:
    the app's sessions share one. At most `max_keys` keys are remembered (the oldest go).
    """

    def __init__(
        self,
        free: int = 5,
        delay: float = 10.0,
        cap: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.free, self.delay, self.cap, self.clock, self.max_keys = (
            free,
            delay,
            cap,
            clock,
            max_keys,
        )
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, keys: Iterable[str]) -> float:
        """Seconds to wait before the next attempt of any of `keys` (0: try now)."""
        now = self.clock()
        with self._lock:
            waits = [self._wait(self._failures.get(k), now) for k in keys]
        return max(waits, default=0.0)

    def failed(self, keys: Iterable[str]) -> int:
        """Record a wrong password for each key; the most failures any of them has."""
        now = self.clock()
        most = 0
        with self._lock:
            for key in keys:
                count = self._failures.pop(key, (0, now))[0] + 1
                self._failures[key] = (count, now)
                most = max(most, count)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)
        return most

    def succeeded(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()

    def _wait(self, record: tuple[int, float] | None, now: float) -> float:
        if record is None or record[0] < self.free:
            return 0.0
        count, last = record
        delay = min(self.cap, self.delay * 2 ** (count - self.free))
        return max(0.0, last + delay - now)


def admin_by_password(
    settings: Settings,
    attempt: str,
    throttle: Throttle | None = None,
    keys: Iterable[str] = (),
) -> Admin:
    """The Admin for the right password; NotAuthorised otherwise. The attempt is compared
    in constant time and never logged or repeated. With a `throttle`, `keys` (the session,
    the client) that have failed too often must wait first: TooManyAttempts, and the
    attempt is not even compared."""
    if not settings.admin_password:
        raise NotAuthorised("no administrator password is set (PEERCHAT_ADMIN_PASSWORD)")
    keys = tuple(keys)
    if throttle is not None:
        wait = throttle.wait(keys)
        if wait > 0:
            raise TooManyAttempts(wait)
    given = attempt.encode("utf-8", "surrogatepass")
    expected = settings.admin_password.encode("utf-8", "surrogatepass")
    if not hmac.compare_digest(given, expected):
        if throttle is not None:
            throttle.failed(keys)
        raise NotAuthorised("wrong administrator password")
    if throttle is not None:
        throttle.succeeded(keys)
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
