"""Password rules with Chinese messages.

Django 5.2 changed the msgid of the minimum-length message ("%d" instead of
"%(min_length)d") and its Chinese catalog has not caught up, so that one message
came out in English. This validator says the same thing in Chinese.
"""

from django.contrib.auth.password_validation import MinimumLengthValidator


class ChineseMinimumLengthValidator(MinimumLengthValidator):
    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"
