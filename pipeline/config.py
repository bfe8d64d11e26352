"""The one place that reads configuration: CLI flags, then environment, then embedded defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RAW_DIR = PROJECT_ROOT / "seeds" / "articles"
DEFAULT_WAREHOUSE_DIR = PROJECT_ROOT / "warehouse"
DEFAULT_GOLD_DIR = PROJECT_ROOT / "seeds" / "gold"
VIEWS_SQL = PROJECT_ROOT / "warehouse" / "views.sql"
DUCKDB_FILE = "factwire.duckdb"
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    warehouse_dir: Path
    max_file_bytes: int = MAX_FILE_BYTES
    workers: int = 1
    gold_dir: Path = DEFAULT_GOLD_DIR

    @property
    def duckdb_path(self) -> Path:
        return self.warehouse_dir / DUCKDB_FILE

    @property
    def build_dir(self) -> Path:
        """Staging area the assets write to before the warehouse is published."""
        return self.warehouse_dir / "_build"


def load_settings(raw_dir: str | Path | None = None, warehouse_dir: str | Path | None = None) -> Settings:
    """Flags win over FACTWIRE_RAW_DIR / FACTWIRE_WAREHOUSE_DIR, which win over the defaults."""
    raw = raw_dir or os.environ.get("FACTWIRE_RAW_DIR") or DEFAULT_RAW_DIR
    warehouse = warehouse_dir or os.environ.get("FACTWIRE_WAREHOUSE_DIR") or DEFAULT_WAREHOUSE_DIR
    max_bytes = int(os.environ.get("FACTWIRE_MAX_FILE_BYTES", MAX_FILE_BYTES))
    workers = int(os.environ.get("FACTWIRE_WORKERS", 0)) or os.cpu_count() or 1
    gold = Path(os.environ.get("FACTWIRE_GOLD_DIR") or DEFAULT_GOLD_DIR).resolve()
    return Settings(Path(raw).resolve(), Path(warehouse).resolve(), max_bytes, workers, gold)
