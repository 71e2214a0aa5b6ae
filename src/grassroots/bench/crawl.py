"""What a crawl follows on a page: same-origin GET links (<a href>) and the fragments pages fetch by
themselves (htmx hx-get), without sign-out, file downloads and exports. Shared by the dead-link test
(tests/roles/test_crawl.py) and `grassroots bench pages`, so both walk the same pages."""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin, urlsplit

# Links that are not pages: signing out, file downloads and exports (their own tests cover them).
SKIP = re.compile(
    r"^/(accounts/logout|logout|static/|media/|admin/)|[?&]export=|/export/|/download|\.xlsx|\.ics"
)
HREF = re.compile(r"""(?:<a\s[^>]*?href|\shx-get)\s*=\s*["']([^"'#{][^"']*)["']""", re.I)


def links_of(html: str, base: str) -> list[str]:
    """Same-origin paths (with their query) linked from `html`, resolved against `base` (a full URL)."""
    host = urlsplit(base).netloc
    out = []
    for raw in HREF.findall(html):
        if raw.startswith(("mailto:", "tel:", "javascript:", "sms:")):
            continue
        url = urldefrag(urljoin(base, raw.replace("&amp;", "&")))[0]
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != host:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not SKIP.search(path):
            out.append(path)
    return out
