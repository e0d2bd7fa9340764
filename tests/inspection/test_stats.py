from portal.inspection.stats import median, percentile


def test_median_and_nearest_rank_percentile():
    assert median([]) is None and percentile([], 0.9) is None
    assert median([5, 1, 3]) == 3 and median([4, 1, 3, 2]) == 2.5
    values = list(range(1, 11))  # 1..10
    assert percentile(values, 0.9) == 9
    assert percentile(values, 0.5) == 5
    assert percentile([7], 0.9) == 7
    assert percentile([30, 4, 1], 0.9) == 30
