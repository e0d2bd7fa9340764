"""The benchmark's shares of its ceilings: a page measured in turns with the ceiling is
judged against the ceiling measured either side of it, so a machine that slows down or
speeds up between the two measurements does not decide whether a target is met."""

from __future__ import annotations

import pytest

from bench import ceilings, report


class FakeRun:
    """bench/run.py's wrk, answering from a script of rates and noting which port was
    asked, in order: what the turns are made of, without servers."""

    def __init__(self, rates: dict[int, list[float]]) -> None:
        self.rates = {port: list(values) for port, values in rates.items()}
        self.asked: list[int] = []

    def wrk(self, port, paths, cookie="", duration=None, label=""):
        self.asked.append(port)
        return {"rps": self.rates[port].pop(0)}


def test_turns_alternate_ceiling_and_page_and_divide_by_the_ceilings_either_side():
    # The machine slows down through the turns: the ceiling falls from 4,000 to 2,500.
    run = FakeRun({1: [4000, 3500, 3000, 2500], 2: [900, 800, 700]})
    measured = ceilings.turns(run, 2, ["/disclosures/"], 1, label="list")
    assert run.asked == [1, 2, 1, 2, 1, 2, 1]
    assert measured["shares"] == pytest.approx([900 / 3750, 800 / 3250, 700 / 2750])
    assert measured["share"] == pytest.approx(800 / 3250)
    assert measured["ceilings"] == [4000, 3500, 3000, 2500]


def test_a_page_as_fast_as_its_drifting_ceiling_keeps_the_same_share():
    drifting = ceilings.shares_of([1000, 750, 1200], [4000, 4000, 2000, 7600])
    assert drifting["share"] == pytest.approx(0.25)


def test_the_slice_counts_must_fit():
    with pytest.raises(ValueError):
        ceilings.shares_of([1000, 900], [4000, 4000])


def test_a_row_without_turns_is_judged_against_the_segments_ceiling():
    assert ceilings.share({"rps": 1000}, 4000) == pytest.approx(0.25)
    assert ceilings.share({"rps": 1000, ceilings.TURNS: {}}, 4000) == pytest.approx(0.25)
    assert ceilings.share({"rps": 1000}, 0) == 0.0
    turned = {"rps": 1000, ceilings.TURNS: ceilings.shares_of([1000], [3000, 5000])}
    assert ceilings.share(turned, 2000) == pytest.approx(0.25)


def test_the_note_says_how_far_the_ceiling_moved_and_which_rows_were_not_in_turns():
    turned = {"rps": 1, ceilings.TURNS: {**ceilings.shares_of([1], [3000, 4500]),
                                         "seconds": 4}}
    note = ceilings.range_note([turned, {"rps": 2}], "框架")
    assert "3,000–4,500" in note and "50%" in note and "1 轮" in note
    assert "其余行" in note
    assert "其余行" not in ceilings.range_note([turned], "框架")
    assert "末尾测得的一次上限" in ceilings.range_note([{"rps": 2}], "框架")


def _result(cold_turns: dict | None) -> dict:
    """A large-size result with every figure targets() reads: the cold list measured at
    1,000 requests/s, the segment's ceiling 5,000 (20%)."""
    page = {"rps": 5000, "p50": 1, "p95": 2, "p99": 3, "requests": 1}
    cold = {"rps": 1000, "p50": 1, "p95": 2, "p99": 3, "requests": 1}
    if cold_turns is not None:
        cold[ceilings.TURNS] = cold_turns
    return {"size": "large", "database": "sqlite",
            "pages": {name: dict(page) for name in (*report.THROUGHPUT_PAGES, "search",
                                                    "dashboard", "annual_report")},
            "cold": {"list": cold},
            "submissions": {"per_second": 200, "lost": 0, "refused": 0, "errors": 0},
            "ceilings": {"framework": {"rps": 5000}, "nginx": {"rps": 50000}}}


def _cold_list_line(result: dict) -> tuple:
    return next(line for line in report.targets({"large": result})
                if line[0].startswith(report.PAGE_LABELS["list"] + "（页面缓存关闭）"))


def test_the_cold_target_is_met_or_missed_by_the_share_measured_in_turns():
    # Against the ceiling measured in turns (4,000 either side): 25%, met.
    _target, measured, met, ratio, _note = _cold_list_line(
        _result(ceilings.shares_of([1000], [4000, 4000])))
    assert (measured, met, ratio) == ("25%", True, "1.00")
    # The same rate beside a ceiling of 4,400: 23%, missed.
    _target, measured, met, _ratio, _note = _cold_list_line(
        _result(ceilings.shares_of([1000], [4400, 4400])))
    assert (measured, met) == ("23%", False)
    # A run saved before turns existed: the segment's ceiling, 20%, missed.
    _target, measured, met, _ratio, _note = _cold_list_line(_result(None))
    assert (measured, met) == ("20%", False)


def test_the_cold_search_row_is_shown_without_a_share_target():
    result = _result(ceilings.shares_of([1000], [4000, 4000]))
    result["cold"]["search"] = {"rps": 40, "p50": 900, "p95": 2000, "p99": 2500, "requests": 1}
    lines = report.targets({"large": result})
    assert not [line for line in lines if line[0].startswith(report.PAGE_LABELS["search"] + "（")]
    assert _cold_list_line(result)[2] is True  # the list's target is still there
    for ceiling in result["ceilings"].values():
        ceiling.update(p50=1, p95=2, p99=3)
    table = "\n".join(report._page_rows(result))
    assert f"| {report.PAGE_LABELS['search']}（页面缓存关闭，每次渲染） | 40 |" in table
