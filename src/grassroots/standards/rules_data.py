"""Default rule table (../shared/RULES.md). Loaded into standards.Rule on migrate; admins edit values."""

DEFAULT_RULES = [
    # id, category, title, params, suggested action
    (
        "ORG-1",
        "org",
        "单位正式党员达到 3 人应单独建立党组织",
        {"min_full_members": 3},
        "按规定单独组建党支部",
    ),
    (
        "ORG-2",
        "org",
        "正式党员不足 3 人的单位应联合组建、挂靠或选派党建指导员",
        {"min_full_members": 3},
        "组建或加入联合党支部、挂靠就近党组织，或选派党建指导员",
    ),
    ("ORG-3", "org", "党员 7 人以上的支部应设立支部委员会", {"min_members": 7}, "召开党员大会选举支部委员会"),
    ("ORG-4", "org", "党员超过 50 人可设立党总支", {"min_members": 51}, "研究是否成立党总支"),
    ("ORG-5", "org", "党员 100 人以上可设立基层党委", {"min_members": 100}, "研究是否成立基层党委"),
    (
        "ORG-6",
        "org",
        "按期换届：支部、总支 3 年，基层党委 5 年",
        {"branch_years": 3, "committee_years": 5, "warn_days": 90},
        "按期启动换届选举",
    ),
    (
        "ORG-7",
        "org",
        "功能型党组织不收缴党费、不发展党员、不转接组织关系",
        {},
        "将党员组织关系转回所在单位或社区党组织",
    ),
    (
        "ORG-8",
        "org",
        "预备期满一年应及时讨论转正",
        {"probation_days": 365},
        "召开支部党员大会讨论预备党员转正",
    ),
    ("ORG-9", "org", "连续 6 个月未缴纳党费应提醒", {"months": 6}, "了解情况，督促按月交纳党费"),
    (
        "COV-1",
        "cov",
        "从业人员 50 人以上无党员的单位，先建工会、共青团并选派党建指导员",
        {"min_employees": 50},
        "建立工会、共青团组织，选派党建指导员",
    ),
    (
        "COV-2",
        "cov",
        "有 1–2 名正式党员的单位采取联建、挂靠或选派指导员",
        {"min_full_members": 3},
        "组建或加入联合党支部、挂靠就近党组织，或选派党建指导员",
    ),
    (
        "COV-3",
        "cov",
        "党组织覆盖率 = 已覆盖单位 ÷ 应覆盖单位（有正式党员或从业人员达到规模的单位）",
        {"min_employees": 50},
        "推动未覆盖单位建立或加入党组织",
    ),
]
