import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """The customer e-mail outbox, taken over from the customers app with its table.

    State only: the table customers_notification, its index and its rows are
    there already (customers 0003, 0005); customers 0007 let go of the model.
    """

    initial = True

    dependencies = [
        ('customers', '0007_notification_moves_to_notifications'),
        ('orders', '0009_drop_indexes_other_indexes_cover'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('order_received', 'Order received'), ('order_confirmed', 'Order confirmed'), ('shipped', 'Order shipped'), ('out_for_delivery', 'Out for delivery'), ('delivered', 'Order delivered'), ('on_hold', 'Order delayed'), ('cancelled', 'Order cancelled'), ('after_sales_opened', 'Request opened'), ('after_sales_resolved', 'Request resolved'), ('refund_issued', 'Refund issued')], max_length=30, verbose_name='kind')),
                        ('context', models.JSONField(blank=True, default=dict, verbose_name='context')),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('sent', 'Sent'), ('failed', 'Failed'), ('skipped', 'Skipped (customer opted out)'), ('cancelled', 'Cancelled (customer data erased)')], default='pending', max_length=10, verbose_name='status')),
                        ('attempts', models.PositiveIntegerField(default=0, verbose_name='attempts')),
                        ('last_error', models.CharField(blank=True, max_length=500, verbose_name='last error')),
                        ('lease_until', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='customers.customer')),
                        ('order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='orders.order')),
                    ],
                    options={
                        'verbose_name': 'notification',
                        'verbose_name_plural': 'notifications',
                        'db_table': 'customers_notification',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['status', 'created_at'], name='notification_due_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
