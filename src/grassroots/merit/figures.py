"""The merit figures of the home page, declared once (core.tallies): the refresh groups these rows into
scope buckets, the home page sums the buckets a user's grants cover, the tests compare both."""

from __future__ import annotations

from django.db.models import F

from grassroots.core.tallies import Tally, register

from .models import RatingState, StarRating, StudyRecord, StudyState


def published_stars():
    """Published star ratings, split by "year:stars"."""
    return StarRating.objects.filter(state=RatingState.PUBLISHED)


def pending_ratings():
    """Ratings proposed or reviewed, not yet published, split by year."""
    return StarRating.objects.filter(state__in=[RatingState.PROPOSED, RatingState.REVIEWED])


def pending_studies():
    return StudyRecord.objects.filter(state=StudyState.PENDING)


def _year_stars():
    return {"y": F("year"), "s": F("stars")}


def _year_stars_text(row: dict) -> str:
    return f"{row['y']}:{row['s']}"


def _year():
    return {"y": F("year")}


def _year_text(row: dict) -> str:
    return str(row["y"])


TALLIES = [
    Tally("merit.stars", "merit.StarRating", published_stars, key=_year_stars, key_text=_year_stars_text),
    Tally("merit.pending_ratings", "merit.StarRating", pending_ratings, key=_year, key_text=_year_text),
    Tally("merit.pending_studies", "merit.StudyRecord", pending_studies),
]
CODES = [t.code for t in TALLIES]


def register_all() -> None:
    for t in TALLIES:
        register(t)
