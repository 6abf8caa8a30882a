"""One pipeline stage in its own process: ``fit`` then ``validate`` a LightningCLI config, metrics to JSON.

The pipeline runner (:mod:`lit_reason.pipeline`) launches this as

    python -m lit_reason.pipeline.stage --metrics-out M.json [--ckpt-path last.ckpt] -- <lit-reason CLI args>

where the CLI args are exactly those of ``lit-reason fit`` (``--config ...`` and overrides).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings

from lit_reason.cli import LitReasonCLI
from lit_reason.commands.errors import CLIError, show_tracebacks
from lit_reason.datamodules import PromptDataModule


def run_stage(cli_args: list[str], ckpt_path: str | None) -> dict[str, float]:
    """Fits the configured module (resuming from ``ckpt_path`` if given), then validates it.

    Args:
        cli_args: Arguments of ``lit-reason fit`` without the subcommand.
        ckpt_path: A Lightning checkpoint to resume fitting from, or None to start fresh.

    Returns:
        The validation metrics (floats) plus ``global_step``, the optimizer steps fitting ended at, and
        ``val_rows``, the number of validation rows (prompt data modules).
    """
    with warnings.catch_warnings():
        # sys.argv holds this module's own arguments too, which LightningCLI would warn about; it must stay
        # as it is so that Lightning's multi-process launcher can re-execute this command.
        warnings.filterwarnings("ignore", message="LightningCLI's args parameter")
        cli = LitReasonCLI(args=cli_args, run=False)
    cli.trainer.fit(cli.model, datamodule=cli.datamodule, ckpt_path=ckpt_path)
    results = cli.trainer.validate(cli.model, datamodule=cli.datamodule, verbose=False)
    metrics = {k: float(v) for k, v in (results[0] if results else {}).items()}
    metrics["global_step"] = float(cli.trainer.global_step)
    if isinstance(cli.datamodule, PromptDataModule):  # the n behind each validation rate (its standard error)
        metrics["val_rows"] = float(len(cli.datamodule.val_rows))
    if not cli.trainer.is_global_zero:
        return {}
    return metrics


def main(argv: list[str] | None = None) -> None:
    """Entry point of the stage process; see the module docstring for the arguments."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" not in argv:
        raise SystemExit("lit_reason.pipeline.stage: expected '--' before the lit-reason CLI arguments")
    cut = argv.index("--")
    parser = argparse.ArgumentParser(prog="python -m lit_reason.pipeline.stage", description=__doc__)
    parser.add_argument("--metrics-out", required=True, help="JSON file the validation metrics go to")
    parser.add_argument("--ckpt-path", default=None, help="Lightning checkpoint to resume fitting from")
    args = parser.parse_args(argv[:cut])
    try:
        metrics = run_stage(argv[cut + 1 :], args.ckpt_path)
    except CLIError as e:  # one line, as from `lit-reason fit`; the runner says which stage and how to resume
        if show_tracebacks():
            raise
        print(f"lit-reason: error: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    if metrics:
        tmp = args.metrics_out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(metrics, f, indent=2, sort_keys=True)
        os.replace(tmp, args.metrics_out)  # the runner never reads a half-written file


if __name__ == "__main__":
    main()
