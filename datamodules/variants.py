"""VariantPromptDataModule: every training question followed by derived variants of it (perturbed, counterfactual).

The report's ARRE (sec 7.6: meaning-preserving perturbations q' of q) and CREL (sec 7.9.4: counterfactual
questions do(X=x)) both train on a question together with questions derived from it. This wrapper does the
deriving, once, for any :class:`QuestionTransform`: a batch of ``b`` rows becomes ``b x (1 + variants)`` rows,
each question first (``variant`` 0) and then its variants (``variant`` 1..k), all with ``variant_of``, the
question's index in the batch, and ``variant_note``, what the transform did. Methods read those columns from
the rollout (``rollout.columns``); the datamodule knows nothing of them.

The transform sees the question's text (the string prompt, or the last user message of a chat prompt) and its
reference answer, and returns the variant's text and its recomputed answer, or None when it cannot derive one
from that question (the batch then has fewer variants of it; ``variants_dropped`` counts them).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any, NamedTuple, Protocol, runtime_checkable

from lit_reason.datamodules.loader import RowLoader
from lit_reason.datamodules.prompt import PromptDataModule


class Variant(NamedTuple):
    """A derived question: its text, its reference answer, and a short note of what was changed."""

    question: str
    answer: str
    note: str


@runtime_checkable
class QuestionTransform(Protocol):
    """Derives a variant of a question; ``strength`` (>= 0) scales how far (a schedule may raise it)."""

    strength: float

    def __call__(self, question: str, answer: str, rng: random.Random) -> Variant | None: ...


def question_text(prompt: str | list[dict[str, str]]) -> str:
    """The question of a prompt: the string itself, or the content of a chat prompt's last user message."""
    if isinstance(prompt, str):
        return prompt
    users = [m for m in prompt if m.get("role") == "user"]
    if not users:
        raise ValueError(f"variants: a chat prompt needs a user message, got roles {[m.get('role') for m in prompt]}")
    return users[-1]["content"]


def with_question(prompt: str | list[dict[str, str]], text: str) -> str | list[dict[str, str]]:
    """``prompt`` with its question (see :func:`question_text`) replaced by ``text``."""
    if isinstance(prompt, str):
        return text
    last = max(i for i, m in enumerate(prompt) if m.get("role") == "user")
    return [*prompt[:last], {**prompt[last], "content": text}, *prompt[last + 1 :]]


def derive(row: dict[str, Any], transform: QuestionTransform, rng: random.Random) -> dict[str, Any] | None:
    """The row of one variant of ``row`` (columns kept, ``prompt`` and ``answer`` replaced), or None."""
    variant = transform(question_text(row["prompt"]), str(row["answer"]), rng)
    if variant is None:
        return None
    return {**row, "prompt": with_question(row["prompt"], variant.question), "answer": variant.answer,
            "variant_note": variant.note}


def variant_tags(columns: dict[str, list[Any]], owner: str) -> tuple[list[int], list[int]]:
    """``(variant_of, variant)`` of a batch's or rollout's columns; an error naming ``owner`` without them."""
    missing = [k for k in ("variant_of", "variant") if k not in columns]
    if missing:
        raise ValueError(f"{owner}: the prompt rows have no {missing} column; train on "
                         f"lit_reason.datamodules.variants.VariantPromptDataModule (have {sorted(columns)})")
    return [int(v) for v in columns["variant_of"]], [int(v) for v in columns["variant"]]


class VariantLoader:
    """A :class:`RowLoader` whose batches are expanded with ``variants`` derived rows per question.

    The variants of a batch are drawn from an RNG keyed by ``(seed, epoch, batch position)``, so a resumed
    run (the base loader's ``state_dict``) derives the very variants an uninterrupted one would.
    """

    def __init__(self, base: RowLoader, transform: QuestionTransform, variants: int, seed: int) -> None:
        self.base, self.transform, self.variants, self.seed = base, transform, variants, seed
        self.dropped = 0

    def __len__(self) -> int:
        return len(self.base)

    def __iter__(self) -> Iterator[list[dict[str, Any]]]:
        for batch in self.base:
            rng = random.Random(f"{self.seed}/{self.base.epoch}/{self.base.position}/{self.base.rank}")
            yield self.expand(batch, rng)

    def expand(self, batch: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
        """Each row (``variant`` 0) followed by its derived variants (1..k), tagged with ``variant_of``."""
        out = []
        for i, row in enumerate(batch):
            out.append({**row, "variant": 0, "variant_of": i, "variant_note": ""})
            for k in range(1, self.variants + 1):
                derived = derive(row, self.transform, rng)
                if derived is None:
                    self.dropped += 1
                    continue
                out.append({**derived, "variant": k, "variant_of": i})
        return out

    def state_dict(self) -> dict[str, Any]:
        return self.base.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.base.load_state_dict(state)


class VariantPromptDataModule(PromptDataModule):
    """A :class:`PromptDataModule` whose training batches hold each question and ``variants`` variants of it.

    Takes every argument of :class:`PromptDataModule` (``batch_size`` counts questions: a batch holds up to
    ``batch_size x (1 + variants)`` prompts), plus:

    Args:
        transform: The :class:`QuestionTransform` that derives the variants (e.g.
            ``lit_reason.frameworks.arre.ArithmeticPerturber``, ``lit_reason.frameworks.crel.Intervention``).
        variants: Variants derived per question (>= 1).
        val_transformed: Validate on one variant of each held-out question instead of the question itself
            (at the transform's strength when validation starts; robustness of ARRE, counterfactual accuracy of
            CREL); held-out questions the transform cannot vary are kept as they are.
    """

    def __init__(self, *args: Any, transform: QuestionTransform, variants: int = 3, val_transformed: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not isinstance(transform, QuestionTransform):
            raise ValueError(f"VariantPromptDataModule.transform must be a QuestionTransform (a callable with a "
                             f"'strength'), got {type(transform).__name__}")
        if variants < 1:
            raise ValueError(f"VariantPromptDataModule.variants must be >= 1, got {variants}")
        self.transform, self.variants, self.val_transformed = transform, variants, val_transformed

    def setup(self, stage: str | None = None) -> None:
        fresh = not self.train_rows
        super().setup(stage)
        if fresh and self.train_loader is not None:
            self.train_loader = VariantLoader(self.train_loader, self.transform, self.variants, self.seed)

    def set_strength(self, strength: float) -> None:
        """Sets the transform's strength from the next batch on (ARRE's progressive schedule, alg 13)."""
        if not strength >= 0:
            raise ValueError(f"VariantPromptDataModule.set_strength: strength must be >= 0, got {strength}")
        self.transform.strength = float(strength)

    def val_dataloader(self) -> RowLoader | list:
        if not self.val_transformed or not self.val_rows:
            return super().val_dataloader()
        rows = []
        for i, row in enumerate(self.val_rows):  # one fixed variant per held-out question (seeded by its index)
            derived = derive(row, self.transform, random.Random(f"{self.seed}/val/{i}"))
            rows.append({**row, "variant_note": ""} if derived is None else derived)
        rank, world = self.shard()
        return RowLoader(rows, self.val_batch_size, resumable=False, rank=rank, world_size=world)
