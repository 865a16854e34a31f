"""The review view in a real browser: Datasette serving the samples on 127.0.0.1, headless Chromium.

Debian's `chromium` and `chromium-driver` (installed by .ci/run) are driven through Selenium,
pointed at those binaries: nothing is downloaded at run time. A row of v_actions is followed to
its page, where the highlighted boxes must sit where the provenance says: each box's position
on screen equals the stored box (PDF points) scaled by the displayed image's width over the
page's width in points (read from the PDF with pypdfium2, not from the page). A KPI value is
followed from v_measures the same way. Screenshots go to data/screenshots/ (or
$REVIEW_SCREENSHOTS): `make screenshot` runs this file alone and names them.

Without a browser, a driver or Selenium the tests skip, saying which is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .conftest import SAMPLES
from .review_helpers import ROOT, db_file, free_port, rows, start_server, stop_server, write_metadata

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
DRIVERS = ("chromedriver", "/usr/lib/chromium/chromedriver")
TOLERANCE_PX = 1.5  # subpixel layout and the PNG's whole-pixel size
SCREENSHOTS = Path(os.environ.get("REVIEW_SCREENSHOTS", ROOT / "data" / "screenshots"))


def find_binary(names) -> str | None:
    for name in names:
        found = shutil.which(name) or (name if os.path.isabs(name) and os.access(name, os.X_OK) else None)
        if found:
            return found
    return None


def browser_or_skip() -> tuple[str, str]:
    """(chromium, chromedriver) paths, or skip saying what is missing."""
    reasons = []
    try:
        import selenium  # noqa: F401
    except ImportError:
        reasons.append("selenium is not installed (make venv installs it)")
    browser, driver = find_binary(BROWSERS), find_binary(DRIVERS)
    if browser is None:
        reasons.append("no chromium on PATH (apt-get install chromium)")
    if driver is None:
        reasons.append("no chromedriver on PATH (apt-get install chromium-driver)")
    if reasons:
        reason = "no browser to test the review view in: " + "; ".join(reasons)
        print(reason)
        pytest.skip(reason)
    return browser, driver


@pytest.fixture(scope="module")
def driver():
    browser, chromedriver = browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1600", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not look for a browser to download
    chrome = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    chrome.set_page_load_timeout(60)
    yield chrome
    chrome.quit()


@pytest.fixture(scope="module")
def server(samples_db, tmp_path_factory):
    """`datasette serve` on 127.0.0.1 over a copy of the samples database, as `make serve` starts it."""
    folder = tmp_path_factory.mktemp("served")
    path = folder / "samples.db"
    shutil.copy(db_file(samples_db), path)
    port = free_port()
    proc = start_server(path, write_metadata(path, folder / "metadata.yaml"), port, folder / "datasette.log")
    yield {"url": f"http://127.0.0.1:{port}", "db": path}
    stop_server(proc)


def wait_for_image(chrome, timeout: float = 30) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(chrome, timeout).until(lambda d: d.execute_script(
        "const i = document.querySelector('img.page-image'); return i && i.complete && i.naturalWidth > 0;"))


def wait_for_count(chrome, selector: str, count: int, timeout: float = 60) -> list:
    """The elements, once as many as expected are in the page (or as many as there are after `timeout`):
    a long page of hundreds of boxes may still be parsing when the browser reports it loaded."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(chrome, timeout).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, selector)) >= count)
    except TimeoutException:
        pass
    return chrome.find_elements(By.CSS_SELECTOR, selector)


def rect(chrome, element) -> dict:
    return chrome.execute_script("const r = arguments[0].getBoundingClientRect();"
                                 "return {x: r.left, y: r.top, width: r.width, height: r.height};", element)


def page_width_points(pdf: Path, page: int) -> float:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return doc[page - 1].get_size()[0]
    finally:
        doc.close()


def assert_boxes_where_stored(chrome, stored: list, pdf: Path, page: int) -> None:
    """Each highlighted box on screen is the stored box scaled to the displayed image."""
    from selenium.webdriver.common.by import By

    image = rect(chrome, chrome.find_element(By.CSS_SELECTOR, "img.page-image"))
    scale = image["width"] / page_width_points(pdf, page)
    shown = chrome.find_elements(By.CSS_SELECTOR, ".page-frame .box.highlight")
    assert len(shown) == len(stored) > 0
    on_screen = sorted((rect(chrome, e) for e in shown), key=lambda r: (round(r["y"]), round(r["x"])))
    expected = sorted(({"x": image["x"] + s["x0"] * scale, "y": image["y"] + s["top"] * scale,
                        "width": (s["x1"] - s["x0"]) * scale, "height": (s["bottom"] - s["top"]) * scale}
                       for s in stored), key=lambda r: (round(r["y"]), round(r["x"])))
    for got, want in zip(on_screen, expected):
        for key in ("x", "y", "width", "height"):
            assert abs(got[key] - want[key]) <= TOLERANCE_PX, (key, got, want)


def screenshot(chrome, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / name
    chrome.save_screenshot(str(target))
    print(f"screenshot: {target}")
    return target


def test_a_v_actions_row_opens_its_page_with_its_boxes_where_the_provenance_says(driver, server):
    from selenium.webdriver.common.by import By

    (task,) = rows(server["db"], "SELECT a.id, a.page, d.sha256, d.file_name FROM actions a JOIN documents d "
                                 "ON d.id = a.document_id WHERE d.file_name = 'csc-improvement-plan-2016-17.pdf' "
                                 "AND a.level = 'task' AND (SELECT COUNT(*) FROM provenance p WHERE p.action_id = a.id "
                                 "AND p.page = a.page) >= 3 ORDER BY a.seq LIMIT 1 OFFSET 20")
    driver.get(f"{server['url']}/samples/v_actions?action_id={task['id']}")
    link = driver.find_element(By.CSS_SELECTOR, "td.col-page a.review-link")
    link.click()
    wait_for_image(driver)
    assert driver.current_url.endswith(f"/-/review/samples/{task['sha256']}/{task['page']}?action={task['id']}")
    stored = rows(server["db"], "SELECT x0, top, x1, bottom FROM provenance WHERE action_id = :a AND page = :p",
                  a=task["id"], p=task["page"])
    assert_boxes_where_stored(driver, stored, SAMPLES / task["file_name"], task["page"])
    shot = screenshot(driver, f"review-{Path(task['file_name']).stem}-page-{task['page']}.png")
    assert shot.stat().st_size > 10_000


def test_a_v_measures_row_opens_its_kpi_cell(driver, server):
    from selenium.webdriver.common.by import By

    (value,) = rows(server["db"], "SELECT v.id, v.page, v.x0, v.top, v.x1, v.bottom, m.name, d.sha256, d.file_name "
                                  "FROM measure_values v JOIN measures m ON m.id = v.measure_id JOIN documents d "
                                  "ON d.id = m.document_id WHERE d.file_name = 'cyp-portfolio-plan-2011-12.pdf' "
                                  "AND v.x0 IS NOT NULL ORDER BY v.id LIMIT 1 OFFSET 5")
    driver.get(f"{server['url']}/-/review/samples/{value['sha256']}/{value['page']}?value={value['id']}")
    wait_for_image(driver)
    assert_boxes_where_stored(driver, [value], SAMPLES / value["file_name"], value["page"])
    assert driver.find_element(By.CSS_SELECTOR, ".box.highlight").get_attribute("data-kind") == "kpi"


def test_every_sample_has_a_review_page_with_its_images(driver, server):
    from selenium.webdriver.common.by import By

    for doc in rows(server["db"], "SELECT sha256, file_name, page_count FROM documents ORDER BY file_name"):
        driver.get(f"{server['url']}/-/review/samples/{doc['sha256']}")
        figures = wait_for_count(driver, "figure.review-page", doc["page_count"])  # a long page (csc: 62 pages)
        assert len(figures) == doc["page_count"], doc["file_name"]
        first = driver.find_element(By.CSS_SELECTOR, "img.page-image")
        driver.execute_script("arguments[0].scrollIntoView();", first)
        wait_for_image(driver)
        assert "Source PDF:" in driver.find_element(By.CSS_SELECTOR, ".review-note.source").text
