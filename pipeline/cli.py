"""`factwire run | sql | eval | ui`: the analyst's and the scheduler's entry points.

`run` and `ui` hand over to the Dagster layer (assets/) so the CLI runs the very graph the schedule
runs; everything else here is Dagster-free.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import threading
from pathlib import Path

from pipeline.config import DEFAULT_GOLD_DIR, PROJECT_ROOT, Settings, load_settings

# One writer at a time for the `warehouse` pool (DuckDB allows one writing process); no telemetry.
_INSTANCE_YAML_V1 = """\
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1
"""
# ... and Dagster's SQLite storage, in its usual layout under DAGSTER_HOME, through one SQLAlchemy engine
# per database file (assets/storage.py).
_INSTANCE_YAML_V2 = _INSTANCE_YAML_V1 + """\
storage:
  custom:
    module: assets.storage
    class: FactwireSqliteStorage
    config:
      base_dir:
        env: DAGSTER_HOME
"""
# ... and the runs' stdout and stderr captured where Dagster keeps them, shown on the terminal by a thread
# instead of `tail` subprocesses (assets/compute_logs.py).
INSTANCE_YAML = _INSTANCE_YAML_V2 + """\
compute_logs:
  module: assets.compute_logs
  class: FactwireComputeLogManager
  config:
    base_dir:
      env: DAGSTER_HOME
"""
_EARLIER_INSTANCE_YAMLS = (_INSTANCE_YAML_V1, _INSTANCE_YAML_V2)
# `factwire run`'s exit status while another night holds the warehouse: sysexits' EX_TEMPFAIL (try again later).
EXIT_BUSY = 75


def dagster_home(settings: Settings) -> Path:
    """The Dagster instance lives with the warehouse, so runs from the CLI show in the UI."""
    home = settings.warehouse_dir / ".dagster"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    # written when missing, upgraded when it is an earlier version of ours; an edited file is the user's
    if not config.exists() or config.read_text() in _EARLIER_INSTANCE_YAMLS:
        config.write_text(INSTANCE_YAML)
    return home


def _import_orchestrator() -> None:
    """Import what `run_nightly` and the Dagster instance load: Dagster, the definitions, the instance's
    storage. An import that fails here fails again, reported, where the run imports it."""
    try:
        import assets.compute_logs  # noqa: F401
        import assets.run  # noqa: F401
        import assets.storage  # noqa: F401
    except Exception:  # noqa: BLE001, S110 - see above
        pass


def _polars_on_one_thread() -> None:
    """Import polars with a pool of one thread for this process (unless POLARS_MAX_THREADS says otherwise).

    A small night's run process makes hundreds of small polars queries (the check's joins, pandera's
    checks, parts read and written), each too small to split; a pool of a thread per core woke for each
    and spun before sleeping (about 15,000 sched_yield calls a night) on the cores that the extraction
    workers need. polars reads the variable once, when imported: the processes this one starts (a large
    night's evidence check, a full load) keep a thread per core."""
    if "POLARS_MAX_THREADS" in os.environ:
        return
    os.environ["POLARS_MAX_THREADS"] = "1"
    try:
        import polars  # noqa: F401
    finally:
        del os.environ["POLARS_MAX_THREADS"]


def _fork_server_on_chance(settings: Settings) -> bool:
    """Whether tonight is likely small (`versions.likely_small_night`); if so, start the extraction workers'
    fork server now, before this process imports polars and the pipeline (about 0.3 s), so that it loads
    the extractors and the gazetteer meanwhile on the other core. Asked with the standard library alone."""
    from pipeline import pools, versions

    likely_small = versions.likely_small_night(settings.raw_dir, settings.warehouse_dir)
    if likely_small and settings.workers > 1:
        try:
            pools.start_fork_server(pools.EXTRACTION_PRELOAD)
        except Exception:  # noqa: BLE001, S110 - the workers' start tries again; failing, the facts step starts its own
            pass
    return likely_small


def cmd_run(args: argparse.Namespace) -> int:
    """Run a night, holding the warehouse for its whole length (`pipeline.nightlock`); while another
    night holds it, say so and exit with EXIT_BUSY, having done nothing."""
    from pipeline.nightlock import WarehouseBusy, night_lock

    settings = load_settings(args.raw, args.warehouse)
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    try:
        with night_lock(settings.warehouse_dir):
            return _run_night(args, settings)
    except WarehouseBusy as busy:
        print(f"factwire run: {busy}", file=sys.stderr)
        return EXIT_BUSY


def _run_night(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.pools import long_lived

    importing: threading.Thread | None = None
    with long_lived():  # the modules the night imports stay until the process exits: frozen, never walked
        if not args.force:
            # A night with files added since a version built by this code is likely small: its extraction
            # workers start now, beside the check (not on a first night or after an upgrade, which extract
            # everything in their own pools).
            likely_small = _fork_server_on_chance(settings)
            if likely_small:
                _polars_on_one_thread()
            # incremental before nightly: importing nightly first nests pandera's and pydantic's imports a
            # few frames deeper, where CPython 3.11 allocated and freed a 16 KB chunk of its frame stack
            # about 6,000 times (a loop's calls crossing a chunk boundary; counted with strace): ~0.1 s
            # of system time in every run, no-op nights included.
            from pipeline import incremental, nightly  # noqa: F401 (incremental: imported for the order)
            from pipeline.reuse import hand_over_scan, plan_night

            if likely_small:
                nightly.prestart_on_chance(settings.workers)
                # The orchestrator's imports (about 1 s) go on in a thread while the check lists the
                # raw folder, which does not hold the GIL (incremental.scan_raw).
                importing = threading.Thread(target=_import_orchestrator, daemon=True)
                importing.start()

            try:
                # A night with nothing new would publish the very same version: stop before the
                # orchestrator starts (the sensor skips such a folder the same way).
                plan = plan_night(settings)
                if not plan.published:
                    hand_over_scan(settings, plan)  # the run's raw_files step need not scan the folder again
                    # A small night's extraction workers start now, on the new files: their imports, warm-up
                    # and extraction overlap the orchestrator's start-up and the run's first steps.
                    if plan.files is None or not nightly.start_extraction_early(
                        settings.raw_dir, plan.new_files(), plan.previous, settings.workers, settings.max_file_bytes
                    ):
                        nightly.release_prestarted()
            finally:
                if importing is not None:
                    importing.join()  # before this thread imports a module the other one may be importing
            if plan.published:
                nightly.release_prestarted(before_exit=True)
                print(f"warehouse up to date: version {plan.published} was built from this raw folder with "
                      f"this code (nothing to do; --force runs the job anyway): {settings.duckdb_path}")
                return 0
        os.environ["DAGSTER_HOME"] = str(dagster_home(settings))
        from assets.run import run_nightly  # the bridge to the orchestrator, imported only when running

    ok = run_nightly(settings, args.log_level)
    from pipeline.publish import finish_spare_copy, settle_base

    finish_spare_copy()  # a full load's copy for the next night's delta: complete before the process exits
    settle_base()  # a delta's base that a failed night did not use: kept for the next night
    if not ok:
        print("factwire run failed; see the Dagster logs above", file=sys.stderr)
        return 1
    print(f"warehouse published: {settings.duckdb_path}")
    return 0


def format_rows(columns: list[str], rows: list[tuple], fmt: str) -> str:
    """Rows as an aligned text table, CSV or JSON lines."""
    if fmt == "json":
        return "\n".join(json.dumps(dict(zip(columns, r, strict=True)), default=str, ensure_ascii=False) for r in rows)
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(columns)
        writer.writerows(rows)
        return buf.getvalue().rstrip("\n")
    cells = [[("" if v is None else str(v)).replace("\n", " ") for v in r] for r in rows]
    widths = [min(60, max([len(c)] + [len(r[i]) for r in cells])) for i, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        return "  ".join(v[:w].ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(columns), line(["-" * w for w in widths])] + [line(r) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    settings = load_settings(None, args.warehouse)
    if not settings.duckdb_path.exists():
        print(f"no warehouse at {settings.duckdb_path}: run `factwire run` first", file=sys.stderr)
        return 2
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        cur = con.execute(args.query)
        columns = [d[0] for d in cur.description] if cur.description else []
        rows = cur.fetchall() if columns else []
    except duckdb.Error as exc:
        print(f"SQL error: {exc}", file=sys.stderr)
        return 2
    finally:
        con.close()
    print(format_rows(columns, rows, args.format))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from pipeline import evaluate

    settings = load_settings(None, args.warehouse)
    if not settings.duckdb_path.exists():
        print(f"no warehouse at {settings.duckdb_path}: run `factwire run` first", file=sys.stderr)
        return 2
    report = evaluate.evaluate_warehouse(settings.duckdb_path, Path(args.gold))
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        print(evaluate.format_report(report, verbose=args.verbose))
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    settings = load_settings(args.raw, args.warehouse)
    env = dict(os.environ)
    env.update(
        DAGSTER_HOME=str(dagster_home(settings)),
        FACTWIRE_RAW_DIR=str(settings.raw_dir),
        FACTWIRE_WAREHOUSE_DIR=str(settings.warehouse_dir),
    )
    dg_bin = shutil.which("dg", path=str(Path(sys.executable).parent)) or "dg"
    cmd = [dg_bin, "dev", "--host", args.host, "--port", str(args.port)]
    os.chdir(PROJECT_ROOT)
    os.execvpe(cmd[0], cmd, env)
    return 0  # not reached


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factwire", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the nightly job: raw folder -> published warehouse")
    run.add_argument("--raw", help="raw folder (default: FACTWIRE_RAW_DIR or seeds/articles)")
    run.add_argument("--warehouse", help="warehouse folder (default: FACTWIRE_WAREHOUSE_DIR or warehouse/)")
    run.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    run.add_argument("--force", action="store_true",
                     help="run the job even when the raw folder and the code are unchanged since the last publish")
    run.set_defaults(func=cmd_run)

    sql = sub.add_parser("sql", help="query the warehouse (read-only)")
    sql.add_argument("query")
    sql.add_argument("--warehouse")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sql.set_defaults(func=cmd_sql)

    ev = sub.add_parser("eval", help="score the warehouse against the gold set")
    ev.add_argument("--warehouse")
    ev.add_argument("--gold", default=str(DEFAULT_GOLD_DIR), help="gold folder, or one gold file")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--verbose", action="store_true")
    ev.set_defaults(func=cmd_eval)

    ui = sub.add_parser("ui", help="open the Dagster UI on the project's definitions")
    ui.add_argument("--raw")
    ui.add_argument("--warehouse")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)
    return parser


def _call(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except BrokenPipeError:
        # The reader went away (`factwire eval | head`): not an error of ours. Point stdout at devnull so
        # the interpreter's final flush does not raise again, and exit as a piped Unix tool does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def main(argv: list[str] | None = None) -> int:
    return _call(build_parser().parse_args(argv))


def entry() -> None:
    """The `factwire` command. After `run`, the process exits without the interpreter's teardown: the
    night is published and every file, database and pool is closed by then, and freeing what Dagster,
    polars and DuckDB loaded took 0.7 s, a tenth of a small night."""
    args = build_parser().parse_args()
    if args.func is cmd_run:
        from pipeline.pools import skip_hypothesis

        skip_hypothesis()
    code = _call(args)
    if args.func is cmd_run:
        from pipeline.pools import remove_temp_dir

        remove_temp_dir()
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
