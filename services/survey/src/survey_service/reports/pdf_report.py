"""The HTML report printed to PDF by Debian's headless chromium (installed by the setup with
fonts-noto-cjk, so the Chinese renders with real glyphs).

The HTML has no script and no external asset and its charts are inline SVG, so what prints is
exactly what the page shows. Chromium runs with a throw-away profile in a temporary folder and
is killed if it takes longer than ``timeout`` seconds.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_ENV = "FANXIANG_CHROMIUM"
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
_FLAGS = (
    "--headless",
    "--no-sandbox",  # runs as root in containers and CI
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-pdf-header-footer",  # no file:// path or date in the margins
)


class PdfUnavailable(RuntimeError):
    """No browser to print with, or it failed: the message says which and what to do."""


def find_chromium() -> str:
    """FANXIANG_CHROMIUM if set, else the first of chromium/chromium-browser/google-chrome."""
    override = os.environ.get(CHROMIUM_ENV)
    if override:
        if not Path(override).is_file():
            raise PdfUnavailable(f"{CHROMIUM_ENV}={override}: no such file")
        return override
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise PdfUnavailable(
        "PDF needs chromium (apt-get install chromium fonts-noto-cjk, or make setup); "
        f"set {CHROMIUM_ENV} to use another browser binary"
    )


def html_to_pdf(html: str, *, chromium: str | None = None, timeout: float = 120.0) -> bytes:
    """Print one self-contained HTML page to PDF; raises PdfUnavailable."""
    browser = chromium or find_chromium()
    with tempfile.TemporaryDirectory(prefix="survey-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        pdf = Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        cmd = [
            browser,
            *_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ]
        try:
            # Its own session, so that on a timeout the whole process group (renderer, GPU and
            # zygote children included) is killed, not only the browser's main process.
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise PdfUnavailable(f"cannot run {browser}: {exc.strerror or exc}") from exc
        try:
            _, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise PdfUnavailable(f"chromium did not finish the PDF in {timeout:g} s") from exc
        if not pdf.is_file() or pdf.stat().st_size == 0:
            tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise PdfUnavailable(
                f"chromium exited with {proc.returncode} and wrote no PDF: " + " | ".join(tail)
            )
        return pdf.read_bytes()
