"""The command line's words from cli.yaml, by key: ``say("log.pain_saved", score=3)``.

cli.yaml is read on its own (and validated against the same spec as in
:func:`~backspasm.knowledge.load_knowledge`), not with the whole knowledge: most diary
commands need no other file, and loading them all would cost more than the command.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, cast

from backspasm.knowledge import KNOWLEDGE_DIR, KnowledgeError
from backspasm.knowledge.schema import validate

__all__ = ["cli_texts", "say", "say_n"]


@lru_cache(maxsize=1)
def cli_texts() -> dict[str, dict[str, Any]]:
    """cli.yaml, validated. Raises :class:`KnowledgeError`."""
    import yaml

    from backspasm.knowledge.specs_cli import FILES

    path = KNOWLEDGE_DIR / "cli.yaml"
    try:
        data: Any = yaml.load(path.read_text("utf-8"),
                              Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"cli.yaml: not valid YAML: {exc}") from None
    validate(FILES["cli"], data, path.name)
    return cast(dict[str, dict[str, Any]], data)


def _text(key: str) -> Any:
    group, _, name = key.partition(".")
    try:
        return cli_texts()[group][name]
    except KeyError:
        raise KnowledgeError(f"cli.yaml: no text {key!r}") from None


def say(key: str, **values: Any) -> str:
    """The text ``key`` (``group.name``) with its ``{placeholders}`` filled from ``values``."""
    text = _text(key)
    if not isinstance(text, str):
        raise KnowledgeError(f"cli.yaml: {key} has plural forms; use say_n")
    return text.format(**values)


def say_n(key: str, n: float, **values: Any) -> str:
    """The plural text ``key`` in the form for ``n`` (``{n}`` is the number, formatted)."""
    from backspasm.knowledge.formats import plural

    forms = _text(key)
    if isinstance(forms, str):
        raise KnowledgeError(f"cli.yaml: {key} has no plural forms; use say")
    return plural(n, cast(dict[str, str], forms), **values)
