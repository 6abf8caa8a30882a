"""Rule-based math rewards: extract the final answer, normalise it, parse it safely and compare.

``accuracy`` is the reward (``math_accuracy``); ``extract`` finds the answer in a completion (``final``
reads an answer no marker points to);
``normalize`` cleans LaTeX and plain text; ``lex``, ``parse`` and ``nodes`` build sympy objects without
``sympify``; ``values`` and ``equal`` compare them under the time limit of ``timeout``.
"""

from lit_reason.rewards.math.accuracy import MathAccuracy, math_accuracy
from lit_reason.rewards.math.equal import answers_equal
from lit_reason.rewards.math.extract import extract_answer, extract_answers

__all__ = ["MathAccuracy", "answers_equal", "extract_answer", "extract_answers", "math_accuracy"]
