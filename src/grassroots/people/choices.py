from django.db import models


class WorkerPost(models.TextChoices):
    """三岗: the 3 posts of the 3 × 18 pay system (GOV-10)."""

    HEAD = "head", "正职（书记、主任）"
    DEPUTY = "deputy", "副职（副书记、副主任）"
    STAFF = "staff", "社区专职工作者"


class WorkerRole(models.TextChoices):
    GENERALIST = "generalist", "全科社工"
    GRID_WORKER = "grid_worker", "网格员"
    GRID_HEAD = "grid_head", "网格长"
    GOVERNANCE_OFFICER = "governance_officer", "治理专干"
    SECRETARY = "secretary", "党组织书记"
    DIRECTOR = "director", "居委会主任"


class StewardRole(models.TextChoices):
    NEIGHBORHOOD = "neighborhood", "小区长"
    BUILDING = "building", "楼长"
    ENTRANCE = "entrance", "单元长"


class DeputyKind(models.TextChoices):
    NPC = "npc", "人大代表"
    PARTY_CONGRESS = "party_congress", "党代表"
    CPPCC = "cppcc", "政协委员"


class Education(models.TextChoices):
    HIGH_SCHOOL = "high_school", "高中（中专）及以下"
    JUNIOR_COLLEGE = "junior_college", "大专"
    BACHELOR = "bachelor", "本科"
    MASTER = "master", "硕士研究生及以上"


class Qualification(models.TextChoices):
    """社会工作者职业资格 levels."""

    NONE = "none", "无"
    ASSISTANT = "assistant", "助理社会工作师"
    SOCIAL_WORKER = "social_worker", "社会工作师"
    SENIOR = "senior", "高级社会工作师"


class AssessmentResult(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    COMPETENT = "competent", "称职"
    BASIC = "basic", "基本称职"
    INCOMPETENT = "incompetent", "不称职"


class GradeChangeReason(models.TextChoices):
    INITIAL = "initial", "初次定级"
    ANNUAL = "annual", "年度晋级"
    DEMOTION = "demotion", "考核降级"
    POST_CHANGE = "post_change", "岗位调整"


# Bodies of deputies exist only at some levels: 人大 at city/district (and township, which the region tree
# has no level for), 党代会 at city/district, 政协 at city/district. No congress sits at a street.
DEPUTY_LEVELS = {
    "npc": ("city", "district"),
    "party_congress": ("city", "district"),
    "cppcc": ("city", "district"),
}
