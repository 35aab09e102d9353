"""App config for accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from apps.accounts.sockets import on_user_logged_out

        # Django's own hook into its logout(), which every sign-out goes through (the
        # sign-out button, the admin's, a test client's).
        user_logged_out.connect(on_user_logged_out, dispatch_uid="twin-close-session-sockets")
