import pytest

from portal.auth.system import SYSTEM
from portal.transparency import heads


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config, "TRANSPARENCY_KEY_FILE": str(tmp_path / "keys" / "log-key"),
            "TRANSPARENCY_ORIGIN": "https://gk.minquan.example"}


@pytest.fixture
def signing_key(app):
    return heads.keygen(SYSTEM)
