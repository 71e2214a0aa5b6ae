"""The permission catalog and the built-in roles. Roles are data (accounts.Role): these are the
defaults created on migrate, which an administrator can change afterwards."""

from __future__ import annotations

PERMISSIONS: dict[str, str] = {
    "regions.view": "查看行政区划与住户",
    "regions.change": "维护行政区划与住户",
    "party.view": "查看党组织与党员",
    "party.change": "维护党组织与党员",
    "units.view": "查看驻区单位",
    "units.change": "维护驻区单位",
    "people.view": "查看社区工作者、三长与代表委员",
    "people.change": "维护社区工作者、三长与代表委员",
    "standards.view": "查看组织体检与规则",
    "standards.change": "修改规则参数",
    "dashboards.view": "查看工作台与统计",
    "cases.view": "查看诉求工单",
    "cases.submit": "受理、登记诉求",
    "cases.dispatch": "分拨、督办诉求",
    "cases.handle": "办理诉求",
    "cases.config": "配置事项类别与办理单位",
    "cases.follow": "关注身边诉求、补充本人诉求",
    "whistle.view": "查看吹哨报到",
    "whistle.summon": "吹哨召集部门",
    "whistle.respond": "部门报到与反馈",
    "linkage.view": "查看四级联动任务与领导联系点",
    "linkage.issue": "下发联动任务、维护领导联系点、验收承办",
    "linkage.respond": "签收、办理、报结联动任务",
    "cobuild.view": "查看共驻共建",
    "cobuild.change": "维护共驻共建（报到、清单、项目、联席会议）",
    "cobuild.claim": "认领需求与资源",
    "cobuild.register": "在职党员到社区报到",
    "volunteers.view": "查看志愿服务、微心愿与积分",
    "volunteers.change": "维护志愿服务、微心愿与积分",
    "volunteers.join": "报名志愿活动、认领微心愿、兑换积分",
    "venues.view": "查看党群服务阵地与预约",
    "venues.change": "维护阵地并审批预约",
    "venues.book": "预约场地",
    "orglife.view": "查看组织生活与活动",
    "orglife.change": "维护组织生活与活动",
    "standards.assess": "考核评价打分与审核",
    "deliberation.view": "查看居民议事",
    "deliberation.manage": "组织居民议事（审核议题、三定、表决、实事项目）",
    "deliberation.take_part": "提出议题、参与议事表决",
    "outreach.log": "登记联户联系与民情日志",
    "merit.view": "查看党员积分与支部星级",
    "merit.change": "登记和审核学习记录",
    "merit.rate": "评定支部星级（提名、审核、发布）",
    "merit.study": "登记本人学习记录",
    "emergency.view": "查看平急结合（应急状态、摸排进度、战时档案）",
    "emergency.declare": "宣布、解除应急状态并调度人员",
    "emergency.respond": "应急响应（到岗确认、入户摸排、需求登记与送达）",
    "redproperty.view": "查看红色物业（物业企业、业委会、合同、等级与红黑榜）",
    "redproperty.manage": "维护红色物业（企业、业委会、合同、检查、交叉任职、兜底接管）",
    "redproperty.grade": "评定物业年度等级并发布红黑榜",
    "redproperty.rate": "评价本小区物业服务",
    "proactive.view": "查看热点问题、未诉先办与每月一题",
    "proactive.manage": "管理未诉先办与每月一题、重新计算热点",
    "onewindow.view": "查看一窗受理代办申请",
    "onewindow.handle": "受理、核对材料、转办代办申请，上门代办",
    "onewindow.manage_catalog": "维护一窗受理服务事项清单",
    "onewindow.department": "部门受理、办结或退回转来的代办申请",
    "personal.view": "查看个人信息明文",
    "personal.export": "导出含个人信息的数据",
    "imports.run": "批量导入",
    "audit.view": "查看审计日志",
    "accounts.manage": "管理用户与授权",
    "roles.manage": "配置角色权限",
}

_VIEW = [
    "regions.view",
    "party.view",
    "units.view",
    "people.view",
    "standards.view",
    "dashboards.view",
    "whistle.view",
    "cobuild.view",
    "volunteers.view",
    "venues.view",
    "orglife.view",
    "deliberation.view",
    "merit.view",
    "emergency.view",
    "linkage.view",
    "redproperty.view",
    "proactive.view",
    "onewindow.view",
]
_CHANGE = [
    "regions.change",
    "party.change",
    "units.change",
    "people.change",
    "cobuild.change",
    "cobuild.claim",
    "volunteers.change",
    "venues.change",
    "venues.book",
    "orglife.change",
    "whistle.summon",
    "standards.assess",
    "deliberation.manage",
    "outreach.log",
    "merit.change",
    "emergency.respond",
    "onewindow.handle",
]
_CASES = ["cases.view", "cases.submit", "cases.dispatch", "cases.handle"]
_ADMIN = (
    _VIEW
    + _CHANGE
    + _CASES
    + ["personal.view", "personal.export", "imports.run", "audit.view", "accounts.manage"]
)

# code -> (name, permissions, scope kind: "region" | "party_org" | "own" | "any")
BUILTIN_ROLES: dict[str, tuple[str, list[str], str]] = {
    "city_admin": (
        "市级管理员",
        _ADMIN
        + ["standards.change", "cases.config", "merit.rate", "emergency.declare", "linkage.issue"]
        + ["redproperty.grade", "proactive.manage", "onewindow.manage_catalog"],
        "region",
    ),
    "district_admin": (
        "区级管理员",
        _ADMIN
        + ["merit.rate", "emergency.declare", "linkage.issue", "redproperty.grade", "proactive.manage"]
        + ["onewindow.manage_catalog"],
        "region",
    ),
    "street_admin": (
        "街道管理员",
        _ADMIN
        + ["merit.rate", "emergency.declare", "linkage.issue", "linkage.respond"]
        + ["redproperty.manage", "proactive.manage", "onewindow.manage_catalog"],
        "region",
    ),
    # Plaintext exports of personal data are for street level and above (SECURITY.md: restricted
    # operators, PIPL minimum necessary); a community administrator exports masked lists.
    "community_admin": (
        "社区管理员",
        [p for p in _ADMIN if p != "personal.export"] + ["linkage.respond", "redproperty.manage"],
        "region",
    ),
    "grid_worker": (
        "网格员",
        _VIEW
        + ["regions.change", "personal.view", "cases.view", "cases.submit", "cases.handle"]
        + ["volunteers.change", "venues.book", "outreach.log", "emergency.respond", "onewindow.handle"],
        "region",
    ),
    # Departments hold no region-wide case permission: they see and handle the cases dispatched to a
    # handler they are a member of (cases.Handler.members), whatever their assignment's region.
    # The same holds for summons: a department sees the summons addressed to it (whistle.respond).
    # 一窗受理: a department sees the applications forwarded to it (onewindow.department + membership).
    "department_handler": (
        "部门经办人",
        ["dashboards.view", "regions.view", "whistle.respond", "onewindow.department"],
        "region",
    ),
    "unit_liaison": (
        "单位联络员",
        ["party.view", "units.view", "dashboards.view"]
        + [
            "cobuild.view",
            "cobuild.claim",
            "venues.view",
            "venues.book",
            "volunteers.view",
            "volunteers.join",
        ],
        "party_org",
    ),
    "party_member": (
        "党员",
        ["party.view", "cobuild.register", "volunteers.join", "venues.book", "orglife.view", "outreach.log"]
        + ["deliberation.take_part", "merit.view", "merit.study", "emergency.view", "emergency.respond"]
        + ["redproperty.rate", "cases.follow"],
        "own",
    ),
    "resident": (
        "居民",
        ["regions.view", "cases.view", "cases.submit", "volunteers.join", "venues.book"]
        + ["deliberation.take_part", "emergency.view", "emergency.respond", "redproperty.rate"]
        + ["cases.follow", "onewindow.view"],
        "own",
    ),
    "auditor": ("审计员", _VIEW + ["audit.view", "cases.view"], "any"),
    "system_admin": ("系统管理员", ["accounts.manage", "dashboards.view"], "any"),
    "security_admin": ("安全管理员", ["roles.manage", "audit.view"], "any"),
}

# 三员分立 (MLPS 2.0): these roles can't be held by one account.
SEPARATED_ROLES = {"system_admin", "security_admin", "auditor"}
