"""Which code built the published warehouse, and whether tonight is likely small: asked before the run
imports polars or Dagster."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sys
from pathlib import Path

import pytest

from pipeline import versions


def published(tmp_path: Path, meta: dict | str) -> tuple[Path, Path]:
    """A raw folder and a warehouse whose `parquet` link names a version folder with `meta`, published
    after the raw folder last changed."""
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir(parents=True)
    (raw / "a.txt").write_text("an article")
    version = wh / ".versions" / "v1"
    version.mkdir(parents=True)
    (version / versions.META_FILE).write_text(meta if isinstance(meta, str) else json.dumps(meta))
    (wh / "parquet").symlink_to(version.relative_to(wh))
    st = raw.stat()
    os.utime(raw, ns=(st.st_atime_ns, (version / versions.META_FILE).stat().st_mtime_ns - 1_000_000_000))
    return raw, wh


def touch_later(raw: Path, wh: Path) -> None:
    """The raw folder changed after the version was published (a file added, say)."""
    meta = (wh / "parquet" / versions.META_FILE).stat().st_mtime_ns
    os.utime(raw, ns=(meta + 1_000_000_000, meta + 1_000_000_000))


def test_files_added_after_a_version_of_this_code_make_a_likely_small_night(tmp_path: Path) -> None:
    raw, wh = published(tmp_path, {"extractor_version": versions.extractor_version()})
    assert not versions.likely_small_night(raw, wh)  # nothing changed at the top level since
    touch_later(raw, wh)
    assert versions.likely_small_night(raw, wh)


@pytest.mark.parametrize("meta", [{"extractor_version": "an-older-rule-set"}, {}, "not json", "[1, 2]"])
def test_another_extractor_or_an_unreadable_meta_is_no_small_night(tmp_path: Path, meta: dict | str) -> None:
    """After an upgrade every article is extracted again in the night's own pools: no early workers."""
    raw, wh = published(tmp_path, meta)
    touch_later(raw, wh)
    assert not versions.likely_small_night(raw, wh)


def test_a_first_night_or_a_missing_raw_folder_is_no_small_night(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    assert not versions.likely_small_night(raw, tmp_path / "no-warehouse")
    _, wh = published(tmp_path / "other", {"extractor_version": versions.extractor_version()})
    assert not versions.likely_small_night(tmp_path / "missing", wh)


def test_the_extractor_version_follows_the_extraction_code_not_the_plumbing() -> None:
    assert "figures.py" not in versions.NOT_EXTRACTION and "nightly.py" not in versions.NOT_EXTRACTION
    assert {"cli.py", "versions.py", "publish.py"} <= versions.NOT_EXTRACTION
    assert versions.extractor_version() == versions.extractor_version.__wrapped__()
    assert len(versions.extractor_version()) == 16


def test_a_versions_meta_is_read_or_none(tmp_path: Path) -> None:
    """One reader of `_meta.json` for the night's check, the previous version and the publisher's spares."""
    assert versions.read_meta(tmp_path) is None
    (tmp_path / versions.META_FILE).write_text("{not json")
    assert versions.read_meta(tmp_path) is None
    (tmp_path / versions.META_FILE).write_text(json.dumps({"extractor_version": "v", "publisher_version": "p"}))
    assert versions.read_meta(tmp_path) == {"extractor_version": "v", "publisher_version": "p"}


MODULE = '''"""A module's docstring."""

LIMIT = 3  # a comment


class Rule:
    """A class's docstring."""

    def applies(self, text: str) -> bool:
        """A function's docstring."""
        note = "a string that is data, not a docstring"
        return len(text) > LIMIT and bool(note)


def only_documented() -> None:
    """Nothing but a docstring."""
'''


def test_a_program_is_its_code_without_docstrings_comments_or_layout() -> None:
    same = versions.program_text(MODULE.encode())
    reworded = MODULE.replace("A module's docstring.", "Reworded.").replace("A function's", "Another")
    relaid = MODULE.replace("  # a comment", "").replace("LIMIT = 3", "LIMIT = (\n    3\n)")
    assert versions.program_text(reworded.encode()) == same
    assert versions.program_text(relaid.encode()) == same
    assert versions.program_text(MODULE.replace("> LIMIT", ">= LIMIT").encode()) != same
    assert versions.program_text(MODULE.replace("is data", "is other data").encode()) != same
    # a docstring turned into an expression that is evaluated is code
    assert versions.program_text(MODULE.replace('"""A class\'s docstring."""', 'print("x")').encode()) != same


@pytest.fixture
def digests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where `code_digest` remembers each program's digest, for this test alone."""
    path = tmp_path / "build" / "code_digests.json"
    monkeypatch.setattr(versions, "CODE_DIGESTS", path)
    return path


def test_a_docstring_edit_keeps_the_code_digest_and_a_code_edit_changes_it(tmp_path: Path, digests: Path) -> None:
    program, contract = tmp_path / "rules.py", tmp_path / "tables.py"
    program.write_text(MODULE)
    contract.write_text(MODULE)
    before = versions.code_digest([program], [contract])
    program.write_text(MODULE.replace("A function's docstring.", "Says what applies."))
    assert versions.code_digest([program], [contract]) == before
    program.write_text(MODULE.replace("LIMIT = 3", "LIMIT = 4"))
    assert versions.code_digest([program], [contract]) != before
    program.write_text(MODULE)
    assert versions.code_digest([program], [contract]) == before
    # a file compared byte for byte (schemas/: its docstrings are the table descriptions) is not a program
    contract.write_text(MODULE.replace("A class's docstring.", "A table's description."))
    assert versions.code_digest([program], [contract]) != before


def test_a_programs_digest_is_remembered_by_its_bytes(
    tmp_path: Path, digests: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A night whose code did not change reads the bytes only; a changed file, a file remembered by another
    interpreter or an unreadable record is parsed again."""
    program = tmp_path / "rules.py"
    program.write_text(MODULE)
    first = versions.code_digest([program], [])
    assert json.loads(digests.read_text())["files"][program.as_posix()][0] == hashlib.sha256(MODULE.encode()).hexdigest()

    parsed: list[bytes] = []
    real = versions.program_text
    monkeypatch.setattr(versions, "program_text", lambda source: parsed.append(source) or real(source))
    assert versions.code_digest([program], []) == first
    assert parsed == []

    program.write_text(MODULE + "\n# a trailing comment\n")
    assert versions.code_digest([program], []) == first
    assert len(parsed) == 1
    assert versions.code_digest([program], []) == first
    assert len(parsed) == 1  # remembered again under its new bytes

    record = json.loads(digests.read_text())
    digests.write_text(json.dumps({**record, "python": "another interpreter"}))
    assert versions.code_digest([program], []) == first
    digests.write_text("{not json")
    assert versions.code_digest([program], []) == first
    assert len(parsed) == 3
    assert json.loads(digests.read_text())["python"] == sys.version


def test_a_checkout_that_cannot_be_written_still_gets_its_digest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program = tmp_path / "rules.py"
    program.write_text(MODULE)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setattr(versions, "CODE_DIGESTS", blocked / "code_digests.json")
    assert versions.code_digest([program], []) == versions.code_digest([program], [])
    assert sorted(tmp_path.iterdir()) == [blocked, program]  # no temporary file left behind


def test_no_module_hashed_as_a_program_reads_a_docstring() -> None:
    """What lets `program_text` leave docstrings out: the extraction and publishing code never reads one."""
    from pipeline import compaction, publish, staging

    pipeline_dir = Path(versions.__file__).parent
    programs = [p for p in pipeline_dir.glob("*.py") if p.name not in versions.NOT_EXTRACTION]
    programs += [Path(m.__file__) for m in (publish, staging, compaction)]
    assert len(programs) > 10
    for path in programs:
        tree = ast.parse(path.read_bytes())
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert not names & {"__doc__", "getdoc"}, path.name
