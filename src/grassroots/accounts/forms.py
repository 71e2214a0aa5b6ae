from __future__ import annotations

from typing import cast

from django import forms

from .permissions import PERMISSIONS


class UserCreateForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    display_name = forms.CharField(label="姓名", max_length=50, required=False)
    password = forms.CharField(
        label="初始密码", required=False, widget=forms.PasswordInput, help_text="留空则自动生成并显示一次"
    )
    role = forms.ChoiceField(label="角色")
    scope = forms.CharField(label="管辖范围编码", max_length=32, required=False)

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = [(r.code, r.name) for r in roles]


class AssignForm(forms.Form):
    role = forms.ChoiceField(label="角色")
    scope = forms.CharField(label="管辖范围编码", max_length=32, required=False)

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = [(r.code, r.name) for r in roles]


class PasswordResetForm(forms.Form):
    password = forms.CharField(label="新密码", required=False, widget=forms.PasswordInput)


class RolePermissionsForm(forms.Form):
    permissions = forms.MultipleChoiceField(
        label="权限", choices=list(PERMISSIONS.items()), required=False, widget=forms.CheckboxSelectMultiple
    )


class PhoneForm(forms.Form):
    phone = forms.CharField(label="手机号", max_length=20)


class CodeLoginForm(forms.Form):
    phone = forms.CharField(label="手机号", max_length=20)
    code = forms.CharField(label="验证码", max_length=6, min_length=6)
