"""Existing installations: carry the old ORG-3 / ORG-6 parameters over to their new shapes (issue 16) and
take the new titles of the rules whose meaning changed. New rows come from rules_data on post_migrate."""

from django.db import migrations

TITLES = {
    "ORG-3": "正式党员 7 人以上的支部设立支部委员会；不足 7 人的只设书记（必要时设副书记），预备党员不计入",
    "ORG-6": "按期换届：基层党委 5 年，总支、支部 3 年；村、社区党组织 5 年；党工委等派出机关不实行任期制",
    "ORG-8": "预备期一年，期满前不得转正，期满应及时讨论；延长预备期不少于半年、不超过一年",
    "COV-3": "应覆盖单位（有正式党员或从业人员达到规模）应实现党的组织覆盖或工作覆盖；两项覆盖率分别统计",
    "GOV-4": "每个网格有责任网格员，无党组织或党员的网格应标注；网格党组织正式党员达到规定人数才计为覆盖",
    "GOV-9": "社区服务群众专项经费每年不少于 20 万元（其他收入不计入）",
}


def forward(apps, schema_editor):
    Rule = apps.get_model("standards", "Rule")
    for rule in Rule.objects.filter(code__in=["ORG-3", "ORG-6", *TITLES]):
        params = dict(rule.params or {})
        if rule.code == "ORG-3" and "min_members" in params:
            params.setdefault("min_full_members", params.pop("min_members"))
        if rule.code == "ORG-6" and ("branch_years" in params or "committee_years" in params):
            branch = params.pop("branch_years", 3)
            committee = params.pop("committee_years", 5)
            params.setdefault("years", {"committee": committee, "general_branch": branch, "branch": branch})
            params.setdefault("community_years", {"committee": 5, "general_branch": 5, "branch": 5})
        rule.params = params
        rule.title = TITLES.get(rule.code, rule.title)
        rule.save(update_fields=["params", "title"])


class Migration(migrations.Migration):
    dependencies = [("standards", "0003_rule_source")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
