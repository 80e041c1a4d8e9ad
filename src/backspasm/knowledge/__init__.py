"""The clinical knowledge: YAML files validated at load time.

Every user-facing sentence, every rule and every threshold lives in these files, each
with its source ids. :func:`load_knowledge` reads and validates them all (the file and
the item are named in any error) and identifies the content with a version string that
changes whenever any file changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from backspasm.knowledge.schema import KnowledgeError, Spec, validate
from backspasm.knowledge.views import Regions, build_regions, build_thresholds
from backspasm.knowledge.vocabulary import Vocabulary, build_vocabulary

if TYPE_CHECKING:  # the files' shapes are for the type checker only (no import cost)
    from backspasm.knowledge.records import (
        CareCardsFile,
        PlanFile,
        QuestionsFile,
        Rule,
        RulesFile,
        ThresholdsFile,
    )

_T = TypeVar("_T")

__all__ = ["Knowledge", "KnowledgeError", "load_knowledge", "KNOWLEDGE_DIR"]

KNOWLEDGE_DIR = Path(__file__).parent


@dataclass(frozen=True, eq=False)
class Knowledge:
    """All knowledge files, validated. ``data[stem]`` is the parsed content of ``stem.yaml``.

    The typed views (:attr:`plan`, :attr:`rules`, :attr:`questions`, :attr:`care_cards`,
    :attr:`thresholds`, :attr:`regions`, :attr:`vocabulary`) are what code reads; they are
    built once per load, after validation. ``kb[stem]`` is the untyped content.
    """

    version: str
    data: dict[str, Any]
    directory: Path
    #: Derived, compiled forms (e.g. rule trees) that core modules build once per load.
    compiled: dict[str, Any] = field(default_factory=dict[str, Any], repr=False)

    def __getitem__(self, stem: str) -> Any:
        return self.data[stem]

    # The files as their validated shapes (knowledge/records.py): one cast, here.
    @property
    def plan(self) -> PlanFile:
        return cast("PlanFile", self.data["plan"])

    @property
    def rules(self) -> list[Rule]:
        return cast("RulesFile", self.data["rules"])["rules"]

    @property
    def questions(self) -> QuestionsFile:
        return cast("QuestionsFile", self.data["questions"])

    @property
    def care_cards(self) -> CareCardsFile:
        return cast("CareCardsFile", self.data["care_cards"])

    @property
    def education(self) -> dict[str, Any]:
        return cast("dict[str, Any]", self.data["education"])

    # Views built from them once per load.
    @property
    def thresholds(self) -> Mapping[str, int | float]:
        """Threshold id → value (thresholds.yaml)."""
        return self.compile(
            "kb.thresholds", lambda kb: build_thresholds(cast("ThresholdsFile", kb["thresholds"]))
        )

    @property
    def regions(self) -> Regions:
        """regions.yaml: regions by id, the default region and the time-zone guesses."""
        return self.compile("kb.regions", lambda kb: build_regions(kb["regions"]))

    @property
    def vocabulary(self) -> Vocabulary:
        """Care kinds, session kinds and timer slugs (plan.yaml), and how they relate."""
        return self.compile("kb.vocabulary", lambda kb: build_vocabulary(kb.plan))

    @property
    def sources(self) -> dict[str, dict[str, Any]]:
        """Source id → source record."""
        return {s["id"]: s for s in self.data["sources"]["sources"]}

    @property
    def last_reviewed(self) -> str:
        return str(self.data["meta"]["last_reviewed"])

    def compile(self, key: str, build: Callable[[Knowledge], _T]) -> _T:
        """Build a derived form once per loaded knowledge and keep it."""
        if key not in self.compiled:
            self.compiled[key] = build(self)
        return cast("_T", self.compiled[key])


def _file_specs() -> tuple[dict[str, Spec], list[Callable[[Knowledge], list[str]]]]:
    """Each area declares the files it owns (stem → spec) and its cross-file checks."""
    from backspasm.knowledge import (  # every area by name: a missing one is an error
        specs_base,
        specs_exports,
        specs_pictures,
        specs_plan,
        specs_triage,
        specs_web,
        specs_words,
    )

    specs: dict[str, Spec] = {}
    checks: list[Callable[[Knowledge], list[str]]] = []
    for mod in (specs_base, specs_triage, specs_plan, specs_web, specs_exports, specs_words,
                specs_pictures):
        specs.update(mod.FILES)
        checks.extend(getattr(mod, "CHECKS", []))
    return specs, checks


def _yaml_load(text: str, filename: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{filename}: not valid YAML: {exc}") from None


def load_knowledge_from(directory: Path) -> Knowledge:
    """Read and validate every knowledge file in ``directory`` (not kept in memory: for
    tests and tools). A validated result is kept on disk under the hash of the files and
    of the code that validates them (:mod:`backspasm.knowledge.cache`), and read back
    instead of validating again while neither changes."""
    specs, checks = _file_specs()
    present = {p.stem: p for p in sorted(directory.glob("*.yaml"))}
    unknown = sorted(set(present) - set(specs))
    if unknown:
        names = ", ".join(s + ".yaml" for s in unknown)
        raise KnowledgeError(f"unknown knowledge file(s): {names}")
    missing = sorted(set(specs) - set(present))
    if missing:
        names = ", ".join(s + ".yaml" for s in missing)
        raise KnowledgeError(f"missing knowledge file(s): {names}")
    raw = {stem: path.read_bytes() for stem, path in present.items()}
    from backspasm.knowledge.cache import cache_key, read_cached, write_cached

    key = cache_key(raw)
    cached = read_cached(key)
    if cached is not None:
        kb = Knowledge(version=cached[0], data=cached[1], directory=directory)
    else:
        kb = _validated(raw, specs, checks, directory)
        write_cached(key, kb.version, kb.data)
    _views = (kb.thresholds, kb.regions, kb.vocabulary)  # built once, now, after validation
    return kb


def _validated(raw: dict[str, bytes], specs: dict[str, Spec],
               checks: list[Callable[[Knowledge], list[str]]], directory: Path) -> Knowledge:
    """Parse and validate the files' bytes (stem → bytes, in file name order)."""
    digest = hashlib.sha256()
    data: dict[str, Any] = {}
    for stem, content in raw.items():
        digest.update(stem.encode() + b"\0" + content + b"\0")
        value = _yaml_load(content.decode("utf-8"), f"{stem}.yaml")
        validate(specs[stem], value, f"{stem}.yaml")
        data[stem] = value
    version = f"{data['meta']['content_version']}+{digest.hexdigest()[:12]}"
    from backspasm.knowledge.numbers import prepare

    problems = prepare(data)  # numbers in text come from the settings (filled here)
    kb = Knowledge(version=version, data=data, directory=directory)
    for check in checks:
        problems += check(kb)
    if problems:
        raise KnowledgeError("inconsistent knowledge:\n  " + "\n  ".join(problems))
    return kb


@lru_cache(maxsize=4)
def load_knowledge(directory: str | None = None) -> Knowledge:
    """The validated knowledge (cached per directory). Raises :class:`KnowledgeError`."""
    return load_knowledge_from(Path(directory) if directory else KNOWLEDGE_DIR)
