"""One-step transfers recorded before the two-sided flow become accepted transfers: the state default
already says accepted; this fills what the history page shows (letter number, issue date, the member's
name as on the letter) so old and new rows read the same. Reversible (the filled fields are cleared)."""

from django.db import migrations


def fill(apps, schema_editor):
    Transfer = apps.get_model("party", "Transfer")
    rows = list(
        Transfer.objects.filter(letter_no__isnull=True)
        .select_related("member")
        .order_by("transferred_on", "id")
    )
    for t in rows:
        year = (t.transferred_on or t.created_at.date()).year
        t.letter_no = f"LS{year}-{t.pk:06d}"
        t.issued_on = t.transferred_on
        t.state = "accepted"
        t.kind = "internal"
        t.person_name = t.member.name if t.member_id else ""
        t.person_gender = t.member.gender if t.member_id else ""
        t.person_status = t.member.status if t.member_id else ""
    Transfer.objects.bulk_update(
        rows,
        ["letter_no", "issued_on", "state", "kind", "person_name", "person_gender", "person_status"],
        batch_size=500,
    )


def unfill(apps, schema_editor):
    Transfer = apps.get_model("party", "Transfer")
    Transfer.objects.filter(letter_no__startswith="LS").update(letter_no=None)


class Migration(migrations.Migration):
    dependencies = [("party", "0006_two_sided_transfers")]
    operations = [migrations.RunPython(fill, unfill)]
