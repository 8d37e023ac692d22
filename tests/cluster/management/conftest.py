"""Running the terminal commands as a person would, capturing what they print and their exit code."""
import io
from dataclasses import dataclass

import pytest
from django.core.management import call_command


@dataclass
class Run:
    code: int
    out: str
    err: str


def run(*args, stdin=None):
    out, err = io.StringIO(), io.StringIO()
    options = {"stdout": out, "stderr": err}
    if stdin is not None:
        options["stdin"] = io.BytesIO(stdin.encode())
    try:
        call_command(*args, **options)
        code = 0
    except SystemExit as e:
        code = e.code
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def kubectl():
    return run


@pytest.fixture
def manifest(tmp_path):
    """Write a manifest file and return its path."""
    def write(text, name="app.yaml"):
        path = tmp_path / name
        path.write_text(text)
        return str(path)
    return write
