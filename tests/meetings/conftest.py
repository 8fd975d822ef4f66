import pytest


@pytest.fixture(autouse=True)
def documents_dir(app, tmp_path, monkeypatch):
    """Each test keeps its meeting files in its own folder."""
    path = tmp_path / "documents"
    monkeypatch.setitem(app.config, "GROUP_DOCUMENTS_DIR", str(path))
    return path
