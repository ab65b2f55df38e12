"""bench/segment.py: one run prints both speeds, their ratio and a Golden Rules score."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "segment.py"

GOLDEN = """GOLDEN_EN_RULES = [
    ("The vote passed. Everyone left.", ["The vote passed.", "Everyone left."]),
    ("Mr. Lee and co. left. They ran.", ["Mr. Lee and co. left.", "They ran."]),
]
"""


def test_it_prints_speeds_ratio_and_golden_score(tmp_path):
    golden = tmp_path / "rules.py"
    golden.write_text(GOLDEN, encoding="utf-8")
    result = subprocess.run(  # noqa: S603 -- fixed arguments
        [sys.executable, str(BENCH), "--mb", "0.02", "--repeat", "1", "--golden", str(golden)],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    assert "bare sentencizer" in out and "project segment()" in out
    assert "ratio project/bare:" in out
    assert "golden rules, project: 2/2" in out
