from django.db import migrations, models
from django.db.models import Case, Value, When

# The kinds fulfillment's history rows get, each with the data key that told such a
# note apart before; the first key a note has decides (an after-sales status change
# never has "kind", a hand-over and a scan also have "shipment").
KIND_OF_NOTE = [
    ("after_sales_status", "after_sales_changed"),
    ("kind", "after_sales_opened"),
    ("tracking_status", "carrier_scan"),
    ("previous_leg", "shipment_handed_over"),
    ("shipment", "shipment_booked"),
    ("package", "package_packed"),
    ("supplier_request", "supplier_request"),
    ("picked", "pick_recorded"),
]


def notes_typed(apps, schema_editor):
    OrderEvent = apps.get_model("orders", "OrderEvent")
    OrderEvent.objects.filter(event_type="note").update(
        event_type=Case(
            *[When(data__has_key=key, then=Value(kind)) for key, kind in KIND_OF_NOTE],
            default=Value("note"),
        )
    )


def notes_untyped(apps, schema_editor):
    OrderEvent = apps.get_model("orders", "OrderEvent")
    OrderEvent.objects.filter(event_type__in=[kind for _key, kind in KIND_OF_NOTE]).update(
        event_type="note"
    )


class Migration(migrations.Migration):
    """History rows of fulfillment's work get kinds of their own instead of "note".

    Backwards they are notes again; their data, which told them apart, is untouched.
    """

    dependencies = [
        ('orders', '0010_webhooks_move_to_webhooks'),
    ]

    operations = [
        migrations.AlterField(
            model_name='orderevent',
            name='event_type',
            field=models.CharField(choices=[('created', 'Order created'), ('status_changed', 'Status changed'), ('payment_changed', 'Payment changed'), ('note', 'Note'), ('pick_recorded', 'Pick recorded'), ('package_packed', 'Package packed'), ('shipment_booked', 'Shipment booked'), ('shipment_handed_over', 'Shipment handed over'), ('carrier_scan', 'Carrier scan'), ('after_sales_opened', 'After-sales request opened'), ('after_sales_changed', 'After-sales request changed'), ('supplier_request', 'Supplier request')], max_length=20, verbose_name='type'),
        ),
        migrations.RunPython(notes_typed, notes_untyped),
    ]
