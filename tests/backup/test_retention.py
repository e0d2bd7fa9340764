"""Daily backups into a folder with a retention period, and progress as they go."""

from __future__ import annotations

import re

from portal.extensions import db
from tests.backup.test_backup import _cli, archive, fresh_target, with_attachment  # noqa: F401


def test_a_folder_gets_a_dated_archive_and_loses_the_expired_ones(runner, tmp_path,
                                                                   with_attachment):  # noqa: F811
    folder = tmp_path / "backups"
    folder.mkdir()
    expired = folder / "portal-20200101-020000.tar.gz"
    recent = folder / "portal-20991231-020000.tar.gz"  # "from the future": younger than 7 days
    unrelated = folder / "portal-handmade.tar.gz"
    for path in (expired, recent, unrelated):
        path.write_bytes(b"x")

    result = runner.invoke(args=["backup", str(folder), "--keep-days", "7"])
    db.session.commit()

    assert result.exit_code == 0, result.output
    written = [path for path in folder.iterdir()
               if re.fullmatch(r"portal-\d{8}-\d{6}\.tar\.gz", path.name)
               and path not in (expired, recent)]
    assert len(written) == 1 and written[0].stat().st_size > 1000
    assert not expired.exists() and recent.exists() and unrelated.exists()
    assert "已删除超过 7 天的备份：portal-20200101-020000.tar.gz" in result.output
    assert re.search(r"上传文件：1/1 个，\d+\.\d MB", result.output)
    assert re.search(r"数据库：\d+\.\d MB", result.output)


def test_keep_days_needs_a_folder(runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "one.tar.gz"), "--keep-days", "7"])
    assert result.exit_code != 0 and "须与一个已存在的目录一起使用" in result.output
    assert not (tmp_path / "one.tar.gz").exists()


def test_restore_reports_progress(archive, fresh_target):  # noqa: F811
    result = _cli(fresh_target, "restore", str(archive), "--yes")
    assert result.exit_code == 0, result.output
    assert re.search(r"校验：\d+ 个条目，\d+\.\d MB", result.output)
    assert re.search(r"上传文件：1/1 个，\d+\.\d MB", result.output)
