"""factwire's core: parsing, extraction and the warehouse steps, free of Dagster."""

from pipeline.native import use_compiled

use_compiled(__path__)  # the compiled extraction modules when a fresh build is there (pipeline/native.py)
