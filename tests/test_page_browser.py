"""The upload page in a real headless browser (Debian's chromium + chromedriver, driven by Selenium).

Serves the app with the shipped models on a local port, uploads the bundled sample, and checks the
drawn photo, the plate table, the region / threshold controls, and readable errors (400 and 422)
that clear the previous result. Skips with the reason when chromium, chromedriver or selenium is absent.
``PLATEKIT_PAGE_SCREENSHOT=docs/web_page.png`` also saves the page after the read (docs screenshot).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install '.[dev]')")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

BROWSER = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
DRIVER = shutil.which("chromedriver")
SAMPLE = Path(__file__).resolve().parents[1] / "src" / "platekit" / "samples" / "cn_sample.jpg"
pytestmark = pytest.mark.skipif(
    BROWSER is None or DRIVER is None,
    reason="needs a headless Chromium and chromedriver (Debian: apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def base_url():
    import uvicorn

    from platekit.serve.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(region="cn"), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    t0 = time.time()
    while not server.started and time.time() - t0 < 30:
        time.sleep(0.05)
    assert server.started, "the service did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = BROWSER
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900",
              "--lang=en-US"):
        opts.add_argument(a)
    drv = webdriver.Chrome(service=webdriver.ChromeService(executable_path=DRIVER), options=opts)
    yield drv
    drv.quit()


def upload(drv, path: Path) -> str:
    """Choose the file, submit, wait until the status line says the outcome; -> the status text."""
    drv.find_element(By.ID, "file").send_keys(str(path))
    drv.find_element(By.ID, "read").click()
    wait = WebDriverWait(drv, 30)
    wait.until(lambda d: d.find_element(By.ID, "status").text and "reading" not in d.find_element(By.ID, "status").text)
    return drv.find_element(By.ID, "status").text


def test_page_reads_draws_and_shows_errors(base_url, browser, tmp_path):
    drv = browser
    drv.get(base_url + "/")
    WebDriverWait(drv, 10).until(lambda d: d.find_element(By.ID, "threshold").get_attribute("value"))
    # controls start at the service's own defaults; the API docs are one click away
    health = json.loads(drv.execute_script("return fetch('/healthz').then(r => r.text())"))
    assert drv.find_element(By.ID, "region").get_attribute("value") == health["region"] == "cn"
    assert float(drv.find_element(By.ID, "threshold").get_attribute("value")) == health["min_confidence"]
    assert drv.find_element(By.ID, "docs").get_attribute("href") == base_url + "/docs"

    # 1. the bundled sample: plate read, drawn on the photo, listed in the table
    label = json.loads(SAMPLE.with_suffix(".json").read_text(encoding="utf-8"))
    status = upload(drv, SAMPLE)
    assert status.startswith("1 plate read"), status
    rows = drv.find_elements(By.CSS_SELECTOR, "#plates tbody tr")
    assert [r.find_element(By.CSS_SELECTOR, "td.text").text for r in rows] == [label["text"]]
    assert "cn-blue (cn)" in rows[0].text
    img = drv.find_element(By.ID, "drawing")
    assert img.is_displayed() and drv.execute_script("return arguments[0].naturalWidth", img) == 720
    drv.save_screenshot(str(tmp_path / "page.png"))
    assert (tmp_path / "page.png").read_bytes()[:4] == b"\x89PNG"
    if os.environ.get("PLATEKIT_PAGE_SCREENSHOT"):
        drv.save_screenshot(os.environ["PLATEKIT_PAGE_SCREENSHOT"])

    # 2. not an image: a readable 400 message, and the previous photo and table are gone
    bad = tmp_path / "notes.jpg"
    bad.write_text("this is not a photo")
    status = upload(drv, bad)
    assert status.startswith("Error 400") and "not a decodable image" in status, status
    assert not img.is_displayed() and not drv.find_element(By.ID, "plates").is_displayed()
    assert drv.find_element(By.ID, "status").get_attribute("class") == "error"

    # 3. a threshold the service refuses (422): the field and the reason, never [object Object]
    drv.execute_script("const t = document.getElementById('threshold'); t.removeAttribute('max'); t.value = '5';")
    status = upload(drv, SAMPLE)
    assert status.startswith("Error 422") and "min_confidence" in status and "less than or equal to 1" in status
    assert "object Object" not in status and not img.is_displayed()

    # 4. threshold above the reading's confidence and another region: the page passes both to /v1/read
    drv.execute_script("document.getElementById('threshold').value = '1'")
    status = upload(drv, SAMPLE)
    assert status.startswith("No plate found: 1 more detected but read below the threshold"), status
    drv.execute_script("document.getElementById('threshold').value = '0'; document.getElementById('region').value = 'ru'")
    status = upload(drv, SAMPLE)
    rows = drv.find_elements(By.CSS_SELECTOR, "#plates tbody tr")
    assert status.startswith("1 plate read") and len(rows) == 1 and rows[0].text != ""
    assert "(cn)" not in rows[0].text  # read by the Russian reader now
