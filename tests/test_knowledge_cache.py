"""The compiled knowledge cache: keyed by content (never stale), and never in the way."""

from __future__ import annotations

import pickle
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

import backspasm.knowledge as knowledge
from backspasm.knowledge import KNOWLEDGE_DIR, KnowledgeError, load_knowledge_from
from backspasm.knowledge import cache as kcache


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of our own ($XDG_CACHE_HOME/backspasm)."""
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home / "backspasm"


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "kb"
    shutil.copytree(KNOWLEDGE_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return copy


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("knowledge-*.pickle"))


_VALIDATED = knowledge._validated


def _fresh(directory: Path) -> knowledge.Knowledge:
    """Validated now, without the cache."""
    specs, checks = knowledge._file_specs()
    raw = {p.stem: p.read_bytes() for p in sorted(directory.glob("*.yaml"))}
    return _VALIDATED(raw, specs, checks, directory)


def _no_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("validated again: the cache was not used")

    monkeypatch.setattr(knowledge, "_validated", refuse)


def test_the_cached_result_equals_a_fresh_validation(
    tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = _copy(tmp_path)
    first = load_knowledge_from(copy)
    [entry] = _entries(cache_home)
    _no_validation(monkeypatch)
    again = load_knowledge_from(copy)  # from the cache: validating would fail
    fresh = _fresh(copy)
    assert again.data == fresh.data == first.data and again.data is not first.data
    assert again.version == fresh.version == first.version
    assert again.directory == copy
    assert again.regions == fresh.regions and again.thresholds == fresh.thresholds
    assert again.vocabulary == fresh.vocabulary
    assert _entries(cache_home) == [entry]


def test_a_changed_yaml_byte_is_not_served_from_the_cache(
    tmp_path: Path, cache_home: Path
) -> None:
    copy = _copy(tmp_path)
    before = load_knowledge_from(copy)
    path = copy / "rules.yaml"
    text = path.read_text(encoding="utf-8")
    title = before["rules"]["rules"][0]["title"]
    assert text.count(title) >= 1
    path.write_text(text.replace(title, title + "!", 1), encoding="utf-8")
    after = load_knowledge_from(copy)
    assert after["rules"]["rules"][0]["title"] == title + "!"
    assert after.version != before.version
    assert len(_entries(cache_home)) == 2


def test_a_broken_change_is_refused_although_the_old_content_is_cached(
    tmp_path: Path, cache_home: Path
) -> None:
    copy = _copy(tmp_path)
    load_knowledge_from(copy)
    path = copy / "thresholds.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nunknown_key: 1\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="thresholds.yaml"):
        load_knowledge_from(copy)
    assert len(_entries(cache_home)) == 1  # only validated knowledge is kept


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "another_key", "a_list"])
def test_a_corrupt_cache_file_is_rebuilt(
    tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    copy = _copy(tmp_path)
    fresh = load_knowledge_from(copy)
    [entry] = _entries(cache_home)
    blob = entry.read_bytes()
    entry.write_bytes({
        "garbage": b"not a pickle at all",
        "truncated": blob[: len(blob) // 2],
        "empty": b"",
        "another_key": pickle.dumps(("0" * 64, fresh.version, {"meta": {}})),
        "a_list": pickle.dumps([1, 2, 3]),
    }[damage])
    rebuilt = load_knowledge_from(copy)
    assert rebuilt.data == fresh.data and rebuilt.version == fresh.version
    assert entry.read_bytes() != b"" and pickle.loads(entry.read_bytes())[1] == fresh.version
    _no_validation(monkeypatch)
    assert load_knowledge_from(copy).data == fresh.data  # and used again


def test_a_cache_folder_that_cannot_be_written_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # …/a-file/backspasm cannot be made
    copy = _copy(tmp_path)
    kb = load_knowledge_from(copy)
    assert kb.data == _fresh(copy).data
    assert load_knowledge_from(copy).version == kb.version
    assert list(tmp_path.glob("**/*.tmp")) == []


def test_the_same_content_in_another_folder_shares_the_entry_but_not_the_folder(
    tmp_path: Path, cache_home: Path
) -> None:
    one = _copy(tmp_path / "one")
    two = _copy(tmp_path / "two")
    assert load_knowledge_from(one).directory == one
    kb = load_knowledge_from(two)
    assert kb.directory == two
    assert len(_entries(cache_home)) == 1


def test_the_key_covers_the_code_that_validates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change to a spec module (or any file of the package) gives another key."""
    files = {p.stem: p.read_bytes() for p in sorted(KNOWLEDGE_DIR.glob("*.yaml"))}
    key = kcache.cache_key(files)
    code = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, code, ignore=shutil.ignore_patterns("__pycache__"))
    spec = code / "specs_plan.py"
    spec.write_text(spec.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    monkeypatch.setattr(kcache, "_PACKAGE_DIR", code)
    kcache._code_digest.cache_clear()
    try:
        assert kcache.cache_key(files) != key
    finally:
        monkeypatch.undo()
        kcache._code_digest.cache_clear()
    assert kcache.cache_key(files) == key


def test_old_entries_are_pruned(tmp_path: Path, cache_home: Path) -> None:
    copy = _copy(tmp_path)
    path = copy / "meta.yaml"
    text = path.read_text(encoding="utf-8")
    for i in range(kcache.KEEP + 3):
        path.write_text(text + f"\n# edit {i}\n", encoding="utf-8")
        load_knowledge_from(copy)
    assert len(_entries(cache_home)) == kcache.KEEP


def test_a_words_file_is_read_from_the_cache_and_never_stale(
    tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backspasm.knowledge import messages

    copy = _copy(tmp_path)
    monkeypatch.setattr(messages, "_DIR", copy)
    messages.words.cache_clear()
    try:
        first = messages.words("cli")
        assert len(_entries(cache_home)) == 1
        messages.words.cache_clear()
        monkeypatch.setitem(sys.modules, "yaml", None)  # from the cache: no YAML parser
        assert messages.words("cli") == first
        monkeypatch.delitem(sys.modules, "yaml")
        path = copy / "cli.yaml"
        text = path.read_text(encoding="utf-8")
        group, texts = next(iter(first.items()))
        name, said = next((k, v) for k, v in texts.items() if isinstance(v, str))
        assert text.count(said) == 1
        path.write_text(text.replace(said, said + " (changed)"), encoding="utf-8")
        messages.words.cache_clear()
        assert messages.words("cli")[group][name] == said + " (changed)"
    finally:
        messages.words.cache_clear()


def test_loads_at_the_same_time_leave_one_whole_entry(tmp_path: Path, cache_home: Path) -> None:
    """Threads (a web server's) and processes may fill the same entry at once: each gets
    the knowledge, and the entry left is whole (written to a file of its own, renamed)."""
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    copy = _copy(tmp_path)
    code = (f"from pathlib import Path\nfrom backspasm.knowledge import load_knowledge_from\n"
            f"print(load_knowledge_from(Path({str(copy)!r})).version)")
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
             for _ in range(3)]
    with ThreadPoolExecutor(6) as pool:
        versions = set(pool.map(lambda _: load_knowledge_from(copy).version, range(6)))
    versions |= {p.communicate(timeout=120)[0].strip() for p in procs}
    assert len(versions) == 1
    [entry] = _entries(cache_home)
    assert pickle.loads(entry.read_bytes())[1] in versions
    assert list(cache_home.glob(".*.tmp")) == []


def test_code_that_cannot_be_read_means_no_cache(
    tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key must cover the validating code; when that code cannot be read (an unusual
    install), nothing is cached rather than a key that could go stale."""
    monkeypatch.setattr(kcache, "_PACKAGE_DIR", tmp_path / "no-such-folder")
    kcache._code_digest.cache_clear()
    try:
        copy = _copy(tmp_path)
        assert load_knowledge_from(copy).data == _fresh(copy).data
        assert _entries(cache_home) == []
    finally:
        monkeypatch.undo()
        kcache._code_digest.cache_clear()
