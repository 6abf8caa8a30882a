"""The math_accuracy reward: TRL signature, None semantics, hedges, think guesses, options, time limit."""

import signal
import threading
import time

import pytest

from lit_reason.rewards.math import MathAccuracy, answers_equal, math_accuracy
from lit_reason.rewards.math.timeout import MathTimeout, call_with_timeout

# sympy's solveset on a degree-97 inequality runs for minutes: the canonical stall.
PATHOLOGICAL = r"x^{97} + 3x^{41} - 5x^{3} + 1 > 0"


def score(completion, gold, **options):
    reward = MathAccuracy(**options) if options else math_accuracy
    return reward(["prompt"], [completion], answer=[gold])[0]


def test_trl_signature_and_values():
    completions = [r"so $\boxed{\frac12}$", r"so $\boxed{2}$", "I have no idea", "#### 1,000"]
    rewards = math_accuracy(["p"] * 4, completions, answer=["0.5", "0.5", "0.5", "1000"], difficulty=[1, 2, 3, 4])
    assert rewards == [1.0, 0.0, None, 1.0]


def test_name_for_logging():
    assert math_accuracy.__name__ == "math_accuracy"
    assert MathAccuracy(tolerance=1e-3).__name__ == "math_accuracy"


def test_conversational_completions():
    completions = [[{"role": "assistant", "content": r"\boxed{7}"}], []]
    assert math_accuracy(["p", "p"], completions, answer=["7", "7"]) == [1.0, None]


def test_answers_given_as_numbers_are_accepted():
    assert math_accuracy(["p"], [r"\boxed{72}"], answer=[72]) == [1.0]


def test_gold_given_as_a_full_solution():
    gsm_solution = "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n#### 72"
    math_solution = r"Adding gives $\frac{7}{4}$, so the answer is $\boxed{\frac74}$."
    assert math_accuracy(["p"] * 3, ["#### 72", r"\boxed{1.75}", r"\boxed{24}"],
                         answer=[gsm_solution, math_solution, gsm_solution]) == [1.0, 1.0, 0.0]


def test_gold_with_several_boxes_is_their_list():
    gold = r"$\boxed{1}$ and $\boxed{-2}$"
    assert math_accuracy(["p"] * 3, [r"$\boxed{-2, 1}$", r"$\boxed{1}$", "The roots are $1$ and $-2$."],
                         answer=[gold] * 3) == [1.0, 0.0, 1.0]


@pytest.mark.parametrize(
    ("completion", "gold", "expected"),
    [
        (r"The answer is $\boxed{\boxed{5 \text{ cm}}}$.", "5", 1.0),  # a box inside a box is one answer
        (r"Parts: $\boxed{(3, 3)}$ for (a) and $\boxed{(1, 1)}$ for (b).", "(3, 3), (1, 1)", 1.0),
        (r"Parts: $\boxed{(3, 3)}$ for (a) and $\boxed{(1, 1)}$ for (b).", "(3, 3)", 0.0),
        ("Final Answer: The area is 24 square units.", "24", 1.0),  # the answer inside a sentence
        ("Final Answer: There are 19 points in the domain of $f$.", "19", 1.0),
        ("Final Answer: There are 19 points in the domain of $f$.", "f", 0.0),
        ("We solve and get x = 1/3 \u2248 0.333.", r"\frac13", 1.0),  # the exact value, not its approximation
        ("so the number is 10 which is 1,000.99m\u00b2", "1000.99", 1.0),  # a unit glued to the number
        ("The code is AZYUK2A.", "2", None),
        ("The exact value is sqrt(2)/2, about 0.707.", r"\frac{\sqrt2}{2}", 1.0),  # plain-text maths in prose
        ("The value is sqrt(3).", "3", 0.0),
        ("So the area is 25\u03c0 square units.", r"25\pi", 1.0),
        ("So the area is 25\u03c0 square units.", "25", 0.0),
        ("The length is 4\u221a2 cm.", r"4\sqrt{2}", 1.0),
        ("Solving, x = 3 or x = -1.", "-1, 3", 1.0),
        ("Solving, x = 3 or x = -1.", "3", 0.0),
        ("She needs 2 1/2 cups of flour.", r"\frac52", 1.0),  # a mixed number
        ("It takes about 3.6 hours.", "3.6", 1.0),  # an approximation that is all there is
        ("Therefore, there is no solution.", r"\text{no solution}", 1.0),
        ("The slope is undefined, since the line is vertical.", r"\text{undefined}", 1.0),
        ("The slope is undefined, since the line is vertical.", "0", 0.0),
        ("So there are 14 such integers between 1 and 100.", "14", 1.0),  # not the restated range
        ("So there are 14 such integers between 1 and 100.", "100", 0.0),
        ("The area is 6 times 8 = 48", "48", 1.0),
    ],
)
def test_answers_as_models_write_them(completion, gold, expected):
    assert score(completion, gold) == expected


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="2 completions but 1 answers"):
        math_accuracy(["p", "p"], ["1", "2"], answer=["1"])


@pytest.mark.parametrize(
    ("completion", "gold", "expected"),
    [
        (r"It is either $\boxed{3}$ or $\boxed{4}$.", "3", 0.0),  # several different boxes
        (r"It is either $\boxed{3}$ or $\boxed{4}$.", "4", 0.0),
        ("The answer is 3 or 4.", "3", 0.0),  # hedged in words
        (r"So the answer is $\boxed{3 \text{ or } 4}$.", "3", 0.0),
        ("The answer is either 12 or 13.", "12", 0.0),
        (r"The answer is $\boxed{3, 4}$.", "3", 0.0),
        ("<answer>3</answer> hmm, actually <answer>4</answer>", "4", 0.0),
        (r"We get $\boxed{5}$; checking, indeed $\boxed{5}$.", "5", 1.0),  # repeating one answer is fine
        (r"We get $\boxed{\frac{1}{2}}$, i.e. $\boxed{0.5}$.", "0.5", 1.0),
        (r"The solutions are $\boxed{2}$ and $\boxed{3}$.", "2, 3", 1.0),  # together they are the gold list
        (r"The solutions are $\boxed{2}$ and $\boxed{3}$.", "2", 0.0),
        (r"The answer is $\boxed{\pm 2}$.", "2", 0.0),
        (r"The answer is $\boxed{\pm 2}$.", "2, -2", 1.0),
    ],
)
def test_hedges_and_multiple_boxes(completion, gold, expected):
    assert score(completion, gold) == expected


@pytest.mark.parametrize(
    ("completion", "gold", "expected"),
    [
        ("<think>\nI guess 5.\n</think>\nThe answer is 6.", "5", 0.0),
        ("<think>\nI guess 5.\n</think>\nThe answer is 6.", "6", 1.0),
        ("<think>\nMaybe \\boxed{7}.\n</think>\n<answer>8</answer>", "7", 0.0),
        ("<think>\nMaybe \\boxed{7}.\n</think>\n<answer>8</answer>", "8", 1.0),
        ("<think>\nThe answer is \\boxed{1}.\n</think>\nI could not finish.", "1", None),
    ],
)
def test_think_guesses_do_not_count(completion, gold, expected):
    assert score(completion, gold) == expected


def test_options():
    assert score("so it is 7 in total", "7") == 1.0
    assert score("so it is 7 in total", "7", allow_fallback=False) is None
    assert score(r"\boxed{5\text{ cm}}", r"5\text{ m}") == 1.0
    assert score(r"\boxed{5\text{ cm}}", r"5\text{ m}", require_units=True) == 0.0
    assert score(r"\boxed{3.1416}", r"\pi") == 0.0
    assert score(r"\boxed{3.1416}", r"\pi", tolerance=1e-5) == 1.0


@pytest.mark.parametrize(
    ("options", "message"),
    [({"tolerance": -1.0}, "tolerance must be >= 0"), ({"timeout_s": 0.0}, "timeout_s must be > 0")],
)
def test_invalid_options(options, message):
    with pytest.raises(ValueError, match=message):
        MathAccuracy(**options)


def test_pathological_input_returns_within_the_time_limit():
    start = time.monotonic()
    assert answers_equal(PATHOLOGICAL, "x > 0", timeout_s=0.5) is False
    assert time.monotonic() - start < 2.0
    start = time.monotonic()
    assert score(rf"$\boxed{{{PATHOLOGICAL}}}$", "x > 0", timeout_s=0.5) == 0.0
    assert time.monotonic() - start < 2.0


def test_time_limit_off_the_main_thread_uses_a_worker():
    results = {}

    def run():
        start = time.monotonic()
        results["slow"] = answers_equal(PATHOLOGICAL, "x > 0", timeout_s=0.5)
        results["fast"] = answers_equal("(x+1)^2", "x^2+2x+1", timeout_s=5.0)
        results["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert results["slow"] is False and results["fast"] is True
    assert results["seconds"] < 60  # two worker start-ups (sympy import) plus 0.5 s


def test_alarm_restores_an_outer_timer_and_handler():
    fired = []

    def outer(signum, frame):
        fired.append(signum)

    previous = signal.signal(signal.SIGALRM, outer)
    previous_timer = signal.setitimer(signal.ITIMER_REAL, 100.0)
    try:
        assert call_with_timeout(pow, (2, 10), 1.0) == 1024
        with pytest.raises(MathTimeout):
            call_with_timeout(time.sleep, (3.0,), 0.1)
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 90.0 < remaining <= 100.0
        assert signal.getsignal(signal.SIGALRM) is outer
        assert fired == []
    finally:
        signal.setitimer(signal.ITIMER_REAL, *previous_timer)
        signal.signal(signal.SIGALRM, previous)
