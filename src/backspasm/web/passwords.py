"""Passwords: the rules a new one must pass, hashing (argon2id) and checking.

The commonest passwords of ten or more characters are refused at sign-up:

Our selection of those that recur near the top of public lists of leaked passwords (such
as the NCSC's "100,000 most common" list of breached passwords); kept small and in the
package, so no request leaves the machine. Compared case-insensitively.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher

PASSWORD_MIN, PASSWORD_MAX = 10, 1024

COMMON = frozenset("""
0123456789 0987654321 1234567890 1234567891 12345678910 123456789a a123456789 123456789q
1234567890q 9876543210 987654321a 1472583690 147258369a 1122334455 11223344556 1234512345
1231231231 1212121212 1234554321 123123123123 12345qwert qwert12345 12345abcde 1234qwerty
qwerty1234 qwerty12345 qwerty123456 qwertyuiop qwertyuiop1 qwertyuiop123 1q2w3e4r5t
1q2w3e4r5t6y 1q2w3e4r5t6y7u q1w2e3r4t5 1qaz2wsx3edc qazwsxedc123 qazwsxedcrfv 12qwaszx12
123qweasdzxc asdfghjkl1 asdfghjkl123 zxcvbnm123 zxcvbnm1234 abcd123456 abc1234567
abcdefghij abcdefg123 123abc1234 aa123456789 password12 password123 password1234
password12345 password1! passw0rd123 p@ssw0rd123 p@ssword123 passwordpassword mypassword
mypassword1 iloveyou12 iloveyou123 iloveyou1234 iloveyouforever loveyou123 lovely1234
princess12 princess123 sunshine12 sunshine123 football12 football123 football1234
baseball12 baseball123 basketball basketball1 welcome123 welcome1234 letmein123
letmein1234 letmeinnow monkey1234 dragon1234 master1234 superman123 batman1234 michael123
jennifer123 jordan2323 changeme123 default123 admin12345 administrator trustno1234
whatever123 computer123 internet123 starwars123 pokemon123 liverpool1 liverpool123
chelsea123 arsenal123 manchester hello12345 hellohello helloworld helloworld1 secret1234
correcthorsebatterystaple
""".split())


def is_common(password: str) -> bool:
    """True when ``password`` (trimmed, any case) is on the list."""
    return password.strip().lower() in COMMON


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is refused, as the key of its message in ``web.yaml``
    ``form_errors.account`` (``password_short``, ``password_long``, ``password_repeated``,
    ``password_common``), or None."""
    if len(password) < PASSWORD_MIN:
        return "password_short"
    if len(password) > PASSWORD_MAX:
        return "password_long"
    if len(set(password)) == 1:
        return "password_repeated"
    if is_common(password) or password.strip().lower() == email.strip().lower():
        return "password_common"
    return None


def _hasher() -> PasswordHasher:  # argon2-cffi is imported on first use (start-up time)
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id, RFC 9106 low-memory profile defaults


# A hash to verify against when the address is unknown, so both cases take as long.
_DUMMY_HASH: str | None = None


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; ``stored=None`` (no such account) costs
    as long as a wrong password and is False."""
    from argon2.exceptions import InvalidHashError, VerificationError

    global _DUMMY_HASH
    if stored is None:
        _DUMMY_HASH = _DUMMY_HASH or hash_password(secrets.token_urlsafe(16))
        stored, password = _DUMMY_HASH, password + "\x00never"
    try:
        return bool(_hasher().verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False
