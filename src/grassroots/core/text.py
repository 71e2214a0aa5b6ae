"""Chinese text helpers: pinyin initials for search (张三 -> zs)."""

from __future__ import annotations

from functools import lru_cache

from django.db.models import Q
from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def initials(text: str) -> str:
    if not text:
        return ""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return "".join(letters).lower()[:64]


class InitialsMixin:
    """Keeps `name_initials` (pinyin initials of `initials_source`) in step on every save, so lists
    can be searched by initials. Bulk writers skip save() and call `fill_initials()` themselves."""

    initials_source = "name"

    def fill_initials(self) -> None:
        self.name_initials = initials(getattr(self, self.initials_source) or "")

    def save(self, *args, **kwargs):
        self.fill_initials()
        super().save(*args, **kwargs)  # type: ignore[misc]  # a mixin: the model class supplies save()


def name_search_q(term: str, field: str = "name", initials_field: str = "name_initials") -> Q:
    """Match a name by substring, or by pinyin initials when the term is Latin letters (zs -> 张三)."""
    term = (term or "").strip()
    if not term:
        return Q()
    q = Q(**{f"{field}__icontains": term})
    if term.isascii() and term.isalpha():
        q |= Q(**{f"{initials_field}__startswith": term.lower()})
    return q
