from django.core.management.base import BaseCommand

from grassroots.volunteers.wishes import release_due


class Command(BaseCommand):
    help = "微心愿到期处理：超期未完成的认领退回心愿池，超过认领期限无人认领的心愿下架"

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务执行（默认立即执行）")

    def handle(self, *args, **options):
        if options["enqueue"]:
            from grassroots.volunteers.tasks import release_wishes

            release_wishes.enqueue()
            self.stdout.write("已加入后台任务队列")
            return
        out = release_due()
        self.stdout.write(f"退回心愿池 {out['released']} 个，下架 {out['expired']} 个")
