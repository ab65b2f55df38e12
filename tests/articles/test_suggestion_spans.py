"""Which suggested sentences a claim covers: the merged-span test against the plain one."""

from hypothesis import given
from hypothesis import strategies as st

from articles import suggestions


@given(
    claims=st.lists(
        st.tuples(st.integers(0, 60), st.integers(1, 12)).map(lambda t: (t[0], t[0] + t[1])),
        max_size=12,
    ),
    start=st.integers(0, 70),
    length=st.integers(1, 15),
)
def test_the_overlap_test_agrees_with_checking_every_claim(claims, start, length):
    end = start + length
    union = suggestions._union(sorted(claims))
    starts = [s for s, _ in union]
    expected = any(cs < end and start < ce for cs, ce in claims)
    assert suggestions._overlaps(union, starts, start, end) == expected
