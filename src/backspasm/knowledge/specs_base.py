"""Specs for the shared files: meta.yaml and sources.yaml, plus source-id cross-checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backspasm.knowledge.schema import (
    Bool,
    Enum,
    ListOf,
    NonEmptyStr,
    Obj,
    Str,
    as_list,
    as_map,
    item_label,
)

if TYPE_CHECKING:
    from backspasm.knowledge import Knowledge

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
        required={
            "content_version": NonEmptyStr(),
            "last_reviewed": NonEmptyStr(),
            # The review record: signed off by a clinician or not, and a changelog.
            "review": Obj(
                required={
                    "signed_off": Bool,
                    "status": NonEmptyStr(),
                    "signed_off_by": ListOf(
                        Obj(required={"name": NonEmptyStr(), "role": NonEmptyStr(),
                                      "date": NonEmptyStr()})
                    ),
                }
            ),
            "changelog": ListOf(
                Obj(
                    required={
                        "version": NonEmptyStr(),
                        "date": NonEmptyStr(),
                        "summary": NonEmptyStr(),
                        "changes": ListOf(NonEmptyStr(), min_items=1),
                    }
                ),
                min_items=1,
            ),
        },
        optional={"licence": Str, "scope": Str, "disclaimer": Str, "reviewers": ListOf(Str)},
    ),
    "sources": Obj(required={"sources": ListOf(SOURCE, min_items=1)}),
}


def _walk_source_ids(node: Any, path: str, out: list[tuple[str, str]]) -> None:
    """Every ``sources: [...]`` list anywhere in a file (except sources.yaml itself)."""
    mapping, items = as_map(node), as_list(node)
    if mapping is not None:
        for k, v in mapping.items():
            ids = as_list(v)
            if k == "sources" and ids is not None and all(isinstance(x, str) for x in ids):
                out.extend((f"{path}.{k}", str(x)) for x in ids)
            else:
                _walk_source_ids(v, f"{path}.{k}", out)
    elif items is not None:
        for i, v in enumerate(items):
            _walk_source_ids(v, f"{path}[{i}]{item_label(v)}", out)


def check_sources(kb: Knowledge) -> list[str]:
    known = set(kb.sources)
    problems: list[str] = []
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


def check_meta(kb: Knowledge) -> list[str]:
    """The changelog's newest entry is this content version, on the review date; a signed-off
    review names who signed it."""
    meta = kb.data["meta"]
    problems: list[str] = []
    newest = meta["changelog"][0]
    if newest["version"] != meta["content_version"]:
        problems.append("meta.yaml: changelog[0].version: expected the content_version")
    if newest["date"] != meta["last_reviewed"]:
        problems.append("meta.yaml: changelog[0].date: expected the last_reviewed date")
    if meta["review"]["signed_off"] != bool(meta["review"]["signed_off_by"]):
        problems.append("meta.yaml: review: signed_off must match signed_off_by")
    return problems


CHECKS = [check_sources, check_meta]
