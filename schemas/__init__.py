"""Table contracts: pandera models for every warehouse table."""

from schemas.tables import TABLES, descriptions, polars_schema, table_description

__all__ = ["TABLES", "descriptions", "polars_schema", "table_description"]
