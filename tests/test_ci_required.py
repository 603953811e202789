"""The `ci_required` marker: a skip becomes a failure under CI=true, and stays a skip elsewhere."""

from __future__ import annotations

pytest_plugins = ("pytester",)

TEST = '''
import pytest

@pytest.mark.ci_required("the imaginary service")
def test_needs_a_service():
    pytest.skip("the imaginary service is not running")

@pytest.mark.ci_required("the imaginary service")
@pytest.mark.skipif(True, reason="not installed")
def test_skipped_by_mark():
    pass

def test_an_ordinary_skip():
    pytest.skip("optional")
'''


def test_under_ci_a_required_test_that_skips_fails(pytester, monkeypatch):
    monkeypatch.setenv("CI", "true")
    pytester.makepyfile(TEST)
    result = pytester.runpytest("-p", "tests.ci_required", "-rA")
    result.assert_outcomes(failed=1, errors=1, skipped=1)  # a skip mark fires at setup: pytest calls that an error
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*CI=true: the imaginary service must be available in CI*not running*",
                                 "*CI=true: the imaginary service must be available in CI*not installed*"])  # fmt: skip


def test_outside_ci_it_skips(pytester, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    pytester.makepyfile(TEST)
    pytester.runpytest("-p", "tests.ci_required").assert_outcomes(skipped=3)
