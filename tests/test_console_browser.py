"""The console end to end in a real browser: a `vrtherapy console` process and a headless Chromium driven by
Selenium (Debian's `chromium` and `chromium-driver`; `.ci/run` installs them, and under CI=true this test
fails rather than skips without them).

One walk through a clinic day, each step checked in the page and finally in the records: pair, register a
patient (a refused field shown next to it first), log a pain rating and correct it, build a playlist (a
refused value shown next to its field first), start an offscreen session with the synthetic patient, see
live frames arrive, pause, change the mirror degree, resume, answer the pain questions, make the report.

`VRTHERAPY_CONSOLE_SCREENSHOTS=DIR` keeps a screenshot of each step there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from vrtherapy.records.store import RecordStore

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1280,900")  # fmt: skip


@dataclass
class ConsoleProcess:
    url: str
    log: Path
    db: Path
    playlists: Path

    def pairing_code(self) -> str:
        """The newest code the station has shown."""
        codes = re.findall(r"pairing code: (\d{3}) (\d{3})", self.log.read_text())
        return "".join(codes[-1])


@contextmanager
def console_process(folder: Path) -> Iterator[ConsoleProcess]:
    """`vrtherapy console --port 0` with its own records and playlists folder; stopped with Ctrl-C."""
    db, playlists, log = folder / "records.sqlite3", folder / "playlists", folder / "console.log"
    env = dict(os.environ, VRTHERAPY_DB=str(db), VRTHERAPY_PLAYLISTS=str(playlists), PYTHONUNBUFFERED="1",
               PYTHONPATH=str(PROJECT_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))  # fmt: skip
    env.pop("DISPLAY", None)
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "vrtherapy", "console", "--port", "0"], cwd=folder,
                                   env=env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not (match := re.search(r"console at (http://\S+/)", log.read_text())):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the console did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield ConsoleProcess(match[1], log, db, playlists)
    finally:
        process.send_signal(2)  # Ctrl-C
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def find_chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@contextmanager
def chromium() -> Iterator[object]:
    found = find_chromium()
    if found is None:
        pytest.skip("Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="vrtherapy-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    from selenium.common.exceptions import SessionNotCreatedException, WebDriverException

    try:
        driver = webdriver.Chrome(options=options, service=Service(found[1]))
    except (SessionNotCreatedException, WebDriverException):  # a browser that did not come up in time, once
        time.sleep(2)
        driver = webdriver.Chrome(options=options, service=Service(found[1]))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(what: str, check: Callable[[], object], timeout: float = 60.0) -> object:
    """Poll `check` until it returns something true; fail naming `what`."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception as exc:  # the element is not there yet, or is being redrawn
            last_error, value = exc, None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}" + (f" ({last_error})" if last_error else ""))


SHOTS = os.environ.get("VRTHERAPY_CONSOLE_SCREENSHOTS")
THERAPIST = "Test Therapist"


def _shot(driver, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(SHOTS) / f"{name}.png"))


@pytest.mark.ci_required("Chromium and chromium-driver (the console's browser test)")
def test_a_clinic_day_in_the_console(tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    with chromium() as driver, console_process(tmp_path) as console:
        def css(selector: str):
            """The element, once the page has drawn it (the page draws from the station's answers)."""
            return wait_for(selector, lambda: driver.find_element(By.CSS_SELECTOR, selector), timeout=30)

        def click(selector: str) -> None:
            """Click, again if the page redrew the element meanwhile."""
            wait_for(f"a click on {selector}", lambda: css(selector).click() or True, timeout=30)

        def fill(selector: str, text: str) -> None:
            element = css(selector)
            element.clear()
            element.send_keys(text)

        # -- pairing: the page is refused until the code on the station is typed ------------------------
        driver.get(console.url)
        wait_for("the pairing page", lambda: driver.current_url.endswith("/pair"))
        _shot(driver, "01-pair")
        fill("#code", console.pairing_code())
        fill("#name", THERAPIST)
        click("#pair-button")
        wait_for("the console after pairing", lambda: THERAPIST in css("#who").text)

        # -- register a patient; the records layer's refusal shows next to its field --------------------
        click("#new-patient")

        def level_refused() -> bool:
            # The form may still be redrawn by the page's first answers: if the ID typed was lost, the browser's
            # own 'required' check keeps the form from being sent, so type it again and send again.
            if css('[data-field="patient_id"]').get_attribute("value") != "P100":
                fill('[data-field="patient_id"]', "P100")
                Select(css('select[name="limb"]')).select_by_value("upper")
                click("#save-profile")
            return "must not be empty" in css('[data-error="level"]').text

        try:
            wait_for("the level refused next to its field", level_refused)
        except AssertionError as error:
            shown = {e.get_attribute("data-error"): e.text for e in driver.find_elements(By.CSS_SELECTOR, "[data-error]")}
            raise AssertionError(f"{error}; the form's error slots show {shown}") from None
        _shot(driver, "02-profile-refused")
        Select(css('select[name="level"]')).select_by_value("transradial")
        click("#save-profile")
        wait_for("the patient in the list", lambda: css('[data-patient="P100"]'))

        # -- the pain diary: log, then correct with a reason -------------------------------------------
        click('[data-sub="pain"]')
        fill('#pain-new [data-field="score"]', "7")
        fill('#pain-new [data-field="triggers"]', "cold weather")
        click('#pain-new button[type="submit"]')
        row = wait_for("the logged rating", lambda: css("#pain-table tbody tr[data-entry]"))
        entry_id = int(row.get_attribute("data-entry"))
        row.find_element(By.XPATH, ".//button[text()='Edit']").click()
        form = css("#pain-correction")
        score = form.find_element(By.CSS_SELECTOR, '[data-field="score"]')
        score.clear()
        score.send_keys("6")
        form.find_element(By.CSS_SELECTOR, '[data-field="reason"]').send_keys("typed 7, patient said 6")
        form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
        wait_for("the audit row", lambda: "typed 7, patient said 6" in css("#audit-table").text)
        _shot(driver, "03-pain-diary")

        # -- a playlist from the catalogue; a refused value shows next to its field --------------------
        click('nav [data-view="playlists"]')
        click("#new-playlist")
        fill("#playlist-name", "Console short")
        fill("#playlist-file", "console_short")
        click("#add-exercise")
        fill('[data-field="exercises[0].reps"]', "0")
        click("#check-playlist")
        reps_error = '[data-error="exercises[0].reps"]'
        wait_for("the reps refused next to the field", lambda: "between 1 and 500" in css(reps_error).text)
        fill('[data-field="exercises[0].reps"]', "10")
        click('[data-mirror-toggle="0"]')
        click("#save-playlist")
        wait_for("the saved playlist", lambda: "Saved as console_short" in css("#playlist-summary").text)
        _shot(driver, "04-playlist")
        assert (console.playlists / "console_short.toml").is_file()

        # -- the session: start offscreen, answer pain before, watch, pause, mirror, resume --------------
        click('nav [data-view="session"]')
        wait_for("the patient choice", lambda: Select(css("#start-patient")).options)
        Select(css("#start-patient")).select_by_value("P100")
        offered = lambda: [o.get_attribute("value") for o in Select(css("#start-playlist")).options]  # noqa: E731
        wait_for("the clinic playlist offered", lambda: "console_short" in offered())
        Select(css("#start-playlist")).select_by_value("console_short")
        Select(css("#start-display")).select_by_value("offscreen")
        click("#start-button")
        wait_for("the pain question before", lambda: css("#pain-card").is_displayed(), timeout=120)
        click('[data-pain="5"]')
        frames = lambda: int(css("#live-fps").get_attribute("data-count") or 0)  # noqa: E731
        wait_for("live frames", lambda: frames() >= 3, timeout=120)
        _shot(driver, "05-live")
        click("#ctl-pause")
        wait_for("the session paused", lambda: css("#live-phase").text == "paused")
        driver.execute_script("""const r = document.getElementById('mirror-degree'); r.value = '0.5';
                                 r.dispatchEvent(new Event('input')); r.dispatchEvent(new Event('change'));""")
        wait_for("the mirror degree applied in the session", lambda: css("#mirror-degree").get_attribute("data-applied") == "0.5")
        _shot(driver, "06-paused-mirror")
        click("#ctl-resume")
        wait_for("the session running again", lambda: css("#live-phase").text == "exercise")
        seen = frames()
        wait_for("more live frames", lambda: frames() >= seen + 3, timeout=120)
        click("#ctl-skip")  # the exercise ends here, however slowly this machine draws
        wait_for("the pain question after", lambda: css("#pain-card").is_displayed() and "after" in css("#pain-title").text,
                 timeout=120)  # fmt: skip
        click('[data-pain="3"]')
        wait_for("the session's end", lambda: "completed" in css("#live-session-line").text, timeout=60)
        fps = float(css("#live-fps").get_attribute("data-fps") or 0)
        _shot(driver, "07-ended")

        # -- the records, in the page ------------------------------------------------------------------
        click('nav [data-view="patients"]')
        click('[data-patient="P100"]')
        click('[data-sub="history"]')
        history = lambda: css("[data-session]").text  # noqa: E731
        text = wait_for("the session in the history", lambda: "pain 5 → 3" in history() and history())
        assert "fist_open_close" in text and "/ 10" in text, text
        assert "mirror degree 1.0 → 0.5" in text and f"{THERAPIST}: paused" in text and "skipped the exercise" in text, text
        _shot(driver, "08-history")
        click('[data-sub="report"]')
        click("#make-report")
        wait_for("the report's charts", lambda: len(driver.find_elements(By.CSS_SELECTOR, ".charts img")) >= 3, timeout=120)
        wait_for("the charts loaded", lambda: driver.execute_script(
            "return [...document.querySelectorAll('.charts img')].every(i => i.complete && i.naturalWidth > 0)"))
        _shot(driver, "09-report")

    # -- and in the records themselves -------------------------------------------------------------------
    with RecordStore.open(console.db) as store:
        (record,) = store.sessions("P100")
        assert (record.pain_before, record.pain_after, record.status) == (5, 3, "completed")
        assert [e.exercise_id for e in record.exercises] == ["fist_open_close"]
        entry = next(e for e in store.pain_entries("P100") if e.id == entry_id)
        assert entry.score == 6 and entry.triggers == ("cold weather",)
        audit = store.audit_trail("P100")
        (correction,) = [a for a in audit if a.entity == "pain"]
        assert (correction.by, correction.field, correction.old_value, correction.new_value, correction.reason) == (
            THERAPIST, "score", "7", "6", "typed 7, patient said 6")
        events = [(e.by, e.detail["what"], e.detail["new"]) for e in store.session_events(record.id)]
    assert (THERAPIST, "pause", "") in events and (THERAPIST, "resume", "") in events and (THERAPIST, "skip", "") in events
    assert (THERAPIST, "mirror.degree", "0.5") in events
    assert (THERAPIST, "pain_before", "5") in events and (THERAPIST, "pain_after", "3") in events
    assert fps > 0
