"""Words filled when shown, by key: ``say("log.pain_saved", score=3)``.

The words files (``specs_words.STEMS``: cli.yaml for the command line, pages.yaml for web
page words filled when shown) are read one at a time, and validated against the same spec as in
:func:`~backspasm.knowledge.load_knowledge`: most diary commands need no other file, and
loading them all would cost more than the command.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from backspasm.knowledge.schema import KnowledgeError, Spec

__all__ = ["words", "cli_texts", "say", "say_n"]

#: The knowledge folder (``backspasm.knowledge.KNOWLEDGE_DIR``; not imported from there so
#: that every command module can import this one without loading the knowledge package's
#: schema machinery: ``backspasm --help`` stays light).
_DIR = Path(__file__).parent


def _error(message: str) -> KnowledgeError:
    from backspasm.knowledge.schema import KnowledgeError

    return KnowledgeError(message)


@lru_cache(maxsize=4)
def words(stem: str = "cli") -> dict[str, dict[str, Any]]:
    """One words file (``cli`` or ``pages``), validated. Raises :class:`KnowledgeError`.

    Kept validated in the knowledge cache (:mod:`backspasm.knowledge.cache`) under the
    hash of its bytes and of the code: a command that only says a few words reads no YAML.
    """
    from backspasm.knowledge.cache import cache_key, read_cached, write_cached
    from backspasm.knowledge.specs_words import FILES

    if stem not in FILES:
        raise _error(f"{stem}.yaml: not a words file")
    path = _DIR / f"{stem}.yaml"
    raw = path.read_bytes()
    key = cache_key({stem: raw}, kind="words")
    cached = read_cached(key)
    if cached is not None and isinstance(cached[1].get(stem), dict):
        return cast(dict[str, dict[str, Any]], cached[1][stem])
    data = _validated(raw, path.name, FILES[stem])
    write_cached(key, "", {stem: data})
    return data


def _validated(raw: bytes, name: str, spec: Spec) -> dict[str, dict[str, Any]]:
    import yaml

    from backspasm.knowledge.schema import validate

    try:
        data: Any = yaml.load(raw.decode("utf-8"),
                              Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise _error(f"{name}: not valid YAML: {exc}") from None
    validate(spec, data, name)
    return cast(dict[str, dict[str, Any]], data)


def cli_texts() -> dict[str, dict[str, Any]]:
    """cli.yaml, validated."""
    return words("cli")


def _text(key: str, stem: str) -> Any:
    group, _, name = key.partition(".")
    try:
        return words(stem)[group][name]
    except KeyError:
        raise _error(f"{stem}.yaml: no text {key!r}") from None


def say(key: str, *, stem: str = "cli", **values: Any) -> str:
    """The text ``key`` (``group.name``) of ``stem``.yaml with its ``{placeholders}``
    filled from ``values``."""
    text = _text(key, stem)
    if not isinstance(text, str):
        raise _error(f"{stem}.yaml: {key} has plural forms; use say_n")
    return text.format(**values)


def say_n(key: str, n: float, *, stem: str = "cli", **values: Any) -> str:
    """The plural text ``key`` in the form for ``n`` (``{n}`` is the number, formatted)."""
    from backspasm.knowledge.formats import plural

    forms = _text(key, stem)
    if isinstance(forms, str):
        raise _error(f"{stem}.yaml: {key} has no plural forms; use say")
    return plural(n, cast(dict[str, str], forms), **values)
