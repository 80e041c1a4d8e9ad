"""Specs for the shared files: meta.yaml and sources.yaml, plus source-id cross-checks."""

from __future__ import annotations

from typing import Any

from backspasm.knowledge.schema import Enum, ListOf, NonEmptyStr, Obj, Str

SOURCE = Obj(
    required={
        "id": NonEmptyStr(),
        "title": NonEmptyStr(),
        "publisher": NonEmptyStr(),
        "supports": NonEmptyStr(),
    },
    optional={
        "url": Str,
        "year": Str,
        "citation": Str,
        "kind": Enum("article", "guideline", "systematic_review", "condition_page", "ours"),
        "note": Str,
    },
)

FILES = {
    "meta": Obj(
        required={"content_version": NonEmptyStr(), "last_reviewed": NonEmptyStr()},
        optional={"licence": Str, "scope": Str, "disclaimer": Str, "reviewers": ListOf(Str)},
    ),
    "sources": Obj(required={"sources": ListOf(SOURCE, min_items=1)}),
}


def _walk_source_ids(node: Any, path: str, out: list[tuple[str, str]]) -> None:
    """Every ``sources: [...]`` list anywhere in a file (except sources.yaml itself)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "sources" and isinstance(v, list) and all(isinstance(x, str) for x in v):
                out.extend((f"{path}.{k}", x) for x in v)
            else:
                _walk_source_ids(v, f"{path}.{k}", out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            has_id = isinstance(v, dict) and isinstance(v.get("id"), str)
            label = f" (id {v['id']!r})" if has_id else ""
            _walk_source_ids(v, f"{path}[{i}]{label}", out)


def check_sources(kb: Any) -> list[str]:
    known = set(kb.sources)
    problems = []
    ids = [s["id"] for s in kb.data["sources"]["sources"]]
    dupes = {i for i in ids if ids.count(i) > 1}
    problems += [f"sources.yaml: duplicate source id {d!r}" for d in sorted(dupes)]
    for stem, content in kb.data.items():
        if stem == "sources":
            continue
        refs: list[tuple[str, str]] = []
        _walk_source_ids(content, f"{stem}.yaml", refs)
        problems += [f"{p}: unknown source id {sid!r}" for p, sid in refs if sid not in known]
    return problems


CHECKS = [check_sources]
