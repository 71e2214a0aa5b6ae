from django.db import models


class UnitType(models.TextChoices):
    ORGAN = "organ", "机关"
    INSTITUTION = "institution", "事业单位"
    SOE = "soe", "国有企业"
    PRIVATE = "private", "非公企业"
    SOCIAL_ORG = "social_org", "社会组织"
    PROPERTY = "property", "物业服务企业"
    OWNERS_COMMITTEE = "owners_committee", "业委会"


class PartyWork(models.TextChoices):
    """How a unit's party work is organised (two coverages, seed 004)."""

    OWN_ORG = "own_org", "单独建立党组织"
    JOINT_ORG = "joint_org", "联合党组织"
    ATTACHED = "attached", "挂靠党组织"
    NONE = "none", "未建立"
