from django.db import migrations


class Migration(migrations.Migration):
    """Notification leaves for the notifications app; its table (customers_notification) stays.

    State only: notifications/migrations/0001_initial.py takes the model over,
    0002 there moves its content type (permissions, admin log entries).
    """

    dependencies = [
        ('customers', '0006_drop_indexes_other_indexes_cover'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Notification')],
            database_operations=[],
        ),
    ]
