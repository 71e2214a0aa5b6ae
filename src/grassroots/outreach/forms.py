from django import forms

from grassroots.regions.models import Region


class _Filter(forms.Form):
    q = forms.CharField(label="姓名/拼音首字母", required=False)
    region = forms.ChoiceField(label="社区", required=False)

    def __init__(self, data=None, *, user=None, perm="regions.view"):
        super().__init__(data)
        communities = (
            Region.objects.visible_to(user, perm)
            .filter(level="community")
            .order_by("path")
            .values_list("code", "name")
        )
        self.fields["region"].choices = [("", "全部社区")] + list(communities[:500])
        for f in self.fields.values():
            f.widget.attrs.setdefault(
                "class", "form-select" if isinstance(f, forms.ChoiceField) else "form-control"
            )


class HubFilterForm(_Filter):
    overdue = forms.ChoiceField(
        label="联系情况", required=False, choices=[("", "全部"), ("1", "有逾期未联系")]
    )


class OverdueFilterForm(_Filter):
    q = forms.CharField(label="党员中心户", required=False)


class LogFilterForm(_Filter):
    q = forms.CharField(label="社区工作者", required=False)
    date = forms.DateField(label="日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
