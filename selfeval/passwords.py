"""Password rules with Chinese messages, and changing one's own password.

Django 5.2 changed the msgid of the minimum-length message ("%d" instead of
"%(min_length)d") and its Chinese catalog has not caught up, so that one message
came out in English. This validator says the same thing in Chinese.
"""

from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.password_validation import MinimumLengthValidator
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy

from projects.models import PasswordChangeRequired


class ChineseMinimumLengthValidator(MinimumLengthValidator):
    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"


# --- changing one's own password ---------------------------------------------------
# An account an admin created or whose password an admin reset (系统管理) carries a
# ``projects.models.PasswordChangeRequired``. Signing in copies that into the session;
# until the user has chosen a new password every page but this one and 退出 sends them
# here. (An admin's reset changes the password hash, which ends the user's sessions,
# so the flag is always read at a sign-in.)
SESSION_MUST_CHANGE = "password_change_required"
PASSWORD_RULES = "密码至少 8 位，不能全是数字，不能与用户名相近，也不能是常见密码。"


def remember_must_change(sender, request, user, **kwargs) -> None:
    """On ``user_logged_in`` (connected in ``projects.apps``): copy the flag into the session."""
    if request is not None and PasswordChangeRequired.objects.filter(user=user).exists():
        request.session[SESSION_MUST_CHANGE] = True


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form with our one-line rules under the new password (rendered by crispy)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.help_text = ""
        self.fields["new_password2"].help_text = PASSWORD_RULES


class PasswordChangeView(auth_views.PasswordChangeView):
    """修改密码, for every signed-in user; back to the home page when done."""

    form_class = PasswordChangeForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("home")
    http_method_names = ["get", "post"]  # FormView would take PUT as POST

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, must_change=bool(self.request.session.get(SESSION_MUST_CHANGE))
        )

    def form_valid(self, form):
        response = super().form_valid(form)  # saves and keeps this session signed in
        PasswordChangeRequired.objects.filter(user=self.request.user).delete()
        self.request.session.pop(SESSION_MUST_CHANGE, None)
        messages.success(self.request, "密码已修改，下次登录请使用新密码。")
        return response


class PasswordChangeRequiredMiddleware:
    """Send a user who must choose a new password to 修改密码 from every other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.session.get(SESSION_MUST_CHANGE) and request.user.is_authenticated:
            allowed = {reverse("password_change"), reverse("logout")}
            if request.path not in allowed:
                return redirect("password_change")
        return self.get_response(request)
