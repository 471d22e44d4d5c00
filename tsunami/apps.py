"""App configuration: validates settings, connects the receivers and the insert function."""

from django.apps import AppConfig
from django.core.signals import setting_changed
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TsunamiConfig(AppConfig):
    """Tsunami records model events."""

    name = "tsunami"
    verbose_name = _("Tsunami events")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tsunami import checks, conf, receivers, storage  # noqa: F401 - registers the checks

        conf.validate()
        receivers.patch_model_loading()
        receivers.patch_refresh_from_db()
        receivers.patch_peer_fetching()
        receivers.connect()
        setting_changed.connect(
            receivers.reconnect_on_setting_changed,
            dispatch_uid="tsunami.receivers.reconnect_on_setting_changed",
        )
        post_migrate.connect(
            storage.install_function, sender=self, dispatch_uid="tsunami.storage.install_function"
        )
        if self.apps is not None and self.apps.is_installed("django.contrib.admin"):
            from tsunami.admin import install_history_redirect

            install_history_redirect()
