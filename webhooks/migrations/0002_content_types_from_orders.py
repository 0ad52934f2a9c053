from django.db import migrations

from shared.model_moves import CONTENT_TYPE_MOVE_DEPENDENCIES, content_types_move


class Migration(migrations.Migration):
    """The webhook event and attempt content types move from orders to webhooks.

    Their permissions (orders.change_webhookevent becomes
    webhooks.change_webhookevent, with every grant) and the admin's log
    entries about them stay attached.
    """

    dependencies = [
        ('webhooks', '0001_initial'),
        *CONTENT_TYPE_MOVE_DEPENDENCIES,
    ]

    operations = [
        content_types_move(
            from_app='orders', to_app='webhooks', models=['webhookevent', 'webhookattempt']
        ),
    ]
