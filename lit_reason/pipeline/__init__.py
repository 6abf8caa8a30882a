"""``lit-reason pipeline``: a YAML chain of stages (:mod:`.spec`), run stage by stage in child processes
(:mod:`.runner`, :mod:`.stage`) with resume."""

from lit_reason.pipeline.runner import load_state, main, run_pipeline, stage_cli_args
from lit_reason.pipeline.spec import Pipeline, PipelineError, Stage, load_pipeline

__all__ = [
    "Pipeline",
    "PipelineError",
    "Stage",
    "load_pipeline",
    "load_state",
    "main",
    "run_pipeline",
    "stage_cli_args",
]
