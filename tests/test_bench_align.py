"""bench/align.py: one small run prints align and suggest timings and both labelled sets' figures."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "align.py"


def test_it_prints_timings_and_recall_on_both_labelled_sets():
    result = subprocess.run(  # noqa: S603 -- fixed arguments
        [sys.executable, str(BENCH), "--sizes", "60"],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    assert "suggest(k=3)" in out and "cpu s" in out
    assert "labelled set (44 / 44 sentences)" in out
    assert "suggestions: recall@1" in out
    assert "seed pair" in out  # figures, or why they were skipped
