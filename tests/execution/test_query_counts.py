"""The public task list runs no query per task."""

from tests.pagecache.querycount import queries_for


def test_task_list_runs_no_query_per_task(client, make_task):
    for i in range(3):
        make_task(f"任务{i}", publish=True)
    few = queries_for(client, "/execution/")
    for i in range(3, 30):
        make_task(f"任务{i}", publish=True)
    assert queries_for(client, "/execution/") == few
    assert few <= 12
