"""Moving a model to another app without touching its rows: the content types follow.

A model moved with `SeparateDatabaseAndState` keeps its table, but its
content type row still names the old app, and with it the model's permissions
(granted to roles and people) and the admin's log entries. The data migration
built here renames the content type to the new app, so all of them stay
attached; run backwards it renames it back.

If the new app's content type exists already (a `migrate` that stopped
between the two migrations, or one that ran this backwards, let Django's
post_migrate create it), the two are merged into the old one first: its
permissions keep their grants, log entries move over, and the newer duplicate
goes.
"""

from django.conf import settings
from django.db import migrations

# What a migration using `content_types_move` must depend on: the models it reads.
CONTENT_TYPE_MOVE_DEPENDENCIES = [
    ("contenttypes", "0002_remove_content_type_name"),
    ("auth", "0012_alter_user_first_name_max_length"),
    ("admin", "0003_logentry_add_action_flag_choices"),
    migrations.swappable_dependency(settings.AUTH_USER_MODEL),
]


def _content_type_merge(apps, kept, duplicate) -> None:
    """Fold `duplicate` into `kept`: permissions with their grants, and admin log entries."""
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    kept_permissions = {
        permission.codename: permission
        for permission in Permission.objects.filter(content_type=kept)
    }
    for permission in Permission.objects.filter(content_type=duplicate):
        same = kept_permissions.get(permission.codename)
        if same is None:
            permission.content_type = kept
            permission.save(update_fields=["content_type"])
            continue
        for group in Group.objects.filter(permissions=permission):
            group.permissions.add(same)
        for user in User.objects.filter(user_permissions=permission):
            user.user_permissions.add(same)
        permission.delete()
    LogEntry.objects.filter(content_type=duplicate).update(content_type=kept)
    duplicate.delete()


def _content_types_rename(apps, *, from_app: str, to_app: str, models: list[str]) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in models:
        moving = ContentType.objects.filter(app_label=from_app, model=model).first()
        if moving is None:
            continue  # a new database: post_migrate creates the new app's row afterwards
        waiting = ContentType.objects.filter(app_label=to_app, model=model).first()
        if waiting is not None:
            _content_type_merge(apps, moving, waiting)
        moving.app_label = to_app
        moving.save(update_fields=["app_label"])


def content_types_move(*, from_app: str, to_app: str, models: list[str]) -> migrations.RunPython:
    """The migration operation that moves `models`' content types from `from_app` to `to_app`.

    `models` are lower-case model names. Its migration depends on
    CONTENT_TYPE_MOVE_DEPENDENCIES and on the state-only move of the models.
    """

    def forwards(apps, schema_editor) -> None:
        _content_types_rename(apps, from_app=from_app, to_app=to_app, models=models)

    def backwards(apps, schema_editor) -> None:
        _content_types_rename(apps, from_app=to_app, to_app=from_app, models=models)

    return migrations.RunPython(forwards, backwards)
