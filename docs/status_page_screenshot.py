"""Save a full-page PNG screenshot of a status page, in Debian's headless Chromium driven by Playwright.

Usage::

    python docs/status_page_screenshot.py URL [OUTPUT]

``URL`` is the page (``http://127.0.0.1:9464/`` for a platform serving on
its default port); ``OUTPUT`` defaults to ``docs/status-page.png``. The
browser is ``/usr/bin/chromium`` (``make servers`` installs it as root);
Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "status-page.png"
VIEWPORT = {"width": 1280, "height": 900}


def screenshot(url: str, output: Path, *, timeout_seconds: float = 30.0) -> Path:
    """Load ``url`` and save a full-page screenshot of it to ``output`` (its folder is made); ``output`` is returned.

    A page that does not answer 200 raises ``RuntimeError``, and so does a
    missing browser.
    """
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run `make servers` as root (apt-get install chromium)"
        raise RuntimeError(message)
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only this script needs it

    output.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": VIEWPORT["width"], "height": VIEWPORT["height"]})
            response = page.goto(url, wait_until="load", timeout=timeout_seconds * 1000)
            if response is None or response.status != 200:
                status = "no answer" if response is None else f"status {response.status}"
                message = f"{url} answered {status}"
                raise RuntimeError(message)
            page.screenshot(path=str(output), full_page=True)
        finally:
            browser.close()
    return output


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, take the screenshot, and say where it went (on stderr)."""
    parser = argparse.ArgumentParser(description="Save a PNG screenshot of a status page.")
    parser.add_argument("url", help="the page, for example http://127.0.0.1:9464/")
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT, help="where to save the PNG")
    arguments = parser.parse_args(argv)
    try:
        saved = screenshot(arguments.url, arguments.output)
    except RuntimeError as error:
        sys.stderr.write(f"error: {error}\n")
        return 1
    sys.stderr.write(f"saved {saved}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
