"""`@pytest.mark.ci_required("what")`: a test CI must run. Under `CI=true` a marked test that skips (no
PostgreSQL, no browser, no OpenXR runtime...) fails instead, saying what was missing, so a CI that
silently lost a service cannot pass. On a developer's machine the same test still skips with its reason.

A pytest plugin loaded by `tests/conftest.py` (`pytest_plugins`), one hook for every such test.
"""

from __future__ import annotations

import os

import pytest


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ci_required(what): under CI=true this test fails instead of skipping")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    marker = item.get_closest_marker("ci_required")
    if marker is None or not report.skipped or hasattr(report, "wasxfail") or not running_in_ci():
        return
    what = marker.args[0] if marker.args else "this test's service"
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    report.outcome = "failed"
    report.longrepr = f"CI=true: {what} must be available in CI, but the test skipped ({reason})"
