"""Table contracts: pandera models for every warehouse table (schemas.tables), and the controlled
vocabularies (schemas.vocab).

The models are imported on first use: the extraction core reads only the vocabularies, so importing it
does not import pandera and polars (a worker forked from a template process must not inherit polars'
threads: see pipeline.pools)."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schemas.tables import TABLES, descriptions, polars_schema, table_description

__all__ = ["TABLES", "descriptions", "polars_schema", "table_description"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from schemas import tables

        return getattr(tables, name)
    raise AttributeError(f"module 'schemas' has no attribute {name!r}")
