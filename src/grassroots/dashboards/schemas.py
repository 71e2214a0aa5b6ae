"""API schemas for dashboard figures (dashboards.services.scope_counts: keys are added, never renamed)."""

from ninja import Field, Schema
from pydantic import ConfigDict


class Open(Schema):
    """Figures added later to scope_counts pass through (documented once they are declared here)."""

    model_config = ConfigDict(extra="allow")


class RegionCounts(Open):
    city: int
    district: int
    street: int
    community: int
    neighborhood: int
    building: int
    entrance: int


class OrgCounts(Open):
    total: int
    committee: int = Field(description="党委")
    working_committee: int = Field(description="党工委")
    general_branch: int = Field(description="党总支")
    branch: int = Field(description="党支部")
    group: int = Field(description="党小组")


class MemberCounts(Open):
    total: int
    full: int = Field(description="正式党员")
    probationary: int = Field(description="预备党员")
    hubs: int = Field(description="党员中心户")
    in_service: int = Field(description="在职党员")


class UnitCounts(Open):
    total: int
    covered: int = Field(description="已建立或覆盖党组织的单位")
    should: int | None = Field(None, description="应覆盖的单位（有正式党员或从业人数达到规则要求）")
    should_covered: int | None = Field(None, description="应覆盖且已覆盖的单位")
    should_work_covered: int | None = Field(
        None,
        description="应覆盖且实现党的工作覆盖的单位"
        "（已有党组织覆盖，或已选派党建指导员并按要求建立工会、团组织）",
    )


class Summary(Open):
    regions: RegionCounts = Field(description="各层级区划数")
    orgs: OrgCounts
    members: MemberCounts
    units: UnitCounts
    unit_coverage: float | None = Field(description="单位党的组织覆盖率（%）；没有应覆盖单位时为空")
    unit_work_coverage: float | None = Field(
        None, description="单位党的工作覆盖率（%）；没有应覆盖单位时为空"
    )
    workers: int
    households: int
