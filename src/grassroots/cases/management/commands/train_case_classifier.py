"""Retrain the category suggestion table from closed cases (the same as 重新训练 on the categories
configuration page), audited as a console action: for operators after a bulk import of closed cases."""

from django.core.management.base import BaseCommand

from grassroots.cases import suggest
from grassroots.core import audit
from grassroots.core.models import AuditAction


class Command(BaseCommand):
    help = "用已办结工单重新训练诉求类别推荐模型"

    def handle(self, *args, **options):
        model = suggest.train()
        audit.record(AuditAction.UPDATE, model, user=None, changes={"documents": [None, model.documents]})
        self.stdout.write(f"类别推荐模型已重新训练，使用已办结工单 {model.documents} 件")
