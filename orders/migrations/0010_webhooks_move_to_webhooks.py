from django.db import migrations


class Migration(migrations.Migration):
    """WebhookEvent and WebhookAttempt leave for the webhooks app; their tables stay.

    State only: webhooks/migrations/0001_initial.py takes the models over
    (orders_webhookevent, orders_webhookattempt), 0002 there moves their
    content types (permissions, admin log entries).
    """

    dependencies = [
        ('orders', '0009_drop_indexes_other_indexes_cover'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='WebhookAttempt'),
                migrations.DeleteModel(name='WebhookEvent'),
            ],
            database_operations=[],
        ),
    ]
