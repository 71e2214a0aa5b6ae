"""Every error path of the import engine: file, headers, cells, references, keys, model rules."""

from __future__ import annotations

import pytest

from grassroots.core.importing import ImportFailed, check_id_number, id_number_check_digit, importer_for
from grassroots.people.models import Worker

from .conftest import xlsx

WORKER_HEAD = ["工号", "姓名", "性别", "手机号", "所在社区/街道编码", "岗位", "等级", "职责", "入职日期"]


def valid_id(n: int) -> str:
    first17 = f"37020219900101{n:03d}"
    return first17 + id_number_check_digit(first17)


def plan(kind, user, rows, tmp_path):
    path = tmp_path / f"{kind}.xlsx"
    xlsx(rows, path)
    return importer_for(kind, user).plan(path)


def cells(p):
    return {(e.row, e.col): e.message for e in p.errors}


@pytest.fixture
def street_admin(city, make_user):
    return make_user("street0", "street_admin", city.streets[0])


def test_id_number_check_digit():
    assert id_number_check_digit("11010519491231002") == "X"
    check_id_number("11010519491231002X")
    with pytest.raises(Exception, match="校验位"):
        check_id_number("110105194912310021")
    with pytest.raises(Exception, match="出生日期"):
        check_id_number("110105194913310021")


def test_unknown_duplicate_and_missing_headers(street_admin, tmp_path):
    with pytest.raises(ImportFailed) as exc:
        plan("workers", street_admin, [["工号", "姓名", "外号", "姓名"], ["W1", "张三", "x", "y"]], tmp_path)
    got = {(e.row, e.col, e.header): e.message for e in exc.value.errors}
    assert got == {
        (1, "C", "外号"): "无法识别的列名，请使用导入模板",
        (1, "D", "姓名"): "与 B 列重复",
        (1, "", "所在社区/街道编码"): "缺少必填列",
        (1, "", "岗位"): "缺少必填列",
        (1, "", "等级"): "缺少必填列",
    }


def test_template_headers_with_star_are_accepted(city, tmp_path):
    head = [h + "*" if h in ("工号", "姓名", "岗位", "等级", "所在社区/街道编码") else h for h in WORKER_HEAD]
    p = plan(
        "workers",
        None,
        [head, ["W9", "张三", "女", "", city.communities[0].code, "社区专职工作者", 12, "", ""]],
        tmp_path,
    )
    assert p.ok and p.counts()["create"] == 1


def test_bad_value_in_every_column_type(city, street_admin, tmp_path):
    c0 = city.communities[0].code
    rows = [
        WORKER_HEAD,
        ["W1", "张" * 51, "男", "1380013800", c0, "社区专职工作者", 12, "全科社工", "2020-01-01"],
        ["W2", "李四", "未知", "13800138000", c0, "局长", "十二", "全科社工", "2020-13-01"],
        ["W3", "王五", "女", "13800138000", c0, "社区专职工作者", 19, "扫地", "去年"],
        ["W4", "", "女", "", "", "", "", "", ""],
    ]
    got = cells(plan("workers", street_admin, rows, tmp_path))
    assert got == {
        (2, "B"): "不能超过 50 个字符",
        (2, "D"): "手机号应为 11 位数字，以 1 开头",
        (3, "C"): "应为以下之一：男、女",
        (3, "F"): "应为以下之一：正职（书记、主任）、副职（副书记、副主任）、社区专职工作者",
        (3, "G"): "应为整数",
        (3, "I"): "日期不存在",
        (4, "G"): "不能大于 18",
        (4, "H"): "应为以下之一：全科社工、网格员、网格长、治理专干、党组织书记、居委会主任",
        (4, "I"): "日期格式应为 2024-01-31",
        (5, "B"): "必填",
        (5, "E"): "必填",
        (5, "F"): "必填",
        (5, "G"): "必填",
    }
    assert Worker.objects.filter(code__in=["W1", "W2", "W3", "W4"]).count() == 0


def test_unknown_and_out_of_scope_references(city, street_admin, tmp_path):
    other_street_community = city.communities[2].code  # under the second street
    rows = [
        WORKER_HEAD,
        ["W1", "张三", "男", "", "370202009999", "社区专职工作者", 12, "", ""],
        ["W2", "李四", "男", "", other_street_community, "社区专职工作者", 12, "", ""],
        ["W3", "王五", "男", "", city.communities[0].code, "社区专职工作者", 12, "", ""],
    ]
    got = cells(plan("workers", street_admin, rows, tmp_path))
    assert got == {
        (2, "E"): "区划编码 370202009999 不存在或不在您的管辖范围内",
        (3, "E"): f"区划编码 {other_street_community} 不存在或不在您的管辖范围内",
    }


def test_existing_key_outside_scope_and_duplicate_key_in_file(city, street_admin, tmp_path):
    mine = city.communities[0].code
    foreign = city.workers[2].code  # a worker of the other street
    rows = [
        WORKER_HEAD,
        [foreign, "张三", "男", "", mine, "社区专职工作者", 12, "", ""],
        ["W7", "李四", "男", "", mine, "社区专职工作者", 12, "", ""],
        ["W7", "王五", "男", "", mine, "社区专职工作者", 12, "", ""],
    ]
    got = cells(plan("workers", street_admin, rows, tmp_path))
    assert got == {(2, "A"): "该编码已被管辖范围外的记录使用", (4, "A"): "与第 3 行重复"}


def test_model_rules_are_checked(city, tmp_path):
    from grassroots.regions.models import Region

    hood = Region.objects.get(code=city.communities[0].code + "001")
    rows = [WORKER_HEAD, ["W1", "张三", "男", "", hood.code, "社区专职工作者", 12, "", ""]]
    assert cells(plan("workers", None, rows, tmp_path)) == {(2, "E"): "社区工作者须属于街道或社区"}

    rows = [
        ["编码", "名称", "层级", "上级编码", "分类"],
        [city.streets[0].code[:9] + "777", "新社区", "社区", city.streets[0].code, "建制街道"],
        [city.streets[0].code[:9] + "778", "新街道", "街道(镇)", city.streets[0].code, ""],
    ]
    got = cells(plan("regions", None, rows, tmp_path))
    assert got == {
        (2, "E"): "分类“established”不适用于该层级",
        (3, "D"): "“八大峡街道”是街道(镇)，其下级不能是街道(镇)",
    }


def test_member_rules(city, tmp_path):
    head = ["姓名", "性别", "身份证号", "所在党组织编码", "党员类别", "入党日期", "转正日期", "在职党员"]
    branch = city.branches[0].code
    rows = [
        head,
        ["张三", "男", "370202199001010011", branch, "预备党员", "2024-01-01", "2024-06-01", "否"],
        ["李四", "男", valid_id(12), branch, "正式党员", "2010-01-01", "2009-01-01", "也许"],
        ["王五", "女", valid_id(13), branch, "预备党员", "2024-01-01", "2025-01-01", "否"],
    ]
    got = cells(plan("members", None, rows, tmp_path))
    assert got == {
        (2, "C"): "身份证号校验位不正确",
        (2, "G"): "预备党员不应有转正日期",
        (3, "G"): "转正日期不能早于入党日期",
        (3, "H"): "应填“是”或“否”",
        (4, "G"): "预备党员不应有转正日期",
    }


def test_tree_cycle_and_parent_row_with_errors(city, tmp_path):
    base = city.streets[0].code[:9]
    rows = [
        ["编码", "名称", "层级", "上级编码"],
        [base + "801", "甲社区", "社区", base + "802"],
        [base + "802", "乙社区", "社区", base + "801"],
        [base + "803", "丙社区", "村", city.streets[0].code],
        [base + "803001", "丙小区", "小区", base + "803"],
    ]
    got = cells(plan("regions", None, rows, tmp_path))
    assert got == {
        (2, "D"): "上级关系出现循环",
        (3, "D"): "上级关系出现循环",
        (4, "C"): "应为以下之一：市、区(县、旗)、街道(镇)、社区、小区、楼栋、单元",
        (5, "D"): "上级（第 4 行）有错误，无法导入",
    }


def test_empty_and_header_only_and_non_xlsx_files(city, tmp_path):
    imp = importer_for("workers", None)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(ImportFailed, match="文件是空的"):
        imp.plan(empty)
    text = tmp_path / "text.xlsx"
    text.write_text("工号,姓名\n")
    with pytest.raises(ImportFailed, match="不是 Excel"):
        imp.plan(text)
    zipped = tmp_path / "zip.xlsx"
    import zipfile

    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("a.txt", "x")
    with pytest.raises(ImportFailed, match="无法读取"):
        imp.plan(zipped)
    header_only = tmp_path / "h.xlsx"
    xlsx([WORKER_HEAD], header_only)
    with pytest.raises(ImportFailed, match="没有数据行"):
        imp.plan(header_only)
    blank = tmp_path / "blank.xlsx"
    xlsx([], blank)
    with pytest.raises(ImportFailed, match="没有表头"):
        imp.plan(blank)
