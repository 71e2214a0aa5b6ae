"""Default data for cases, created on migrate when missing."""

from __future__ import annotations

FIRST_CALENDAR_YEAR = 2004


def seed_categories(using="default") -> int:
    from .categories_data import DEFAULT_CATEGORIES, DEFAULT_KEYWORDS
    from .models import Category

    existing = set(Category.objects.using(using).values_list("code", flat=True))
    by_code = {c.code: c for c in Category.objects.using(using).all()}
    created = 0
    for sort, (code, parent, name, kind, tier, value, unit, handler_kind, required) in enumerate(
        DEFAULT_CATEGORIES
    ):
        if code in existing:
            continue
        obj = Category(
            code=code,
            parent=by_code.get(parent) if parent else None,
            name=name,
            kind=kind,
            default_tier=tier,
            deadline_value=value,
            deadline_unit=unit,
            handler_kind=handler_kind,
            required_fields=required,
            keywords=DEFAULT_KEYWORDS.get(code, ""),
            sort=sort,
        )
        obj.save(using=using)
        by_code[code] = obj
        created += 1
    return created


def seed_admission(using="default") -> int:
    from .categories_data import DEFAULT_ADMISSION
    from .models import AdmissionItem, Category

    if AdmissionItem.objects.using(using).exists():
        return 0
    cats = Category.objects.using(using).filter(code__in=DEFAULT_ADMISSION)
    AdmissionItem.objects.using(using).bulk_create(
        [AdmissionItem(category=c, region=None, basis="默认社区事项准入清单") for c in cats]
    )
    return len(cats)


def seed_holidays(using="default", last_year: int | None = None) -> int:
    """Official holidays and adjusted working days from the chinesecalendar package, for the years it
    knows; days already in the table (possibly edited by an admin) are left alone."""
    import chinese_calendar

    from .models import Holiday

    existing = set(Holiday.objects.using(using).values_list("date", flat=True))
    rows = []
    for table, is_workday in ((chinese_calendar.holidays, False), (chinese_calendar.workdays, True)):
        for day, name in table.items():
            if day.year < FIRST_CALENDAR_YEAR or (last_year and day.year > last_year) or day in existing:
                continue
            if is_workday and day.weekday() < 5:
                continue  # an ordinary working day needs no row
            rows.append(
                Holiday(date=day, is_workday=is_workday, name=_holiday_name(name), source="chinesecalendar")
            )
            existing.add(day)
    Holiday.objects.using(using).bulk_create(rows, batch_size=500)
    return len(rows)


HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def _holiday_name(name: str) -> str:
    return HOLIDAY_NAMES.get(name, name)[:50]


def calendar_years_known(using="default") -> list[int]:
    from .models import Holiday

    return sorted({d.year for d in Holiday.objects.using(using).dates("date", "year")})
