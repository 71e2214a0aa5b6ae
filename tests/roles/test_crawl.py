"""Navigation that cannot lie: as every demo account, follow every link shown on every page reached
from the home page (same-origin GET links, breadth-first) and require no 404 and no server error."""

from __future__ import annotations

import re
from collections import Counter, deque
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.test import Client

from grassroots.bench.crawl import links_of

from .conftest import ROLES

MAX_PAGES = 150
PER_SHAPE = 3


def shape(url: str) -> str:
    """A link's kind: its path with numbers and codes as N, and its query's parameter names. The 25
    detail links of a list page are one kind; a few of each find a dead kind of link at a fraction of
    the pages (the crawl took over four minutes of the suite following every row of every list)."""
    parts = urlsplit(url)
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def crawl(client: Client, start: str = "/", limit: int = MAX_PAGES):
    """Breadth-first over the pages reachable from `start`, at most PER_SHAPE links of one kind;
    returns (pages seen, links left, bad answers)."""
    queue, seen, bad, pages = deque([(start, "(start)")]), {start}, [], 0
    kinds: Counter[str] = Counter()
    # Query-string variants of one path (filters, sorting, pages) count once toward the page limit
    # but each is still fetched when reached before the limit.
    while queue and pages < limit:
        url, referrer = queue.popleft()
        response = client.get(url, follow=True)
        pages += 1
        if response.status_code == 404 or response.status_code >= 500:
            bad.append((url, response.status_code, referrer))
            continue
        ctype = response.get("Content-Type", "")
        if "text/html" not in ctype:
            continue
        final = response.redirect_chain[-1][0] if response.redirect_chain else url
        for link in links_of(response.content.decode(), urljoin("http://testserver", final)):
            if link not in seen and kinds[shape(link)] < PER_SHAPE:
                seen.add(link)
                kinds[shape(link)] += 1
                queue.append((link, url))
    return pages, len(queue), bad


@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES)
def test_every_link_shown_answers(demo_city, username):
    from grassroots.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    pages, left, bad = crawl(client)
    assert not bad, f"{username}: {len(bad)} dead links:\n" + "\n".join(
        f"  {code} {url}  (linked from {ref})" for url, code, ref in bad[:40]
    )
    # Either the crawl reached the page limit, or it visited every distinct page the role is shown.
    assert pages >= MAX_PAGES or left == 0, (username, pages, left)
