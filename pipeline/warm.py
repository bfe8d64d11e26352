"""Imported by the extraction workers' fork server (pipeline.pools.start_fork_server): the extractors,
gazetteer and lexicons loaded and every extractor run once, so that each worker forked from it starts
warm. Imports no polars (its threads do not survive a fork)."""

from pipeline.pools import long_lived

try:
    with long_lived():  # kept until the server ends, and shared by every forked worker: never walked
        from pipeline.extract import warm_up

        warm_up()
except Exception:  # noqa: BLE001 - a worker that starts cold loads what it needs itself
    pass
