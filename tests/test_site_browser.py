"""The built site in a real browser (headless Chromium, Debian's chromium and chromium-driver; .ci/run
installs them): served on 127.0.0.1 and opened from disk, no request leaves the machine, a city page
shows its clauses beside the source text, a concept page's table has the four cities, and search finds
Chinese terms.  Screenshots go to test-artifacts/ (or $POLICYLAB_ARTIFACTS)."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

pytest.importorskip("material")
pytest.importorskip("jieba")
webdriver = pytest.importorskip("selenium.webdriver")

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
ARTIFACTS = Path(os.environ.get("POLICYLAB_ARTIFACTS", ROOT / "test-artifacts"))
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver "
                                "(.ci/run installs them)")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "site"
    done = subprocess.run([sys.executable, "-m", "compare.cli", "site", "build", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM or ""
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--allow-file-access-from-files", "--window-size=1500,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER or ""), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _requests(driver: Any) -> list[str]:
    """Every URL the browser asked for since the last call (Chrome's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("file", "data", "blob", "about", "chrome", "devtools") or parsed.hostname == "127.0.0.1"


def _shot(driver: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def _wait(driver: Any, css: str, timeout: float = 20) -> list[Any]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))
    return list(driver.find_elements(By.CSS_SELECTOR, css))


def _search(driver: Any, base: str, term: str) -> list[str]:
    """The result links of the site's own search for `term`, typed into its search box."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base}/index.html")
    box = _wait(driver, "input.md-search__input")[0]
    driver.execute_script("arguments[0].focus()", box)
    box.clear()
    box.send_keys(term)
    WebDriverWait(driver, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".md-search-result__item a, .md-search-result__link"))
    return [a.get_attribute("href") or "" for a in driver.find_elements(By.CSS_SELECTOR, ".md-search-result__link")]


@pytest.mark.parametrize("origin", ["http", "file"])
def test_the_site_in_a_browser(site: Path, server: str, browser: Any, origin: str) -> None:
    base = server if origin == "http" else site.resolve().as_uri()
    _requests(browser)  # forget what came before
    browser.get(f"{base}/index.html")
    _wait(browser, "table.pl-table")
    assert "无锡" in browser.page_source and "张家港" in browser.page_source
    _shot(browser, f"home-{origin}")

    browser.get(f"{base}/cities/wuxi_2023.html")  # 无锡: the clauses beside the source text
    items = _wait(browser, ".pl-items .pl-item")
    marks = _wait(browser, ".pl-source mark.passage")
    assert len(items) > 20 and len(marks) > 20
    item_box, source_box = (_wait(browser, sel)[0].rect for sel in (".pl-items", ".pl-source"))
    assert source_box["x"] > item_box["x"] + item_box["width"] / 2  # side by side, not below
    _shot(browser, f"city-wuxi-{origin}")

    browser.get(f"{base}/concepts/points-host_district.html")  # the four cities in one table
    rows = _wait(browser, "table.pl-table tbody > tr")
    cities = [r.text.split()[0] for r in rows]
    assert cities == ["嘉兴", "太仓", "无锡", "张家港"]
    _shot(browser, f"concept-points-{origin}")

    for term, expected in (("外资", "wuxi_2023"), ("注册资本", "zhangjiagang_2017"), ("就高不重复", "wuxi_2023")):
        links = _search(browser, base, term)
        assert any(expected in link for link in links), (term, links[:5])
    _shot(browser, f"search-{origin}")
    leaving = [u for u in _requests(browser) if not _local(u)]
    assert leaving == []


# ---------------------------------------------------------------- payloads (tests/site_payloads.py)


@pytest.fixture(scope="module")
def payload_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site built from a policy tree whose every user string holds the payloads (both variants)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from site_payloads import PAYLOADS, payload_tree

    from compare.api import load_policy
    from compare.site.build import SiteInputs, build_site

    root = tmp_path_factory.mktemp("payload-browser")
    policies, diffs, sims = [], [], []
    for k, payload in enumerate(PAYLOADS):
        policy, revision, sim = payload_tree(root / f"tree{k}", payload)
        old = load_policy(policy, cache=False).policy
        new = load_policy(revision, cache=False).policy
        if k == 0:
            policies.append(old)
            diffs.append((old, new))
            sims.append(sim)
    return build_site(SiteInputs(policies, diffs=diffs, simulations=sims), root / "site")


def _no_payload_ran(driver: Any) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        text = driver.switch_to.alert.text
    except NoAlertPresentException:
        text = None
    assert text is None, f"an alert opened: {text!r}"
    assert driver.execute_script("return typeof window.pwned") == "undefined"


def test_payloads_do_not_run_in_a_browser(payload_site: Path, browser: Any) -> None:
    """Every page of the payload site, loaded, focused and hovered over, and its search shown: no
    alert, `window.pwned` unset, and the payload visible as text."""
    import time

    from selenium.webdriver.common.by import By

    pages = sorted(p for p in payload_site.rglob("*.html") if not p.relative_to(payload_site).parts[0] == "manual")
    assert len(pages) >= 10
    for page in pages:
        browser.get(page.resolve().as_uri())
        _wait(browser, "article")
        time.sleep(0.2)  # autofocus and onfocus fire after load
        for el in browser.find_elements(By.CSS_SELECTOR, "article h1, article h2, article a, article img")[:40]:
            browser.execute_script("arguments[0].focus(); arguments[0].dispatchEvent(new MouseEvent('mouseover'))", el)
        _no_payload_ran(browser)
    browser.get((payload_site / "cities" / "evil_2024.html").resolve().as_uri())
    article = _wait(browser, "article")[0].text
    assert "[c](javascript:window.pwned=1)" in article and "{: onfocus=window.pwned=7 autofocus=1 tabindex=0 }" in article
    assert "<img src=x onerror=window.pwned=4>" in article and "{{ 7*7 }}" in article
    _shot(browser, "payload-city")
    for term in ("evil_2024", "甲"):  # results show titles and texts holding the payloads
        links = _search(browser, payload_site.resolve().as_uri(), term)
        assert any("evil_2024" in link for link in links), (term, links)
        _no_payload_ran(browser)
    _shot(browser, "payload-search")
