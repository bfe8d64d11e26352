"""Resources: where the raw files are and where the warehouse goes (values from pipeline.config)."""


from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from pipeline.config import DEFAULT_GOLD_DIR, Settings
from pipeline.nightlock import night_lock


class FactwirePaths(dg.ConfigurableResource):
    """Raw folder and warehouse folder of this deployment."""

    raw_dir: str
    warehouse_dir: str
    max_file_bytes: int
    workers: int = 1
    gold_dir: str = ""

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["FactwirePaths"]:
        """A run holds the warehouse from its first step to its last (`pipeline.nightlock`): while another
        night holds it, the run fails here, before any step writes. A sensor's evaluation (no run) only
        reads, and takes nothing."""
        with super().yield_for_execution(context) as resource:
            if context.run is None:
                yield resource
                return
            with night_lock(Path(self.warehouse_dir)):
                yield resource

    def settings(self) -> Settings:
        gold = Path(self.gold_dir) if self.gold_dir else DEFAULT_GOLD_DIR
        return Settings(Path(self.raw_dir), Path(self.warehouse_dir), self.max_file_bytes, self.workers, gold)

    def build_dir(self) -> Path:
        path = self.settings().build_dir
        path.mkdir(parents=True, exist_ok=True)
        return path

    @classmethod
    def from_settings(cls, settings: Settings) -> "FactwirePaths":
        return cls(
            raw_dir=str(settings.raw_dir),
            warehouse_dir=str(settings.warehouse_dir),
            max_file_bytes=settings.max_file_bytes,
            workers=settings.workers,
            gold_dir=str(settings.gold_dir),
        )
