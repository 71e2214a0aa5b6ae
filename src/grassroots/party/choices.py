from django.db import models


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", "党委"
    WORKING_COMMITTEE = "working_committee", "党工委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    GROUP = "group", "党小组"


# Term length in years by kind (ORG-6 default; the rule table holds the live values).
TERM_YEARS = {"committee": 5, "working_committee": 5, "general_branch": 3, "branch": 3}


class MemberStatus(models.TextChoices):
    FULL = "full", "正式党员"
    PROBATIONARY = "probationary", "预备党员"


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class SeatPost(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DEPUTY_SECRETARY = "deputy_secretary", "副书记"
    MEMBER = "member", "委员"
    PART_TIME = "part_time", "兼职委员"
