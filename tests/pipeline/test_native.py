"""The compiled extraction core (pipeline/native.py): used only when it matches the sources, and it
gives exactly the rows the Python modules give."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import figures, native
from pipeline.config import PROJECT_ROOT

# Every article of the development set and the seed: the rows of both builds are compared on these.
_DUMP = """
import pickle, sys, dataclasses
from pathlib import Path
from pipeline.extract import extract_article
from pipeline.parse import parse_file
root = Path(sys.argv[1])
paths = sorted((root / "seeds" / "dev").iterdir()) + sorted((root / "seeds" / "articles").iterdir())
out = []
for path in paths:
    for article in parse_file(path, path.parent, 50_000_000)[0]:
        facts = extract_article(article)
        out.append({table: [dataclasses.asdict(row) for row in getattr(facts, table)]
                    for table in ("sentences", "figures", "attributions", "events", "event_places")})
sys.stdout.buffer.write(pickle.dumps(out))
"""


def _rows(pure: bool) -> list[dict[str, list[dict[str, object]]]]:
    env = {k: v for k, v in os.environ.items() if k != "FACTWIRE_PURE_PYTHON"}
    if pure:
        env["FACTWIRE_PURE_PYTHON"] = "1"
    done = subprocess.run([sys.executable, "-c", _DUMP, str(PROJECT_ROOT)], env=env, capture_output=True,
                          check=True, cwd=PROJECT_ROOT)
    return pickle.loads(done.stdout)  # noqa: S301 (our own child process)


def test_make_test_runs_the_compiled_build() -> None:
    # `make test` compiles first and sets FACTWIRE_EXPECT_NATIVE: the suite then tests what `make run` runs.
    if not os.environ.get("FACTWIRE_EXPECT_NATIVE"):
        pytest.skip("run outside `make test`: the compiled build may be absent or stale")
    assert native.is_fresh()
    assert native.is_compiled(figures)


def test_compiled_modules_are_used_exactly_when_the_build_is_fresh() -> None:
    expected = native.is_fresh() and not os.environ.get("FACTWIRE_PURE_PYTHON")
    assert native.is_compiled(figures) is expected
    from pipeline import parse  # not in COMPILED: always its source

    assert not native.is_compiled(parse)


def test_the_compiled_build_gives_the_same_rows_as_the_python_modules() -> None:
    if not native.is_fresh():
        pytest.skip("no fresh compiled build to compare (make native)")
    compiled, pure = _rows(pure=False), _rows(pure=True)
    assert len(compiled) == len(pure) >= 46
    assert sum(len(a["figures"]) + len(a["events"]) for a in compiled) > 200  # the comparison has substance
    for got, want in zip(compiled, pure, strict=True):
        assert got == want


def test_a_build_of_other_sources_or_another_python_is_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native, "MANIFEST", tmp_path / "manifest.json")
    assert not native.is_fresh()  # no build at all
    current = native.expected_manifest()
    (tmp_path / "manifest.json").write_text(json.dumps(current))
    assert native.is_fresh()
    changed = {**current, "sources": {**current["sources"], "figures.py": "0" * 64}}  # type: ignore[dict-item]
    (tmp_path / "manifest.json").write_text(json.dumps(changed))
    assert not native.is_fresh()  # one source edited since the build: yesterday's rules, never imported
    (tmp_path / "manifest.json").write_text(json.dumps({**current, "python": "3.11.0 (other)"}))
    assert not native.is_fresh()
    (tmp_path / "manifest.json").write_text("{not json")
    assert not native.is_fresh()


def test_a_stale_build_leaves_the_package_path_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    path = ["/src/pipeline"]
    monkeypatch.setattr(native, "is_fresh", lambda: False)
    assert native.use_compiled(path) is False and path == ["/src/pipeline"]
    monkeypatch.setattr(native, "is_fresh", lambda: True)
    monkeypatch.setenv("FACTWIRE_PURE_PYTHON", "1")
    assert native.use_compiled(path) is False and path == ["/src/pipeline"]
    monkeypatch.delenv("FACTWIRE_PURE_PYTHON")
    assert native.use_compiled(path) is True and path[0] == str(native.BUILD_DIR / "pipeline")


def test_rows_survive_the_trip_from_a_worker() -> None:
    # Rows are pickled from the extraction workers to the run: a compiled class could not be (mypyc
    # rebuilds its objects through __init__), so the row classes stay plain Python classes.
    from pipeline.extract import extract_article
    from pipeline.parse import parse_file

    seed = next((PROJECT_ROOT / "seeds" / "articles").iterdir())
    facts = extract_article(parse_file(seed, seed.parent, 50_000_000)[0][0])
    assert facts.figures and facts.attributions and facts.events and facts.event_places
    assert pickle.loads(pickle.dumps(facts)) == facts  # noqa: S301


def test_frozen_compiled_classes_pickle_by_their_fields() -> None:
    # A compiled frozen dataclass pickles through its __reduce__ (the default state of a compiled class is
    # set back field by field, which frozen refuses): sentences come back from the workers, places and the
    # place rules' context are in the gazetteer cache.
    import dataclasses

    from pipeline.model import Sentence
    from pipeline.places import _never, load_gazetteer

    gazetteer = load_gazetteer()
    kyiv = gazetteer.resolve("Kyiv")
    assert kyiv is not None
    context = dataclasses.replace(gazetteer._ctx, is_place=_never)  # as the gazetteer pickles it
    for obj in (Sentence("s1", "a1", 0, 0, "body", 0, 5, "Hello"), kyiv, context,
                gazetteer._entry(gazetteer._surfaces.index("Kyiv"))):
        back = pickle.loads(pickle.dumps(obj))  # noqa: S301
        assert back == obj and type(back) is type(obj)


@pytest.mark.parametrize("cls_path", ["attributions.Para", "attributions.Cue", "attributions.Draft",
                                      "attributions.Entity", "attributions.SpeakerNP", "attributions.Tok",
                                      "events._Hit", "figures.Cand", "figures.Reading", "model.Sentence", "numbers.NumberMention",
                                      "figures.FigureRow", "attributions.AttributionRow", "events.EventRow",
                                      "events.EventPlaceRow",
                                      "places.PlaceMention", "places.Place", "places._Entry", "places._Context"])
def test_written_out_inits_take_the_fields_in_order_with_their_defaults(cls_path: str) -> None:
    # These dataclasses write their __init__ out (under mypyc the generated one runs as Python): read
    # from the source (the compiled class has no signature to inspect), its parameters must be the
    # declared fields, in order, with the same defaults, and it must set each of them.
    import ast

    module, name = cls_path.split(".")
    tree = ast.parse((PROJECT_ROOT / "pipeline" / f"{module}.py").read_text(encoding="utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name)
    def default(value: ast.expr | None) -> str | None:  # field(default_factory=...) is a None parameter
        if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "field":
            return ast.dump(ast.Constant(None))
        return ast.dump(value) if value else None

    fields = [(n.target.id, default(n.value)) for n in cls.body
              if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)]
    init = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    params = [a.arg for a in init.args.args[1:]]
    defaults = [None] * (len(params) - len(init.args.defaults)) + [ast.dump(d) for d in init.args.defaults]
    assert list(zip(params, defaults, strict=True)) == fields
    body = ast.unparse(init)
    for field_name, _ in fields:
        assert f"self.{field_name} = " in body or f"'{field_name}', {field_name})" in body \
            or f"'{field_name}': {field_name}" in body, field_name


def test_a_machine_that_cannot_compile_still_runs(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    # No C compiler: `make native` warns and `make run` goes on with the Python modules (same rows).
    def no_compiler(force: bool = False) -> bool:
        raise SystemExit("error: command 'gcc' failed: No such file or directory")

    monkeypatch.setattr(native, "build", no_compiler)
    assert native.main() == 0
    assert "could not compile the extraction core" in capsys.readouterr().err


def test_the_reason_for_python_modules_is_the_decision_every_process_makes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (native.why_python() is None) is native.is_compiled(figures)
    monkeypatch.setenv("FACTWIRE_PURE_PYTHON", "1")
    assert native.why_python() == "FACTWIRE_PURE_PYTHON is set"
    assert native.use_compiled([]) is False
    monkeypatch.delenv("FACTWIRE_PURE_PYTHON")
    monkeypatch.setattr(native, "MANIFEST", PROJECT_ROOT / "build" / "no-such-manifest.json")
    assert native.why_python() is not None and "make native" in native.why_python()
    assert native.use_compiled([]) is False
