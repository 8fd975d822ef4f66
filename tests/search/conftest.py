import pytest


@pytest.fixture(autouse=True)
def _documents_dir(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "GROUP_DOCUMENTS_DIR", str(tmp_path / "documents"))
