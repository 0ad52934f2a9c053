from django.db import migrations

from shared.model_moves import CONTENT_TYPE_MOVE_DEPENDENCIES, content_types_move


class Migration(migrations.Migration):
    """The notification content type moves from customers to notifications.

    Its permissions (customers.view_notification becomes
    notifications.view_notification, with every grant) and the admin's log
    entries about notifications stay attached.
    """

    dependencies = [
        ('notifications', '0001_initial'),
        *CONTENT_TYPE_MOVE_DEPENDENCIES,
    ]

    operations = [
        content_types_move(from_app='customers', to_app='notifications', models=['notification']),
    ]
