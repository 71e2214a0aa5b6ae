"""The 25 steps of recruitment (《中国共产党发展党员工作细则》, 2014) as data: number, phase (the five
chapters of the regulation), Chinese name, who acts, the documents the step produces, the rule whose
parameter bounds it, and the candidate's stage after it.

The order between steps is fixed here (`allowed_next`); the intervals and deadlines are rule data
(REC-1…REC-6, ORG-8, MEM-AGE in standards/rules_data.py) read by rules.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Stage(models.TextChoices):
    APPLICANT = "applicant", "入党申请人"
    ACTIVIST = "activist", "入党积极分子"
    PROSPECT = "prospect", "发展对象"
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "正式党员"
    DISQUALIFIED = "disqualified", "取消预备党员资格"
    STOPPED = "stopped", "终止发展"


ACTIVE_STAGES = (Stage.APPLICANT, Stage.ACTIVIST, Stage.PROSPECT, Stage.PROBATIONARY)
# The pipeline's columns, in order.
PIPELINE_STAGES = (Stage.APPLICANT, Stage.ACTIVIST, Stage.PROSPECT, Stage.PROBATIONARY, Stage.FULL)


class Decision(models.TextChoices):
    """What the branch general meeting decides when the probation ends (step 23)."""

    CONVERT = "convert", "按期转正"
    EXTEND = "extend", "延长预备期"
    DISQUALIFY = "disqualify", "取消预备党员资格"


PHASES = {
    1: "申请入党",
    2: "入党积极分子的确定和培养教育",
    3: "发展对象的确定和考察",
    4: "预备党员的接收",
    5: "预备党员的教育考察和转正",
}


@dataclass(frozen=True)
class Step:
    number: int
    phase: int
    name: str
    actor: str
    documents: tuple[str, ...]
    rule: str = ""  # the rule code whose parameter bounds the step (interval or deadline)
    stage_after: str = ""  # the candidate's stage once the step is recorded ("" = unchanged)
    people: str = ""  # "cultivators" / "introducers": the step names two full members
    repeatable: bool = False

    @property
    def phase_name(self) -> str:
        return PHASES[self.phase]

    @property
    def label(self) -> str:
        return f"第 {self.number} 步 {self.name}"


STEPS: dict[int, Step] = {
    s.number: s
    for s in [
        Step(1, 1, "递交入党申请书", "入党申请人", ("入党申请书",), "MEM-AGE", Stage.APPLICANT),
        Step(2, 1, "党组织派人谈话", "党支部委员或党员", ("谈话记录",), "REC-1"),
        Step(
            3,
            2,
            "推荐和确定入党积极分子",
            "党支部委员会",
            ("推荐材料", "支部委员会会议记录"),
            stage_after=Stage.ACTIVIST,
        ),
        Step(4, 2, "报上级党委备案", "党支部", ("入党积极分子备案表",)),
        Step(5, 2, "指定培养联系人", "党支部委员会", ("培养联系人指定记录",), people="cultivators"),
        Step(
            6,
            2,
            "培养教育考察（每半年一次）",
            "党支部",
            ("入党积极分子考察登记表",),
            "REC-2",
            repeatable=True,
        ),
        Step(
            7,
            3,
            "确定发展对象",
            "党支部委员会",
            ("听取意见记录", "支部委员会会议记录"),
            "REC-2",
            Stage.PROSPECT,
        ),
        Step(8, 3, "报上级党委备案", "党支部", ("发展对象备案表",)),
        Step(9, 3, "确定入党介绍人", "党支部", ("入党介绍人确定记录",), people="introducers"),
        Step(10, 3, "进行政治审查", "党支部", ("政治审查报告", "函调或外调材料")),
        Step(11, 3, "开展集中培训", "基层党委或县级党委组织部门", ("培训结业证明",), "REC-3"),
        Step(12, 4, "支部委员会审查并公示", "党支部委员会", ("审查意见", "公示材料"), "REC-4"),
        Step(13, 4, "上级党委预审", "上级党委", ("预审意见",), "REC-4"),
        Step(14, 4, "填写入党志愿书", "发展对象", ("入党志愿书",)),
        Step(15, 4, "支部大会讨论接收预备党员", "支部党员大会", ("会议记录", "表决结果", "支部决议")),
        Step(16, 4, "上级党委派人谈话", "上级党委委员或组织员", ("谈话记录",), "REC-5"),
        Step(17, 4, "上级党委审批", "上级党委", ("审批意见",), "REC-5", Stage.PROBATIONARY),
        Step(18, 4, "报上级党委组织部门备案", "上级党委", ("备案表",)),
        Step(19, 5, "编入党支部和党小组", "党支部", ("编入记录",)),
        Step(20, 5, "入党宣誓", "党支部或上级党委", ("宣誓记录", "宣誓照片")),
        Step(21, 5, "继续教育考察", "党支部", ("预备党员考察登记表",), repeatable=True),
        Step(22, 5, "提出书面转正申请", "预备党员", ("转正申请书",), "REC-6"),
        Step(23, 5, "支部大会讨论转正", "支部党员大会", ("会议记录", "表决结果"), "ORG-8"),
        Step(24, 5, "上级党委审批", "上级党委", ("审批意见",), "ORG-8"),
        Step(25, 5, "材料归档", "党支部、上级党委组织部门", ("入党材料目录", "档案移交记录")),
    ]
}
LAST = 25


def allowed_next(last_step: int, decision: str = "", stage: str = "") -> tuple[int, ...]:
    """The step numbers that may follow `last_step` (0 = nothing recorded yet). `decision` is the branch's
    decision at step 23 (kept on the candidate until step 24 applies it or, after an extension, the
    next round of steps 21–24)."""
    if stage == Stage.STOPPED or last_step >= LAST:
        return ()
    if last_step == 6:
        return (6, 7)
    if last_step == 21:
        return (21, 22)
    if last_step == 24:
        return (21, 22) if decision == Decision.EXTEND else (25,)
    return (last_step + 1,)
