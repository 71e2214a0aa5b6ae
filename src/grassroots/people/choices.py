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
