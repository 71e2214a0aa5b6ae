from django.db import models


class RegionLevel(models.TextChoices):
    CITY = "city", "市"
    DISTRICT = "district", "区(县、旗)"
    STREET = "street", "街道(镇)"
    COMMUNITY = "community", "社区"
    NEIGHBORHOOD = "neighborhood", "小区"
    BUILDING = "building", "楼栋"
    ENTRANCE = "entrance", "单元"


LEVEL_ORDER = [c.value for c in RegionLevel]


def child_level(level: str) -> str | None:
    i = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[i + 1] if i + 1 < len(LEVEL_ORDER) else None


class StreetCategory(models.TextChoices):
    """Ordos classifies its streets and towns into 4 types (seed 002)."""

    ESTABLISHED = "established", "建制街道"
    BANNER = "banner", "旗设街道"
    REFERENCE = "reference", "参照街道"
    CENTRAL_TOWN = "central_town", "城关中心镇"


class CommunityCategory(models.TextChoices):
    URBAN_CORE = "urban_core", "老城区社区"
    NEW_DISTRICT = "new_district", "新建商品房社区"
    UNIT_COMPOUND = "unit_compound", "单位型社区"
    RELOCATION = "relocation", "拆迁安置社区"
    MIXED = "mixed", "城乡结合社区"


class HouseholdTag(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", "独居老人"
    EMPTY_NEST = "empty_nest", "空巢老人"
    LOW_INCOME = "low_income", "低保"
    DISABLED = "disabled", "残疾"
    EXTREME_POVERTY = "extreme_poverty", "特困"
    VETERAN = "veteran", "退役军人"
    LEFT_BEHIND_CHILD = "left_behind_child", "留守儿童"
    RENTER = "renter", "租户"
    KEY_CARE = "key_care", "重点关注"
