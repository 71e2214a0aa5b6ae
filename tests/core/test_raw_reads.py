"""Lint: a scoped model read in views.py / api.py / forms.py goes through `visible_to()`.

A read `Model.objects.<anything but visible_to / none>` of a scoped model (a ScopedModel subclass or a
scoped tree) in those files fails this test unless the chain itself narrows with `.visible_to(...)` or
the site is in ALLOWED below, keyed "<file under src/grassroots>::<function>::<Model>.<method>", with
the reason it is safe. An entry that no longer matches a site fails too, so the list only shrinks.
"""

import ast
import pathlib

from django.apps import apps

from grassroots.core.scoping import ScopedModel

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "grassroots"
FILES = ("views.py", "api.py", "forms.py")


def is_checked(name: str) -> bool:
    """views.py / api.py / forms.py and their siblings split off along a seam (intake_views.py,
    public_api.py, api_assess.py, ...)."""
    stem = name.removesuffix(".py")
    return name in FILES or stem.endswith(("_views", "_api", "_forms")) or stem.startswith(("api_", "views_"))


CHILD = "rows of an object the function fetched through visible_to (in scope with it)"
OWN = "the signed-in user's own rows (filtered by request.user / their member or worker record)"
REFETCH = "re-reads, by pk, an object just fetched in scope or written by a scoped service"
PUBLIC = "a public choice list (any community / street may be picked; names only, no personal data)"
NAMES = "names and paths of tree nodes for labels and breadcrumbs (no scoped data shown)"
CONFIG = "configuration every user of the page may read (handlers, departments, catalogs, duties)"
REF = "resolves a reference by code / pk; the service it is passed to checks scope and answers 404/403"
SAME_404 = "resolves a reference by code; a missing and an out-of-scope code get the same 404 answer"
TOKEN = "reached through a secret token (check-in QR / calendar feed), not through a user's scope"
OPEN = "published rows open to every signed-in user (wish pool, open activities, bookable rooms)"
AUDIT = "the audit rows of an object already checked in scope"
GRANTS = "filtered by hand on the paths of the user's own grants for the permission the page needs"

ALLOWED = {
    "cases/config_views.py::RuleForm.__init__::Handler.filter": CONFIG,
    "cases/intake_views.py::_building_choices::Region.filter": PUBLIC,
    "cases/intake_views.py::_location_of::Region.filter": PUBLIC,
    "cases/intake_views.py::_submitted_choices::Region.filter": PUBLIC,
    "cases/intake_views.py::_worker_grid::GridAssignment.filter": OWN,
    "cases/intake_views.py::map_data::Region.all": "community boundaries for the public H5 map (names "
    "and outlines only); staff get their visible_to subset",
    "cases/intake_views.py::suggestions::Region.filter": PUBLIC,
    "cases/intake_views.py::track::Case.select_related": TOKEN,
    "cases/public_views.py::_crumbs::Region.get_ancestors": NAMES,
    "cases/public_views.py::public_map::Region.filter": "area outlines and names of the public 身边诉求 "
    "map (administrative boundaries, no scoped data)",
    "cases/visit_views.py::visit_create::Region.filter": REF,
    "grids/care_views.py::PatrolListView.get_context_data::Patrol.filter": OWN,
    "grids/care_views.py::VisitDueView.base_queryset::HouseholdVisit.filter": "a subquery annotating the "
    "households of the scoped list (last visit date only)",
    "grids/care_views.py::visit_create::HouseholdVisit.filter": CHILD,
    "onewindow/views.py::_catalog_choices::Handler.filter": CONFIG,
    "onewindow/views.py::_catalog_choices::Region.filter": GRANTS,
    "onewindow/views.py::_communities::Region.filter": GRANTS,
    "party/contact_views.py::ContactStatusView.get_initial::MemberContact.filter": CHILD,
    "party/transfer_views.py::TargetOrgField.clean::PartyOrg.filter": "a transfer may name any receiving "
    "org of the city (two-sided transfers); the receiving side acts in its own scope",
    "party/transfer_views.py::transfer_targets::PartyOrg.filter": "names of the orgs a transfer may be "
    "sent to (any receiving org of the city)",
    "people/career_views.py::worker_detail::GradeChange.filter": CHILD,
    "people/career_views.py::worker_detail::TrainingRecord.filter": CHILD,
    "people/studio_views.py::ReceptionLogCreateView.reception::Reception.filter": CHILD,
    "people/studio_views.py::log_detail::Matter.filter": CHILD,
    "people/studio_views.py::public_receptions::Region.filter": PUBLIC,
    "people/studio_views.py::published_receptions::Deputy.order_by": "the deputies of published "
    "reception days (public 接待日 notice: names and levels)",
    "people/studio_views.py::published_receptions::Reception.filter": OPEN,
    "people/studio_views.py::studio_detail::Reception.filter": CHILD,
    "people/studio_views.py::studio_detail::ReceptionLog.filter": CHILD,
    "proactive/views.py::_owner_choices::Region.get_ancestors": NAMES,
    "proactive/views.py::_workers::Worker.filter": "workers under the regions the user manages "
    "(_owner_choices, built from their proactive.manage grants)",
    "redproperty/api.py::create_inspection::PropertyCompany.select_related": REF,
    "redproperty/forms.py::InspectionForm.__init__::PropertyCompany.filter": "companies under contract in "
    "the user's neighborhoods (neighborhoods(user) is visible_to); the service re-checks the company",
    "redproperty/views.py::_grades_of::Grade.filter": CHILD,
    "redproperty/views.py::company_detail::Rating.filter": CHILD,
    "redproperty/views.py::grades::ListPublication.filter": CHILD,
    "redproperty/views.py::h5_rate::Grade.filter": "the grade of the company serving the resident's own "
    "neighborhood (published figures)",
    "redproperty/views.py::h5_rate::ListPublication.filter": "the published red/black list of the "
    "resident's district (public once published)",
    "redproperty/views.py::h5_rate::Rating.filter": OWN,
    "redproperty/views.py::unmanaged::Takeover.filter": CHILD,
    "cases/api.py::act.handler::Handler.filter": CONFIG,
    "cases/forms.py::DispatchForm::Handler.filter": CONFIG,
    "cases/forms.py::ReturnForm::Handler.filter": CONFIG,
    "cobuild/api.py::_claim_resource::Region.filter": SAME_404,
    "cobuild/api.py::needs_create::Need.select_related": REFETCH,
    "cobuild/views.py::join::ServicePost.filter": "the posts of the community the member joins (a public "
    "list); the chosen ids are checked against it by the service",
    "cobuild/views.py::project_detail::Need.filter": CHILD,
    "cobuild/views.py::project_detail::Resource.filter": CHILD,
    "emergency/views.py::EmergencyListView.get_context_data::SweepTask.filter": "figures of the page's "
    "rows (already visible_to)",
    "emergency/views.py::_sweep_scope::SweepTask.filter": OWN,
    "emergency/views.py::detail::Callup.filter": OWN,
    "emergency/views.py::mine::Callup.filter": OWN,
    "emergency/views.py::mine::EmergencyNeed.filter": OWN,
    "emergency/views.py::need_act::Callup.filter": CHILD,
    "emergency/views.py::need_act::Resource.select_related": REF,
    "cobuild/forms.py::UnitCodeField.clean::Unit.filter": REF,
    "cobuild/views.py::join::Member.filter": OWN,
    "cobuild/views.py::join::Region.filter": PUBLIC,
    "cobuild/views.py::join_find::Region.filter": PUBLIC,
    "cobuild/views.py::join_find::Region.get_ancestors": PUBLIC,
    "cobuild/views.py::join_find::Region.get_children": PUBLIC,
    "cobuild/views.py::_item_action::Region.filter": REF,
    "cobuild/views.py::project_action.milestone_done::Milestone.filter": CHILD,
    "cobuild/views.py::posts::Region.filter": REF,
    "deliberation/views.py::_h5_community::Region.filter": PUBLIC,
    "deliberation/views.py::h5_list::Region.filter": PUBLIC,
    "deliberation/views.py::h5_list::Topic.filter": OWN,
    "emergency/api.py::declare::Region.filter": SAME_404,
    "emergency/views.py::declare_regions::Region.filter": "choices narrowed by services.can_declare",
    "emergency/views.py::callups::Grid.filter": CHILD,
    "emergency/views.py::callup_assign::Grid.select_related": REF,
    "emergency/views.py::sweep::Grid.filter": CHILD,
    "emergency/views.py::need_create::Region.filter": CHILD,
    "emergency/views.py::need_create::Household.select_related": CHILD,
    "grids/api.py::_detail::GridAssignment.filter": CHILD,
    "grids/views.py::grid_detail::GridAssignment.filter": CHILD,
    "grids/views.py::grid_detail::Region.filter": CHILD,
    "grids/views.py::grid_detail::Member.filter": "counts only, of the grid fetched in scope",
    "grids/views.py::grid_edit::Grid.filter": "sibling outlines drawn under the edited grid (no data)",
    "grids/views.py::grid_unassign::GridAssignment.filter": CHILD,
    "h5/views.py::wishes::Region.filter": PUBLIC,
    "linkage/views.py::_scope_root::Region.filter": NAMES,
    "linkage/views.py::task_create::Region.filter": "targets narrowed by the issuer's scope filter q",
    "linkage/views.py::task_create::Region.get": REFETCH,
    "linkage/views.py::_assignment_or_404::TaskAssignment.select_related": "filtered by the assignee "
    "side's scope right after (covers / visible_to of the task)",
    "linkage/views.py::assignment_detail::Region.filter": CHILD,
    "linkage/views.py::assignment_act::Region.filter": CHILD,
    "linkage/views.py::LeaderListView.get_queryset::ContactPoint.all": "joined to leaders the list "
    "already narrowed with visible_to",
    "linkage/views.py::leader_detail::Region.filter": CHILD,
    "linkage/views.py::leader_detail::Region.get": REFETCH,
    "linkage/views.py::contact_point_end::ContactPoint.select_related": REF,
    "merit/api.py::mine::Member.filter": OWN,
    "merit/api.py::mine::MemberPointsEntry.filter": OWN,
    "merit/views.py::mine::Member.filter": OWN,
    "merit/views.py::mine::MemberPointsEntry.filter": OWN,
    "merit/views.py::mine::StudyRecord.filter": OWN,
    "merit/views.py::member_ledger::MemberPointsEntry.filter": CHILD,
    "merit/views.py::member_ledger::StudyRecord.filter": CHILD,
    "merit/views.py::rating_detail::AuditEvent.filter": AUDIT,
    "merit/views.py::rating_detail::StarRating.filter": CHILD,
    "orglife/api.py::_signups::Signup.filter": CHILD,
    "orglife/views.py::ActivityEditView.get_instance::Activity.select_related": REFETCH,
    "orglife/views.py::mine::Signup.filter": OWN,
    "outreach/views.py::community_links::HubLink.filter": CHILD,
    "outreach/views.py::community_links::Member.filter": "counts only, under the community in scope",
    "outreach/views.py::community_links::Household.filter": "counts only, under the community in scope",
    "outreach/views.py::my_links::HubLink.filter": OWN,
    "outreach/views.py::my_log::WorkerLog.filter": OWN,
    "outreach/views.py::log_detail::LogItem.filter": CHILD,
    "party/api.py::_org_detail::Seat.select_related": CHILD,
    "party/api.py::_added_seat::Seat.select_related": REFETCH,
    "party/api.py::_member_transfers::Transfer.filter": CHILD,
    "party/api.py::transfers_issue::PartyOrg.filter": "the receiving org may be outside the sender's "
    "scope by design (a transfer between orgs); the service checks the sender",
    "party/forms.py::OrgForm.__init__::Member.filter": CHILD,
    "party/forms.py::SeatForm.__init__::Member.filter": CHILD,
    "party/views.py::org_detail::PartyOrg.get_parent": NAMES,
    "party/views.py::OrgEditView.get_instance::PartyOrg.select_related": REFETCH,
    "party/views.py::member_detail::MemberContact.filter": CHILD,
    "party/views.py::MemberEditView.get_instance::Member.select_related": REFETCH,
    "recruitment/api.py::candidate_create::Candidate.select_related": REFETCH,
    "recruitment/api.py::step_record::Candidate.select_related": REFETCH,
    "regions/forms.py::community_choices::Region.all": PUBLIC,
    "regions/forms.py::community_choices::Region.filter": PUBLIC,
    "regions/views.py::places::Region.filter": NAMES,
    "regions/views.py::detail::Region.get_ancestors": NAMES + "; ancestors outside scope are not linked",
    "regions/views.py::RegionEditView.get_form::Region.get": REFETCH,
    "regions/views.py::RegionEditView.extra_context::Region.filter": "the parent's outline under the "
    "edited boundary (no data)",
    "regions/views.py::RegionEditView.extra_context::Region.get_children": "the siblings' outlines "
    "under the edited boundary (no data)",
    "regions/views.py::household_detail::Region.get_ancestors": NAMES,
    "regions/views.py::HouseholdEditView.get_instance::Household.select_related": REFETCH,
    "standards/api_assess.py::catalog::Duty.select_related": CONFIG,
    "standards/api_followup.py::rect_create::BranchHealth.filter": CHILD,
    "units/views.py::UnitEditView.get_instance::Unit.select_related": REFETCH,
    "units/views.py::InstructorEditView.get_instance::Instructor.select_related": REFETCH,
    "venues/api.py::rooms_create::Room.select_related": REFETCH,
    "venues/api.py::_updated_room::Room.select_related": REFETCH,
    "venues/api.py::_booking::Booking.select_related": "the booker's own booking, else checked "
    "against visible_to right after",
    "venues/api.py::_out::Booking.select_related": REFETCH,
    "venues/api.py::_my_bookings::Booking.filter": OWN,
    "venues/api.py::bookings_create::Unit.select_related": SAME_404,
    "venues/api.py::bookings_create::PartyOrg.filter": SAME_404,
    "venues/forms.py::BookingForm.clean::Unit.filter": REF,
    "venues/forms.py::BookingForm.clean::PartyOrg.filter": REF,
    "venues/views.py::bookable_rooms::Room.filter": OPEN,
    "venues/views.py::room_list::Region.filter": "a filter node: the rows are already visible_to",
    "venues/views.py::my_bookings::Booking.filter": OWN,
    "venues/views.py::my_bookings::Booking.no_shows": OWN,
    "venues/views.py::_visible_booking::Booking.select_related": "the booker's own booking, else "
    "checked against visible_to right after",
    "venues/views.py::checkin::Room.select_related": TOKEN,
    "venues/views.py::checkin::Booking.filter": TOKEN,
    "venues/views.py::ical_center::Booking.filter": TOKEN,
    "venues/views.py::ical_user::Booking.filter": TOKEN,
    "volunteers/api.py::wish_pool::Wish.filter": OPEN,
    "volunteers/api.py::wish_action::Wish.select_related": REF,
    "volunteers/api.py::my_points::PointEntry.filter": OWN,
    "volunteers/api.py::grant::PointEntry.select_related": REFETCH,
    "volunteers/api.py::revoke::PointEntry.select_related": REFETCH,
    "volunteers/api.py::list_items::CatalogItem.filter": OPEN,
    "volunteers/api.py::redeem::CatalogItem.filter": REF,
    "volunteers/api.py::cancel_redemption::Redemption.filter": OWN,
    "volunteers/api.py::list_activities::VolunteerActivity.filter": OPEN,
    "volunteers/api.py::signup::VolunteerActivity.select_related": REF,
    "volunteers/views.py::_wish_for::Wish.select_related": "narrowed to the poster's, claimer's or "
    "visible_to rows in the same function",
    "volunteers/views.py::_wish_history::AuditEvent.filter": AUDIT,
    "volunteers/views.py::volunteer_detail::PointEntry.filter": CHILD,
    "volunteers/views.py::volunteer_detail::Signup.filter": CHILD,
    "volunteers/views.py::volunteer_detail::VolunteerTeam.filter": CHILD,
    "volunteers/views.py::team_detail::Volunteer.filter": CHILD,
    "volunteers/views.py::activity_detail::Signup.filter": CHILD,
    "volunteers/views.py::PointListView.get_context_data::PointEntry.filter": "revocations of the "
    "page's rows (already visible_to)",
    "volunteers/views.py::redemption_act::Redemption.select_related": "narrowed to the user's own or "
    "visible_to rows in the same function",
    "whistle/api.py::_departments::Handler.filter": CONFIG,
    "whistle/forms.py::departments::Handler.filter": CONFIG,
    "whistle/views.py::summon_regions::Region.filter": "choices narrowed by services.can_summon",
    "whistle/views.py::summons_create::Region.get": REFETCH,
    "whistle/views.py::assess_streets::Region.filter": "choices narrowed by the assessor's scope check",
    "whistle/views.py::ranking::Assessment.filter": CHILD,
}


def scoped_model_names() -> set[str]:
    return {
        m.__name__
        for m in apps.get_models()
        if issubclass(m, ScopedModel) or hasattr(m._default_manager, "visible_to")
    }


def _narrowed(node, parents) -> bool:
    """Whether the call chain the read starts continues with .visible_to(...)."""
    while node in parents and isinstance(parents[node], ast.Attribute | ast.Call):
        node = parents[node]
        if isinstance(node, ast.Attribute) and node.attr == "visible_to":
            return True
    return False


def raw_reads() -> dict[str, list[int]]:
    names = scoped_model_names()
    found: dict[str, list[int]] = {}
    for path in sorted(SRC.rglob("*.py")):
        if not is_checked(path.name) or "migrations" in path.parts:
            continue
        rel = path.relative_to(SRC).as_posix()
        tree = ast.parse(path.read_text(), str(path))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

        def walk(node, stack, rel=rel, parents=parents):
            for child in ast.iter_child_nodes(node):
                inner = stack
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    inner = [*stack, child.name]
                if (
                    isinstance(child, ast.Attribute)
                    and isinstance(child.value, ast.Attribute)
                    and child.value.attr == "objects"
                    and isinstance(child.value.value, ast.Name)
                    and child.value.value.id in names
                    and child.attr not in ("visible_to", "none")
                    and not _narrowed(child, parents)
                ):
                    key = f"{rel}::{'.'.join(stack) or '<module>'}::{child.value.value.id}.{child.attr}"
                    found.setdefault(key, []).append(child.lineno)
                walk(child, inner)

        walk(tree, [])
    return found


def test_scoped_models_are_read_through_visible_to_in_views_api_and_forms():
    found = raw_reads()
    unexplained = sorted(f"{k} (line {', '.join(map(str, v))})" for k, v in found.items() if k not in ALLOWED)
    assert not unexplained, "raw reads of scoped models (use visible_to, or add a reason):\n" + "\n".join(
        unexplained
    )


def test_the_allowlist_only_names_sites_that_exist():
    found = raw_reads()
    assert not sorted(set(ALLOWED) - set(found)), "allowlisted reads that are gone: remove them"
    assert all(reason.strip() for reason in ALLOWED.values())


def test_the_lint_can_fail(tmp_path, monkeypatch):
    app = tmp_path / "demoapp"
    app.mkdir()
    (app / "views.py").write_text(
        "def page(request):\n"
        "    a = Case.objects.filter(pk=1)\n"
        "    b = Case.objects.visible_to(request.user)\n"
        "    c = Region.objects.get_children(node).visible_to(request.user)\n"
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["SRC"]), "SRC", tmp_path)
    assert raw_reads() == {"demoapp/views.py::page::Case.filter": [2]}
