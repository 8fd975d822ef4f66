import pytest
from flask_babel import force_locale


@pytest.fixture(autouse=True)
def documents_dir(app, tmp_path, monkeypatch):
    """Each test keeps its group files in its own folder."""
    path = tmp_path / "group-documents"
    monkeypatch.setitem(app.config, "GROUP_DOCUMENTS_DIR", str(path))
    return path


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Services called directly (no request) speak English here, as the assertions do;
    requests still choose their own language."""
    with force_locale("en"):
        yield
