"""Reports as PDF: the page's own template, rendered by WeasyPrint (HTML and CSS to PDF).

The PDF is the printable page: the same template with `pdf` set (which leaves navigation and
forms out and uses a bare layout instead of the site's), the site's stylesheet and the print
stylesheet (waymark/static/waymark/print.css, also the page's `media="print"` sheet), and the
same inline SVG charts.

WeasyPrint loads stylesheets and images through `StaticFetcher`: files under STATIC_URL are read
from disk (the collected files, else the app's own), `data:` URLs are decoded, and nothing else
is fetched, so rendering never calls the network or the site itself.

WeasyPrint needs Pango (Debian: libpango-1.0-0 and libpangoft2-1.0-0; tools/ensure-system-deps
installs them). Without it `render_pdf` raises `PdfUnavailable`, whose message says what to
install; the views answer 503 with that message instead of failing.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

PDF_LAYOUT = "reporting/_report_pdf.html"
SYSTEM_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0"


class PdfUnavailable(RuntimeError):
    """WeasyPrint, or the system libraries it needs, are missing on this server."""


def render_pdf(template_name: str, context: dict[str, Any], request: HttpRequest) -> bytes:
    """The template rendered as its printable page (`pdf` set, the bare layout) and written
    as a PDF. Raises PdfUnavailable when WeasyPrint cannot run here."""
    weasyprint = _weasyprint()
    html = render_to_string(
        template_name, {**context, "pdf": True, "layout": PDF_LAYOUT}, request=request
    )
    document = weasyprint.HTML(
        string=html,
        base_url=request.build_absolute_uri("/"),
        url_fetcher=_fetcher(weasyprint)(),
        media_type="print",
    )
    pdf: bytes = document.write_pdf()
    return pdf


def _weasyprint() -> Any:
    """The weasyprint module, or PdfUnavailable saying what to install."""
    try:
        import weasyprint
    except ImportError as error:
        logger.warning("PDF unavailable: %s", error)
        raise PdfUnavailable(
            _(
                "PDF files cannot be made on this server: the WeasyPrint package is not "
                "installed. Install the packages in requirements.txt (pip install -r "
                "requirements.txt)."
            )
        ) from error
    except OSError as error:  # cffi could not load Pango or one of its libraries
        logger.warning("PDF unavailable: %s", error)
        raise PdfUnavailable(
            _(
                "PDF files cannot be made on this server: the system libraries WeasyPrint "
                "needs are missing. On Debian or Ubuntu install them with: "
                "apt-get install %(packages)s"
            )
            % {"packages": SYSTEM_PACKAGES}
        ) from error
    quiet = logging.getLogger("weasyprint")
    if quiet.level == logging.NOTSET:
        # WeasyPrint warns about every screen-only rule of the site's stylesheet it skips
        # (sticky headers, media queries), for every PDF; keep its errors. LOGGING may set
        # another level for the "weasyprint" logger, which is then left as configured.
        quiet.setLevel(logging.ERROR)
    return weasyprint


def static_file(url: str) -> Path | None:
    """The file behind a URL under STATIC_URL (collected, else found in the apps), or None."""
    path = unquote(urlsplit(url).path)
    prefix = urlsplit(settings.STATIC_URL).path
    if not path.startswith(prefix):
        return None
    name = path[len(prefix) :].lstrip("/")
    if not name or ".." in Path(name).parts:
        return None
    collected = Path(settings.STATIC_ROOT) / name
    if collected.is_file():
        return collected
    found = finders.find(name)
    if isinstance(found, list):
        found = found[0] if found else None
    return Path(found) if found else None


def _fetcher(weasyprint: Any) -> Any:
    """A URLFetcher class that serves static files from disk, decodes data: URLs and refuses
    everything else (made here because weasyprint is imported only when a PDF is made)."""

    class StaticFetcher(weasyprint.urls.URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            found = static_file(url)
            if found is None:
                raise ValueError(f"not fetched for a PDF: {url}")
            kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
            return weasyprint.urls.URLFetcherResponse(
                url, found.read_bytes(), {"Content-Type": kind}
            )

    return StaticFetcher
