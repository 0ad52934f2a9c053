import django.db.models.deletion
import django.utils.timezone
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):
    """The outgoing webhook outbox, taken over from the orders app with its tables.

    State only: orders_webhookevent and orders_webhookattempt, their index,
    constraint and rows are there already (orders 0002); orders 0010 let go of
    the models.
    """

    initial = True

    dependencies = [
        ('orders', '0010_webhooks_move_to_webhooks'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='WebhookEvent',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('event_type', models.CharField(choices=[('order.created', 'order.created'), ('order.status_changed', 'order.status_changed'), ('shipment.updated', 'shipment.updated')], max_length=40, verbose_name='type')),
                        ('payload', models.JSONField(verbose_name='payload')),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('delivered', 'Delivered'), ('failed', 'Failed')], default='pending', max_length=10, verbose_name='status')),
                        ('attempts', models.PositiveIntegerField(default=0, verbose_name='attempts')),
                        ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='next attempt at')),
                        ('lease_until', models.DateTimeField(blank=True, null=True)),
                        ('last_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='last attempt at')),
                        ('delivered_at', models.DateTimeField(blank=True, null=True, verbose_name='delivered at')),
                        ('last_error', models.CharField(blank=True, max_length=500, verbose_name='last error')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                        ('order', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='webhook_events', to='orders.order')),
                        ('storefront', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='webhook_events', to='orders.storefront')),
                    ],
                    options={
                        'verbose_name': 'webhook event',
                        'verbose_name_plural': 'webhook events',
                        'db_table': 'orders_webhookevent',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['status', 'next_attempt_at'], name='webhook_event_due_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookAttempt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField(verbose_name='attempt')),
                        ('url', models.URLField(max_length=500, verbose_name='URL')),
                        ('started_at', models.DateTimeField(verbose_name='started at')),
                        ('duration_ms', models.PositiveIntegerField(verbose_name='duration (ms)')),
                        ('response_status', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='response status')),
                        ('response_body', models.TextField(blank=True, verbose_name='response body (start)')),
                        ('error', models.CharField(blank=True, max_length=500, verbose_name='error')),
                        ('outcome', models.CharField(choices=[('delivered', 'Delivered'), ('retry', 'Will retry'), ('failed', 'Failed for good')], max_length=10, verbose_name='outcome')),
                        ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attempt_log', to='webhooks.webhookevent')),
                    ],
                    options={
                        'verbose_name': 'webhook attempt',
                        'verbose_name_plural': 'webhook attempts',
                        'db_table': 'orders_webhookattempt',
                        'ordering': ['event', 'number'],
                        'constraints': [models.UniqueConstraint(fields=('event', 'number'), name='webhook_attempt_unique_number')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
