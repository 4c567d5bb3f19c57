"""Work with a budget in a child process (`bounded.py`): its answer, its errors and logs come
back; past its time or memory it is stopped; it runs at a lower CPU priority."""

import logging
import os
import time

import pytest

from gebiedsregie import bounded
from gebiedsregie.bounded import Budget, OverBudget

BUDGET = Budget(seconds=10.0, memory_mb=256)


def _add(a: int, b: int) -> int:
    return a + b


def _niceness() -> int:
    return os.nice(0)


def _fails() -> None:
    raise ValueError("kapot")


def _logs() -> int:
    logging.getLogger("gebiedsregie.test").error("in het kind: %d", 7)
    return 1


def _sleeps() -> None:
    time.sleep(30)


def _grows() -> int:
    return len(bytearray(1024 * 1024 * 1024))  # 1 GB: past the budget


def test_the_answer_comes_back_and_the_work_ran_at_a_lower_priority() -> None:
    assert bounded.run(_add, 2, 3, budget=BUDGET) == 5
    assert bounded.run(_niceness, budget=BUDGET) == min(19, os.nice(0) + bounded.NICE)


def test_an_error_of_the_work_is_raised_here() -> None:
    with pytest.raises(ValueError, match="kapot"):
        bounded.run(_fails, budget=BUDGET)


def test_what_the_work_logged_is_logged_here(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="gebiedsregie.test"):
        assert bounded.run(_logs, budget=BUDGET) == 1
    assert [r.getMessage() for r in caplog.records] == ["in het kind: 7"]


def test_work_past_its_time_is_stopped() -> None:
    started = time.monotonic()
    with pytest.raises(OverBudget, match=r"0\.5 s"):
        bounded.run(_sleeps, budget=Budget(seconds=0.5, memory_mb=256))
    assert time.monotonic() - started < 5


def test_work_past_its_memory_is_stopped() -> None:
    with pytest.raises(OverBudget, match="256 MB"):
        bounded.run(_grows, budget=BUDGET)


def test_preload_names_modules_that_exist() -> None:
    """The fork server skips a module it cannot import without a word: a renamed module left
    in PRELOAD would quietly make every child import it again."""
    import importlib.util

    assert [m for m in bounded.PRELOAD if importlib.util.find_spec(m) is None] == []
    assert "gebiedsregie.stapeling.adhoc" in bounded.PRELOAD  # the ad-hoc stapeling's child
    assert "gebiedsregie.vergelijking.berekening" in bounded.PRELOAD  # the comparison's
