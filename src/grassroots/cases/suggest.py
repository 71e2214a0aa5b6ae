"""Category suggestion and duplicate detection at intake.

Category suggestion = two signals, both explained to the person who confirms:
- keywords: jieba tokens of the text matched against each active category's name and keywords;
- a multinomial naive-Bayes classifier trained on closed cases' descriptions (Laplace smoothing),
  stored as data in SuggestionModel (a count table), retrained on demand
  (`manage.py train_case_classifier` or the config page).

Duplicates: open cases submitted within DUPLICATE_DAYS, nearer than DUPLICATE_METERS (or in the same
community when either has no location), ranked by category and text similarity (Jaccard of jieba tokens).
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import Case, Category, SuggestionModel
from .workflow import CaseState

MODEL_NAME = "category_nb"
TOP_N = 3
DUPLICATE_METERS = 200
DUPLICATE_DAYS = 7
MIN_JACCARD = 0.2
TRAIN_STATES = (CaseState.CLOSED, CaseState.CLOSED_UNRESOLVED, CaseState.EVALUATED)
TRAIN_LIMIT = 50_000
_STOP = (
    "的 了 是 在 有 和 就 都 而 及 与 着 或 一个 没有 我们 你们 他们 这个 那个 这里 那里 一直 已经 非常 "
    "很 也 还 又 被 把 让 给 请 麻烦 希望 要求 反映 问题 情况 现在 目前 经常 总是 小区 附近"
)
STOPWORDS = frozenset(_STOP.split(" "))
_WORD = re.compile(r"[\w\u4e00-\u9fff]")
_SPLIT = re.compile(r"[\s,，、;；/]+")

_jieba = None


def _tokenizer():
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _jieba = jieba
    return _jieba


def tokens(text: str) -> list[str]:
    """Search-mode jieba tokens without stop words, punctuation and single characters."""
    out = []
    for t in _tokenizer().lcut_for_search((text or "")[:2000]):
        t = t.strip().lower()
        if len(t) >= 2 and _WORD.match(t) and t not in STOPWORDS and not t.isdigit():
            out.append(t)
    return out


def category_keywords(category: Category) -> set[str]:
    words = {w.strip().lower() for w in _SPLIT.split(category.keywords or "") if len(w.strip()) >= 2}
    words |= set(tokens(category.name))
    return words


# ---------------------------------------------------------------- classifier


def train(now=None) -> SuggestionModel:
    """Retrain the naive-Bayes table from the descriptions of closed cases (newest TRAIN_LIMIT)."""
    rows = (
        Case.objects.filter(state__in=TRAIN_STATES, category__isnull=False, category__is_active=True)
        .order_by("-submitted_at")
        .values_list("category__code", "description")[:TRAIN_LIMIT]
    )
    docs: Counter = Counter()
    counts: dict[str, Counter] = {}
    for code, text in rows.iterator(chunk_size=2000):
        docs[code] += 1
        counts.setdefault(code, Counter()).update(tokens(text))
    vocab = set()
    for c in counts.values():
        vocab.update(c)
    data = {
        "docs": dict(docs),
        "totals": {code: sum(c.values()) for code, c in counts.items()},
        "counts": {code: dict(c) for code, c in counts.items()},
        "vocab": len(vocab),
    }
    with transaction.atomic():
        obj, _ = SuggestionModel.objects.update_or_create(
            name=MODEL_NAME,
            defaults={"data": data, "documents": sum(docs.values()), "trained_at": now or timezone.now()},
        )
    return obj


def classify(text: str, model: SuggestionModel | None = None) -> list[tuple[str, float, list[str]]]:
    """(category code, posterior probability, the words that weighed most) best first; [] untrained."""
    if model is None:
        model = SuggestionModel.objects.filter(name=MODEL_NAME).first()
    if model is None or not model.documents:
        return []
    data = model.data
    words = tokens(text)
    n_docs = sum(data["docs"].values())
    vocab = max(int(data["vocab"]), 1)
    scores = {}
    reasons = {}
    for code, nd in data["docs"].items():
        counts = data["counts"].get(code, {})
        denom = data["totals"].get(code, 0) + vocab
        score = math.log(nd / n_docs)
        contrib = []
        for w in words:
            c = counts.get(w, 0)
            score += math.log((c + 1) / denom)
            if c:
                contrib.append((c / denom, w))
        scores[code] = score
        reasons[code] = [w for _, w in sorted(set(contrib), reverse=True)[:3]]
    top = max(scores.values())
    exp = {code: math.exp(s - top) for code, s in scores.items()}
    total = sum(exp.values())
    ranked = sorted(((code, v / total) for code, v in exp.items()), key=lambda x: -x[1])
    return [(code, p, reasons[code]) for code, p in ranked]


@dataclass
class Suggestion:
    category: Category
    score: float
    reasons: list[str] = field(default_factory=list)

    @property
    def why(self) -> str:
        return "；".join(self.reasons)


def suggest_categories(text: str, limit: int = TOP_N) -> list[Suggestion]:
    """The top categories for a description, each with the reasons a person can check."""
    text = (text or "").strip()
    if len(text) < 2:
        return []
    words = set(tokens(text))
    lowered = text.lower()
    cats = {c.code: c for c in Category.objects.filter(is_active=True).select_related("parent")}
    leaf_codes = {c.code for c in cats.values()} - {c.parent.code for c in cats.values() if c.parent_id}
    found: dict[str, Suggestion] = {}
    for code in leaf_codes:
        cat = cats[code]
        hits = sorted(k for k in category_keywords(cat) if k in words or k in lowered)
        if hits:
            s = found.setdefault(code, Suggestion(cat, 0.0))
            s.score += min(1.0, 0.35 * len(hits))
            s.reasons.append("命中关键词：" + "、".join(hits[:4]))
    for code, prob, why in classify(text)[: limit * 2]:
        if code not in cats or prob < 0.05:
            continue
        s = found.setdefault(code, Suggestion(cats[code], 0.0))
        s.score += prob
        reason = f"相似已办结诉求占比 {prob:.0%}"
        if why:
            reason += "（" + "、".join(why) + "）"
        s.reasons.append(reason)
    ranked = sorted(found.values(), key=lambda s: (-s.score, s.category.sort, s.category.code))
    return ranked[:limit]


# ---------------------------------------------------------------- duplicates


def distance_m(lng1, lat1, lng2, lat2) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(min(1.0, a)))


def jaccard(a: set, b: set) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@dataclass
class Duplicate:
    case: Case
    score: float
    distance: float | None
    same_category: bool
    similarity: float

    @property
    def why(self) -> str:
        parts = []
        if self.distance is not None:
            parts.append(f"相距约 {self.distance:.0f} 米")
        else:
            parts.append("同一社区")
        if self.same_category:
            parts.append("同一类别")
        parts.append(f"描述相似度 {self.similarity:.0%}")
        return "，".join(parts)


NOT_OPEN = (CaseState.MERGED, CaseState.CLOSED, CaseState.CLOSED_UNRESOLVED)


def similar_cases(
    *,
    description: str,
    category: Category | None = None,
    lng=None,
    lat=None,
    region=None,
    exclude_pk=None,
    queryset=None,
    now=None,
    limit: int = 5,
) -> list[Duplicate]:
    """Open cases that look like the same problem: within DUPLICATE_DAYS, within DUPLICATE_METERS
    (same community when there is no location), ranked by category match and text similarity."""
    now = now or timezone.now()
    qs = queryset if queryset is not None else Case.objects.all()
    qs = qs.exclude(state__in=NOT_OPEN).filter(submitted_at__gte=now - timedelta(days=DUPLICATE_DAYS))
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    located = lng is not None and lat is not None
    if located:
        dlat = DUPLICATE_METERS / 111_000
        dlng = DUPLICATE_METERS / (111_000 * max(math.cos(math.radians(lat)), 0.1))
        near = qs.filter(lat__range=(lat - dlat, lat + dlat), lng__range=(lng - dlng, lng + dlng))
        if region is not None:
            near = near | qs.filter(region=region, lat__isnull=True)
        qs = near
    elif region is not None:
        qs = qs.filter(region=region)
    else:
        return []
    mine = set(tokens(description))
    out = []
    for other in qs.select_related("category", "region", "handler").order_by("-submitted_at")[:300]:
        dist = None
        if located and other.lat is not None:
            dist = distance_m(lng, lat, other.lng, other.lat)
            if dist > DUPLICATE_METERS:
                continue
        same = bool(category and other.category_id == category.pk)
        sim = jaccard(mine, set(tokens(other.description)))
        if not same and sim < MIN_JACCARD:
            continue
        closeness = 1 - dist / DUPLICATE_METERS if dist is not None else 0
        score = 0.6 * sim + (0.3 if same else 0) + 0.1 * closeness
        out.append(Duplicate(other, score, dist, same, sim))
    out.sort(key=lambda d: -d.score)
    return out[:limit]


def duplicates_of(case: Case, queryset=None, limit: int = 5) -> list[Duplicate]:
    return similar_cases(
        description=case.description,
        category=case.category,
        lng=case.lng,
        lat=case.lat,
        region=case.region,
        exclude_pk=case.pk,
        queryset=queryset,
        limit=limit,
    )
