"""The commit writes the dry run's kept plan (no second read of the file) only while nothing the dry run
was checked against changed; otherwise it checks the file again and refuses rows that became invalid."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots.core import import_jobs, import_reuse
from grassroots.core.importing import Importer
from grassroots.core.models import AuditEvent, ImportJob
from grassroots.party.models import Member, PartyOrg

from .conftest import xlsx
from .test_errors import valid_id
from .test_roundtrip import member_rows


@pytest.fixture
def street_admin(city, make_user):
    return make_user("street0", "street_admin", city.streets[0])


def checked_job(user, rows) -> ImportJob:
    job = import_jobs.store_upload(user, "members", SimpleUploadedFile("m.xlsx", xlsx(rows)))
    job.refresh_from_db()
    assert job.state == ImportJob.State.CHECKED, job.errors
    assert import_reuse.checked_path(import_jobs.job_path(job)).exists()
    return job


def commit(user, job) -> ImportJob:
    import_jobs.start_commit(user, job)
    job.refresh_from_db()
    return job


def imported():
    return Member.objects.filter(name__startswith="导入党员")


@pytest.fixture
def reads(monkeypatch):
    """Counts the reads of an uploaded file."""
    calls = []
    original = Importer.read

    def read(self, path, progress=None, **kw):
        calls.append(path)
        return original(self, path, **({"progress": progress} if progress else {}))

    monkeypatch.setattr(Importer, "read", read)
    return calls


def test_commit_writes_the_kept_plan_without_reading_the_file_again(city, street_admin, reads):
    job = checked_job(street_admin, member_rows(city))
    preview = job.preview
    assert len(reads) == 1
    audits = AuditEvent.objects.count()
    job = commit(street_admin, job)
    assert job.state == ImportJob.State.DONE and len(reads) == 1  # the dry run's read only
    assert job.counts == {"total": 6, "create": 6, "update": 0, "unchanged": 0, "errors": 0}
    assert job.preview == preview
    m = imported().get(name="导入党员3")
    assert m.id_number == valid_id(103) and m.phone == "13900000003" and m.name_initials
    assert [e.action for e in AuditEvent.objects.order_by("id")[audits:]] == ["import"]
    assert not import_reuse.checked_path(import_jobs.job_path(job)).exists()  # used once


def test_an_id_number_taken_out_of_scope_meanwhile_is_refused_at_commit(city, street_admin, reads):
    job = checked_job(street_admin, member_rows(city))
    Member.objects.create(  # another street's branch: outside the importer's scope
        name="他处党员",
        gender="male",
        id_number=valid_id(103),
        party_org=city.branches[3],
        status="full",
        joined_on=datetime.date(2015, 7, 1),
    )
    audits = AuditEvent.objects.count()
    job = commit(street_admin, job)
    assert job.state == ImportJob.State.FAILED and len(reads) == 2  # checked again from the file
    assert [(e["row"], e["col"], e["message"]) for e in job.errors] == [
        (5, "C", "该编码已被管辖范围外的记录使用")
    ]
    assert "发生了变化" in job.message
    assert not imported().exists() and AuditEvent.objects.count() == audits


def test_an_id_number_added_in_scope_meanwhile_becomes_an_update(city, street_admin, reads):
    job = checked_job(street_admin, member_rows(city))
    other = Member.objects.create(
        name="先录党员",
        gender="male",
        id_number=valid_id(102),
        party_org=city.branches[0],
        status="full",
        joined_on=datetime.date(2015, 7, 1),
    )
    job = commit(street_admin, job)
    assert job.state == ImportJob.State.DONE and len(reads) == 2
    assert job.counts["create"] == 5 and job.counts["update"] == 1
    other.refresh_from_db()
    assert other.name == "导入党员2"


def test_a_referenced_org_made_functional_meanwhile_is_refused_at_commit(city, street_admin, reads):
    job = checked_job(street_admin, member_rows(city))
    PartyOrg.objects.filter(pk=city.branches[0].pk).update(is_functional=True)
    job = commit(street_admin, job)
    assert job.state == ImportJob.State.FAILED and len(reads) == 2
    assert {(e["row"], e["col"]) for e in job.errors} == {(2, "E"), (4, "E"), (6, "E")}
    assert all("功能型党组织" in e["message"] for e in job.errors)
    assert not imported().exists()


def test_a_withdrawn_grant_is_refused_at_commit(city, street_admin, make_user, reads):
    from grassroots.accounts.models import RoleAssignment

    job = checked_job(street_admin, member_rows(city))
    # still allowed to import, but over the other street only: the rows fall out of scope
    RoleAssignment.objects.filter(user=street_admin).update(region=city.streets[1])
    job = commit(street_admin, job)
    assert job.state == ImportJob.State.FAILED and len(reads) == 2 and job.error_count == 6
    assert not imported().exists()


def test_an_altered_kept_plan_is_ignored(city, street_admin, reads):
    job = checked_job(street_admin, member_rows(city))
    kept = import_reuse.checked_path(import_jobs.job_path(job))
    data = bytearray(kept.read_bytes())
    data[-1] ^= 1
    kept.write_bytes(bytes(data))
    job = commit(street_admin, job)
    assert job.state == ImportJob.State.DONE and len(reads) == 2  # checked again, then written
    assert imported().count() == 6


def test_a_kept_plan_is_only_for_its_own_file(city, street_admin, reads):
    job = checked_job(street_admin, member_rows(city))
    rows = member_rows(city)
    rows[1][0] = "换过的党员"
    import_jobs.job_path(job).write_bytes(xlsx(rows))  # the stored file changed under the job
    job = commit(street_admin, job)
    assert job.state == ImportJob.State.DONE and len(reads) == 2
    assert Member.objects.filter(name="换过的党员").exists()
