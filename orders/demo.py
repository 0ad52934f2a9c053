"""Demo data: two storefronts, one staff user per role and orders in every state.

Orders are made the way real ones are: `order_create` takes them in and
`order_transition` moves them, each step run as the staff member whose role
does that step. History rows, versions, permission checks and automatic
refunds are therefore exactly what production would produce. Only the
timestamps are rewritten afterwards, so the board shows two months of trading
rather than the few seconds the seeding took.

Running it again is safe: storefronts, groups and users are brought back to
the demo state (passwords reset), and no orders are added once the demo
storefronts have some.
"""

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import TextIO, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone

from customers.models import Address, Customer
from fulfillment.models import (
    Carrier,
    InventoryItem,
    Package,
    Shipment,
    ShipmentStatus,
    Supplier,
)
from fulfillment.services import carriers_defaults_ensure, package_create, shipment_create
from reports.models import CarrierRate, LedgerEntry, LedgerKind, StorefrontCostRates

from . import roles
from .models import (
    CANCELLABLE_STATUSES,
    HOLDABLE_STATUSES,
    Department,
    HoldReason,
    Holiday,
    ManagementMode,
    Order,
    OrderEvent,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    Priority,
    ProductCategory,
    Region,
    ServiceLevel,
    Storefront,
    Team,
)
from .planning import order_replan, sla_alerts_email, sla_breaches_record
from .services import order_create, order_transition

ADMIN_URL = "http://127.0.0.1:8000/admin/"
DASHBOARD_URL = "http://127.0.0.1:8000/dashboard/"
TRACKING_URL = "http://127.0.0.1:8000/track/"
DEMO_STOREFRONT_CODE = "demo"
GLOBAL_STOREFRONT_CODE = "global"
# Fixed so that seeding twice gives the same orders (order numbers aside).
RANDOM_SEED = 2026

T = TypeVar("T")


@dataclass(frozen=True)
class DemoAccount:
    """A demo staff login; the password is public by design, hence DEBUG-only seeding."""

    username: str
    password: str
    role: str


@dataclass(frozen=True)
class DemoSeedResult:
    """What a run left behind, for the command's summary and for tests."""

    accounts: tuple[DemoAccount, ...]
    storefronts_created: int
    users_created: int
    orders_created: int
    status_counts: dict[str, int]


DEMO_ACCOUNTS = (
    DemoAccount("manager", "manager-demo-pass", roles.MANAGER),
    DemoAccount("warehouse", "warehouse-demo-pass", roles.WAREHOUSE),
    DemoAccount("care", "care-demo-pass", roles.CUSTOMER_CARE),
    DemoAccount("finance", "finance-demo-pass", roles.FINANCE),
)

_STOREFRONTS = {
    DEMO_STOREFRONT_CODE: {"name": "Demo Shop", "currency": "VND", "default_language": "vi"},
    GLOBAL_STOREFRONT_CODE: {"name": "Global Store", "currency": "USD", "default_language": "en"},
}

# Who does each step; the orders service checks the matching permission.
_TRANSITION_ROLE = {
    "confirm": "manager",
    "start_picking": "warehouse",
    "start_packing": "warehouse",
    "mark_ready_to_ship": "warehouse",
    "ship": "warehouse",
    "deliver": "manager",
    "open_after_sales": "care",
    "complete": "care",
    "cancel": "care",
    "hold": "care",
    "release": "care",
    "authorize_payment": "finance",
    "capture_payment": "finance",
    "refund_payment": "finance",
    "void_payment": "finance",
}

# Minutes before each step, as (shortest, longest): minutes to a day, as on a real floor.
_GAP_MINUTES = {
    "authorize_payment": (1, 15),
    "confirm": (10, 8 * 60),
    "start_picking": (20, 24 * 60),
    "start_packing": (10, 3 * 60),
    "mark_ready_to_ship": (10, 2 * 60),
    "ship": (60, 24 * 60),
    "deliver": (6 * 60, 24 * 60),
    "open_after_sales": (2 * 60, 24 * 60),
    "complete": (6 * 60, 24 * 60),
    "cancel": (10, 24 * 60),
    "hold": (10, 6 * 60),
    "release": (60, 24 * 60),
    "capture_payment": (5, 2 * 60),
    "refund_payment": (60, 24 * 60),
    "void_payment": (5, 60),
}

# Share of the orders each status gets; the first nine (60 %) keep the queues busy.
_STATUS_WEIGHTS = {
    OrderStatus.RECEIVED: 9,
    OrderStatus.PROCESSING: 9,
    OrderStatus.PICKING: 7,
    OrderStatus.PACKING: 6,
    OrderStatus.READY_TO_SHIP: 6,
    OrderStatus.SHIPPED: 8,
    OrderStatus.DELIVERED: 6,
    OrderStatus.POST_DELIVERY: 4,
    OrderStatus.ON_HOLD: 5,
    OrderStatus.COMPLETED: 30,
    OrderStatus.CANCELLED: 10,
}

# How long ago an order in each final status was placed, in days; closed ones are older.
_AGE_DAYS = {
    OrderStatus.RECEIVED: (0.01, 0.5),
    OrderStatus.PROCESSING: (0.3, 2),
    OrderStatus.PICKING: (0.5, 3),
    OrderStatus.PACKING: (0.5, 3),
    OrderStatus.READY_TO_SHIP: (1, 4),
    OrderStatus.SHIPPED: (1.5, 6),
    OrderStatus.ON_HOLD: (1, 8),
    OrderStatus.DELIVERED: (3, 12),
    OrderStatus.POST_DELIVERY: (5, 20),
    OrderStatus.CANCELLED: (4, 60),
    OrderStatus.COMPLETED: (12, 60),
}

# The fulfilment path without detours; holds and cancellations branch off it.
_HAPPY_PATH = [
    (OrderStatus.RECEIVED, "confirm"),
    (OrderStatus.PROCESSING, "start_picking"),
    (OrderStatus.PICKING, "start_packing"),
    (OrderStatus.PACKING, "mark_ready_to_ship"),
    (OrderStatus.READY_TO_SHIP, "ship"),
    (OrderStatus.SHIPPED, "deliver"),
    (OrderStatus.DELIVERED, "open_after_sales"),
]

# Where each hold reason plausibly happens.
_HOLD_REASONS = {
    OrderStatus.PROCESSING: [
        HoldReason.PAYMENT_REVIEW,
        HoldReason.ADDRESS_CHECK,
        HoldReason.CUSTOMER_REQUEST,
    ],
    OrderStatus.PICKING: [HoldReason.STOCK_SHORTAGE],
    OrderStatus.PACKING: [HoldReason.STOCK_SHORTAGE, HoldReason.OTHER],
    OrderStatus.READY_TO_SHIP: [HoldReason.ADDRESS_CHECK, HoldReason.CUSTOMER_REQUEST],
    OrderStatus.SHIPPED: [HoldReason.DELIVERY_FAILED],
}
_HOLD_NOTES = {
    HoldReason.PAYMENT_REVIEW: "Card issuer flagged the payment; waiting for the provider.",
    HoldReason.ADDRESS_CHECK: "House number missing; called the customer.",
    HoldReason.CUSTOMER_REQUEST: "Customer asked us to wait until they are back home.",
    HoldReason.STOCK_SHORTAGE: "Shelf empty; supplier restock expected in 2-3 days.",
    HoldReason.OTHER: "Damaged packaging found while packing; replacing the item.",
    HoldReason.DELIVERY_FAILED: "Carrier could not reach the customer; redelivery booked.",
}
# Where cancellations and holds happen: received, processing, picking, packing,
# ready to ship (and shipped, for holds), following the model's lists.
_CANCEL_FROM_WEIGHTS = dict(zip(CANCELLABLE_STATUSES, [35, 25, 15, 10, 15], strict=True))
_HOLD_FROM_WEIGHTS = dict(zip(HOLDABLE_STATUSES, [25, 25, 10, 10, 30], strict=True))
_CANCEL_REASONS_EARLY = [
    "Customer changed their mind.",
    "Duplicate order placed by mistake.",
    "Customer ordered the wrong size.",
]
_CANCEL_REASONS_LATE = [
    "Item out of stock; customer did not want to wait.",
    "Customer asked to cancel before shipping.",
    "Address could not be verified with the customer.",
]

# Catalogue: sku, Vietnamese name, English name, category, VND price, USD price.
_PRODUCTS = [
    ("EL-1001", "Tai nghe Bluetooth chống ồn", "Noise-cancelling Bluetooth headphones",
     "Electronics", "1890000", "79.00"),
    ("EL-1002", "Sạc dự phòng 20.000 mAh", "20,000 mAh power bank",
     "Electronics", "549000", "24.90"),
    ("EL-1003", "Chuột không dây công thái học", "Ergonomic wireless mouse",
     "Electronics", "429000", "19.90"),
    ("EL-1004", "Loa mini chống nước", "Waterproof mini speaker",
     "Electronics", "790000", "34.50"),
    ("EL-1005", "Cáp sạc USB-C 2 m", "USB-C charging cable 2 m",
     "Electronics", "129000", "6.90"),
    ("HO-2001", "Nồi chiên không dầu 5 lít", "5 l air fryer", "Home", "1590000", "69.00"),
    ("HO-2002", "Bộ 3 hộp thủy tinh đựng thực phẩm", "Glass food containers, set of 3",
     "Home", "249000", "12.90"),
    ("HO-2003", "Bình giữ nhiệt inox 750 ml", "Stainless steel bottle 750 ml",
     "Home", "289000", "15.50"),
    ("HO-2004", "Đèn bàn LED chống cận", "LED desk lamp", "Home", "459000", "21.00"),
    ("FA-3001", "Áo thun cotton nam", "Men's cotton T-shirt", "Fashion", "199000", "9.90"),
    ("FA-3002", "Áo dài lụa in hoa", "Printed silk ao dai", "Fashion", "1250000", "58.00"),
    ("FA-3003", "Nón lá Huế", "Hue conical hat", "Fashion", "150000", "8.50"),
    ("FA-3004", "Giày chạy bộ nữ", "Women's running shoes", "Fashion", "1090000", "49.90"),
    ("BE-4001", "Sữa rửa mặt dịu nhẹ 250 ml", "Gentle facial cleanser 250 ml",
     "Beauty", "185000", "9.50"),
    ("BE-4002", "Kem chống nắng SPF 50", "Sunscreen SPF 50", "Beauty", "320000", "16.90"),
    ("BE-4003", "Son dưỡng môi tinh dầu dừa", "Coconut oil lip balm",
     "Beauty", "89000", "4.90"),
    ("BK-5001", "Nhà giả kim", "The Alchemist", "Books", "79000", "12.00"),
    ("BK-5002", "Đắc nhân tâm", "How to Win Friends and Influence People",
     "Books", "96000", "14.50"),
    ("BK-5003", "Sapiens: Lược sử loài người", "Sapiens: A Brief History of Humankind",
     "Books", "219000", "19.90"),
    ("BK-5004", "Cà phê phin & cách pha (sách ảnh)", "Vietnamese Coffee: a photo book",
     "Books", "165000", "24.00"),
]  # fmt: skip

_VN_FAMILY_NAMES = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ",
    "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
]  # fmt: skip
_VN_MIDDLE_NAMES = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Đức", "Thu", "Gia", "Quốc", "Bảo"]
_VN_GIVEN_NAMES = [
    "An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa",
    "Hùng", "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Ngân", "Phúc",
    "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tuấn", "Vy", "Yến",
]  # fmt: skip
# City, then (district, postal code, streets).
_VN_CITIES = {
    "Hà Nội": [
        ("Quận Hoàn Kiếm", "11000", ["Phố Hàng Bạc", "Phố Huế", "Phố Tràng Tiền"]),
        ("Quận Ba Đình", "11100", ["Phố Kim Mã", "Phố Đội Cấn", "Phố Liễu Giai"]),
        ("Quận Cầu Giấy", "11300", ["Đường Xuân Thủy", "Đường Trần Duy Hưng"]),
        ("Quận Đống Đa", "11500", ["Phố Láng Hạ", "Phố Thái Hà", "Phố Chùa Bộc"]),
    ],
    "TP. Hồ Chí Minh": [
        ("Quận 1", "71000", ["Đường Lê Lợi", "Đường Nguyễn Huệ", "Đường Hai Bà Trưng"]),
        ("Quận 3", "72400", ["Đường Võ Văn Tần", "Đường Nam Kỳ Khởi Nghĩa"]),
        ("Quận Bình Thạnh", "72300", ["Đường Điện Biên Phủ", "Đường Xô Viết Nghệ Tĩnh"]),
        ("Quận 7", "72900", ["Đường Nguyễn Thị Thập", "Đường Huỳnh Tấn Phát"]),
        ("TP. Thủ Đức", "71300", ["Đường Võ Văn Ngân", "Đường Kha Vạn Cân"]),
    ],
    "Đà Nẵng": [
        ("Quận Hải Châu", "50200", ["Đường Bạch Đằng", "Đường Trần Phú"]),
        ("Quận Sơn Trà", "50400", ["Đường Võ Nguyên Giáp", "Đường Ngô Quyền"]),
    ],
    "Hải Phòng": [
        ("Quận Lê Chân", "04200", ["Đường Tô Hiệu", "Đường Lạch Tray"]),
        ("Quận Ngô Quyền", "04300", ["Đường Lê Lợi", "Đường Văn Cao"]),
    ],
    "Cần Thơ": [
        ("Quận Ninh Kiều", "94100", ["Đường Hòa Bình", "Đường 30 Tháng 4"]),
        ("Quận Cái Răng", "94200", ["Đường Trần Hưng Đạo", "Đường Quang Trung"]),
    ],
}
# Busier cities get more customers.
_VN_CITY_WEIGHTS = {
    "Hà Nội": 35,
    "TP. Hồ Chí Minh": 40,
    "Đà Nẵng": 10,
    "Hải Phòng": 8,
    "Cần Thơ": 7,
}
# Customers of the global store: name, e-mail, phone, address fields.
_FOREIGN_CUSTOMERS = [
    ("Tan Wei Ming", "weiming.tan@example.com", "+65 9123 4567",
     ("12 Orchard Road", "#08-03", "Singapore", "238841", "SG")),
    ("Priya Raman", "priya.raman@example.com", "+65 8234 5678",
     ("45 Tiong Bahru Road", "", "Singapore", "160045", "SG")),
    ("Emily Carter", "emily.carter@example.com", "+1 503 555 0142",
     ("1452 Maple Street", "Apt 3B", "Portland, OR", "97205", "US")),
    ("Daniel Brooks", "daniel.brooks@example.com", "+1 512 555 0177",
     ("908 Congress Avenue", "", "Austin, TX", "78701", "US")),
    ("Jonas Becker", "jonas.becker@example.com", "+49 30 5550 1234",
     ("Hauptstraße 12", "", "Berlin", "10115", "DE")),
    ("Lea Schmidt", "lea.schmidt@example.com", "+49 89 5550 9876",
     ("Lindwurmstraße 48", "2. OG", "München", "80337", "DE")),
    ("Yuki Tanaka", "yuki.tanaka@example.com", "+81 3 5555 0123",
     ("2-11-3 Shibuya", "Room 502", "Tokyo", "150-0002", "JP")),
    ("Haruto Sato", "haruto.sato@example.com", "+81 6 5555 0456",
     ("1-4-7 Umeda, Kita-ku", "", "Osaka", "530-0001", "JP")),
    ("Olivia Nguyen", "olivia.nguyen@example.com", "+61 2 5550 0199",
     ("48 George Street", "Unit 7", "Sydney NSW", "2000", "AU")),
    ("Liam Walsh", "liam.walsh@example.com", "+61 3 5550 0288",
     ("210 Swanston Street", "", "Melbourne VIC", "3000", "AU")),
]  # fmt: skip
_FOREIGN_SHIPPING = {
    "SG": Decimal("9.90"),
    "JP": Decimal("14.90"),
    "AU": Decimal("19.90"),
    "US": Decimal("24.90"),
    "DE": Decimal("24.90"),
}
_VN_CUSTOMER_COUNT = 70  # with the ten foreign ones, a pool of 80 that repeat buyers share
_GLOBAL_SHARE = 0.08
_VND_FREE_SHIPPING_FROM = Decimal("500000")
_VND_SHIPPING_PRICES = [Decimal("15000"), Decimal("22000"), Decimal("30000")]


@dataclass(frozen=True)
class _DemoCustomer:
    storefront_code: str
    customer: dict[str, str]
    address: dict[str, str]


@dataclass
class _OrderStory:
    """One order walked through the service, remembering each step for backdating."""

    order_id: int
    address_id: int
    payment_method: str
    total: Decimal
    currency: str
    # (sku, unit price, quantity) of each line, for refunds of returned items.
    lines: list[tuple[str, Decimal, int]]
    actors: dict[str, AbstractBaseUser]
    rng: random.Random
    status: str = OrderStatus.RECEIVED
    payment_status: str = PaymentStatus.UNPAID
    held: bool = False
    # One (transition, gap before it) per order_transition call.
    steps: list[tuple[str, timedelta]] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(quantity for _sku, _price, quantity in self.lines)

    def step(
        self,
        transition: str,
        *,
        reason: str = "",
        note: str = "",
        amount: Decimal | None = None,
        gap_minutes: tuple[float, float] | None = None,
    ) -> None:
        low, high = gap_minutes or _GAP_MINUTES[transition]
        if transition == "mark_ready_to_ship":
            self._pack()
        elif transition == "ship":
            self._book_shipment()
        order = order_transition(
            order=self.order_id,
            transition=transition,
            actor=self.actors[_TRANSITION_ROLE[transition]],
            reason=reason,
            note=note,
            amount=amount,
        )
        self.status = order.status
        self.payment_status = order.payment_status
        self.steps.append((transition, timedelta(minutes=self.rng.uniform(low, high))))
        if transition == "deliver":
            # Demo data only: the carrier's delivered scan that would have come in.
            Shipment.objects.filter(order_id=self.order_id).update(status=ShipmentStatus.DELIVERED)

    @property
    def _fulfillment_rng(self) -> random.Random:
        # Its own stream, so boxes and carriers never shift the rest of the demo data.
        return random.Random(self.order_id)  # noqa: S311 - demo data, not a secret

    def _pack(self) -> None:
        """Pack the lines into one box, or two when there are several lines."""
        lines = [{"sku": sku, "quantity": quantity} for sku, _price, quantity in self.lines]
        boxes = [lines[: len(lines) // 2], lines[len(lines) // 2 :]] if len(lines) > 2 else [lines]
        for box in boxes:
            package_create(
                order=self.order_id,
                lines=box,
                weight_grams=self._fulfillment_rng.randint(200, 4000),
                actor=self.actors["warehouse"],
            )

    def _book_shipment(self) -> None:
        rng = self._fulfillment_rng
        carrier = "dhl" if self.currency == "USD" else rng.choice(["ghn", "ghtk", "vnpost"])
        shipment_create(
            order=self.order_id,
            carrier_code=carrier,
            tracking_number=f"{carrier.upper()}{self.order_id:06d}{rng.randint(100, 999)}",
            package_ids=list(
                Package.objects.filter(order_id=self.order_id, shipment=None).values_list(
                    "pk", flat=True
                )
            ),
            actor=self.actors["warehouse"],
        )


def demo_data_seed(*, orders: int = 300, stdout: TextIO | None = None) -> DemoSeedResult:
    """Create or refresh the demo storefronts, role users and orders; safe to run again."""
    if orders < 0:
        raise ValueError("orders must be 0 or more.")

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    rng = random.Random(RANDOM_SEED)  # noqa: S311 - repeatable demo data, not a secret
    with transaction.atomic():
        storefronts, storefronts_created = _storefronts_ensure()
        carriers_defaults_ensure()
        _warehouse_ensure()
        # Users must be in their groups before the orders service checks their permissions.
        actors, users_created = _accounts_ensure(roles.roles_sync())
        _organisation_ensure(storefronts, actors)
        _finance_ensure(storefronts)
    say(
        f"Storefronts: {storefronts_created} created, "
        f"{len(storefronts) - storefronts_created} already there. "
        f"Demo users: {users_created} created, {len(actors) - users_created} reset."
    )

    demo_orders = Order.objects.filter(storefront__in=list(storefronts.values()))
    orders_created = 0
    if demo_orders.exists():
        say("The demo storefronts already have orders; none added.")
    elif orders:
        orders_created = _orders_seed(
            count=orders, storefronts=storefronts, actors=actors, rng=rng, say=say
        )

    # What beat's service-level watch would have found by now: badges and leads' e-mails.
    alerts = sla_breaches_record()
    sla_alerts_email()
    if alerts:
        say(f"Service levels: {alerts} new alerts for the team leads.")

    counts = dict(demo_orders.values_list("status").annotate(count=Count("id")).order_by())
    return DemoSeedResult(
        accounts=DEMO_ACCOUNTS,
        storefronts_created=storefronts_created,
        users_created=users_created,
        orders_created=orders_created,
        status_counts={status: counts.get(status, 0) for status in OrderStatus.values},
    )


def _warehouse_ensure() -> None:
    """Give every demo SKU a shelf and stock, and add two suppliers."""
    for index, (sku, name_vi, _name_en, _category, _vnd, _usd) in enumerate(_PRODUCTS):
        InventoryItem.objects.get_or_create(
            sku=sku,
            defaults={
                "name": name_vi,
                "location": f"{'ABCD'[index % 4]}-{index // 4 + 1:02d}-{index % 3 + 1}",
                "quantity_on_hand": 40 + (index * 7) % 60,
            },
        )
    for name, contact, email, lead_time in [
        ("Gốm Bát Tràng Co.", "Chị Hạnh", "sales@battrang.example", 3),
        ("Trà Thái Nguyên", "Anh Tuấn", "orders@trathainguyen.example", 5),
    ]:
        Supplier.objects.get_or_create(
            name=name,
            defaults={"contact_name": contact, "email": email, "lead_time_days": lead_time},
        )


# Vietnamese public holidays (Tết and the national days) the demo calendar skips.
_HOLIDAYS = [
    ("2026-01-01", "New Year"),
    *[(f"2026-02-{day}", "Tết Nguyên Đán") for day in range(16, 21)],
    ("2026-04-27", "Hùng Kings' day (observed)"),
    ("2026-04-30", "Reunification day"),
    ("2026-05-01", "Labour day"),
    ("2026-09-01", "National day"),
    ("2026-09-02", "National day"),
    ("2027-01-01", "New Year"),
    *[(f"2027-02-{day:02d}", "Tết Nguyên Đán") for day in range(5, 10)],
]


def _finance_ensure(storefronts: dict[str, Storefront]) -> None:
    """Cost rates (so the ledger books costs) and a finance recipient per storefront."""
    for storefront in storefronts.values():
        usd = storefront.currency == "USD"
        StorefrontCostRates.objects.update_or_create(
            storefront=storefront,
            defaults={
                "packaging_per_package": Decimal("0.60") if usd else Decimal("8000"),
                "handling_per_order": Decimal("0.40") if usd else Decimal("5000"),
                "report_recipients": "finance@example.com",
            },
        )
        for index, carrier in enumerate(Carrier.objects.order_by("code")):
            CarrierRate.objects.update_or_create(
                storefront=storefront,
                carrier=carrier,
                defaults={
                    "per_shipment": Decimal("2.50") + index
                    if usd
                    else Decimal(18000 + 4000 * index),
                    "per_kg": Decimal("0.80") if usd else Decimal("6000"),
                },
            )


# Which step of an order's story each kind of ledger entry happened at.
_LEDGER_STEP = {
    LedgerKind.REFUND: ("refund_payment", "cancel"),
    LedgerKind.COD_COLLECTED: ("capture_payment",),
    LedgerKind.HANDLING_COST: ("ship",),
    LedgerKind.PACKAGING_COST: ("mark_ready_to_ship",),
    LedgerKind.CARRIER_COST: ("mark_ready_to_ship", "ship"),
}


def _ledger_backdate(order_id: int, placed_at: datetime, last_time_of: dict) -> None:
    """Date the order's ledger entries at the steps that wrote them.

    The ledger is append-only for the application; the demo rewrites its own
    freshly made history in one raw UPDATE, as it does for events.
    """
    rows = []
    for pk, kind, method in LedgerEntry.objects.filter(order_id=order_id).values_list(
        "pk", "kind", "payment_method"
    ):
        if kind in (LedgerKind.REVENUE, LedgerKind.SHIPPING_CHARGED):
            steps = (
                ("deliver",) if method == PaymentMethod.CASH_ON_DELIVERY else ("capture_payment",)
            )
        else:
            steps = _LEDGER_STEP.get(kind, ())
        when = next((last_time_of[s] for s in steps if s in last_time_of), placed_at)
        rows.append((when, pk))
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {LedgerEntry._meta.db_table} SET occurred_at = %s, created_at = %s "  # noqa: S608 - a model's table name
                "WHERE id = %s",
                [(when, when, pk) for when, pk in rows],
            )


def _organisation_ensure(
    storefronts: dict[str, Storefront], actors: dict[str, AbstractBaseUser]
) -> None:
    """Departments, teams, regions, categories, service levels and holidays for the demo.

    The demo shop works by function (each department owns stages); the global
    store geographically. The warehouse user works in every fulfilment team;
    customer care sits in no team, so holds and cancellations reach every order.
    """
    departments = {}
    for code, name, stages in [
        ("desk", "Order desk", ["processing"]),
        ("floor", "Warehouse floor", ["picking", "packing", "ready_to_ship"]),
        ("shipping", "Shipping", ["shipped"]),
    ]:
        departments[code], _ = Department.objects.update_or_create(
            code=code, defaults={"name": name, "stages": stages}
        )
    teams = {}
    for code, name, department, lead in [
        ("desk", "Order desk", "desk", "manager"),
        ("floor", "Floor team", "floor", "warehouse"),
        ("dispatch", "Dispatch", "shipping", "warehouse"),
        ("asia", "Asia-Pacific", "floor", "manager"),
        ("west", "Europe and Americas", "floor", "manager"),
    ]:
        teams[code], _ = Team.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "department": departments[department],
                "lead": actors[lead],
                "is_active": True,
            },
        )
        teams[code].members.add(actors["warehouse"])
    teams["desk"].members.add(actors["manager"])
    for name, country, team in [
        ("Singapore", "SG", "asia"),
        ("Japan", "JP", "asia"),
        ("Australia", "AU", "asia"),
        ("Germany", "DE", "west"),
        ("United States", "US", "west"),
    ]:
        Region.objects.update_or_create(
            name=name, defaults={"country": country, "team": teams[team]}
        )
    for category in sorted({product[3] for product in _PRODUCTS}):
        ProductCategory.objects.update_or_create(name=category, defaults={"team": teams["floor"]})
    for day, name in _HOLIDAYS:
        Holiday.objects.update_or_create(date=date.fromisoformat(day), defaults={"name": name})
    demo, world = storefronts[DEMO_STOREFRONT_CODE], storefronts[GLOBAL_STOREFRONT_CODE]
    Storefront.objects.filter(pk=demo.pk).update(
        management_mode=ManagementMode.BY_FUNCTION, default_team=teams["desk"]
    )
    Storefront.objects.filter(pk=world.pk).update(
        management_mode=ManagementMode.GEOGRAPHIC, default_team=teams["west"]
    )
    for storefront in (demo, world):
        storefront.refresh_from_db()
        for priority, hours in [
            ("standard", (4, 4, 3, 6, 27, 90)),
            ("express", (1, 2, 1, 2, 9, 45)),
        ]:
            ServiceLevel.objects.update_or_create(
                storefront=storefront,
                priority=priority,
                defaults=dict(
                    zip(
                        [
                            "processing_hours",
                            "picking_hours",
                            "packing_hours",
                            "ready_to_ship_hours",
                            "shipping_hours",
                            "shipping_hours_abroad",
                        ],
                        hours,
                        strict=True,
                    )
                ),
            )


def _storefronts_ensure() -> tuple[dict[str, Storefront], int]:
    storefronts, created_count = {}, 0
    for code, defaults in _STOREFRONTS.items():
        storefronts[code], created = Storefront.objects.get_or_create(code=code, defaults=defaults)
        created_count += created
    return storefronts, created_count


def _accounts_ensure(groups: dict[str, Group]) -> tuple[dict[str, AbstractBaseUser], int]:
    """Put each demo user back in its demo state: staff, one role, the published password."""
    user_model = get_user_model()
    actors, created_count = {}, 0
    for account in DEMO_ACCOUNTS:
        user, created = user_model.objects.get_or_create(username=account.username)
        created_count += created
        user.email = f"{account.username}@example.com"
        user.is_active = True
        user.is_staff = True
        user.is_superuser = False
        user.set_password(account.password)
        user.save()
        # Only the role decides what a demo user may do.
        user.groups.set([groups[account.role]])
        user.user_permissions.clear()
        actors[account.username] = user
    return actors, created_count


def _orders_seed(
    *,
    count: int,
    storefronts: dict[str, Storefront],
    actors: dict[str, AbstractBaseUser],
    rng: random.Random,
    say: Callable[[str], None],
) -> int:
    now = timezone.now()
    customers = _customer_pool(rng)
    domestic = [c for c in customers if c.storefront_code == DEMO_STOREFRONT_CODE]
    foreign = [c for c in customers if c.storefront_code == GLOBAL_STOREFRONT_CODE]
    targets = _status_targets(count, rng)
    for index, target in enumerate(targets, start=1):
        is_global = rng.random() < _GLOBAL_SHARE
        buyer = rng.choice(foreign if is_global else domestic)
        storefront = storefronts[buyer.storefront_code]
        # One transaction per order: an order is either seeded whole or not at all.
        with transaction.atomic():
            story = _order_start(
                storefront=storefront, buyer=buyer, index=index, actors=actors, rng=rng
            )
            _story_play(story, target)
            _history_backdate(story, target=target, now=now)
        if index % 100 == 0 and index < count:
            say(f"  {index} of {count} orders...")
    _customers_backdate(storefronts)
    say(f"Created {count} orders.")
    return count


def _status_targets(count: int, rng: random.Random) -> list[str]:
    """Return `count` final statuses in the weighted shares, shuffled."""
    total_weight = sum(_STATUS_WEIGHTS.values())
    quotas = {status: count * weight / total_weight for status, weight in _STATUS_WEIGHTS.items()}
    counts = {status: int(quota) for status, quota in quotas.items()}
    # Largest remainders get the leftovers, so small runs still reach the rare states.
    leftover = count - sum(counts.values())
    by_remainder = sorted(quotas, key=lambda status: quotas[status] - counts[status], reverse=True)
    for status in by_remainder[:leftover]:
        counts[status] += 1
    targets = [status for status, number in counts.items() for _ in range(number)]
    rng.shuffle(targets)
    return targets


def _customer_pool(rng: random.Random) -> list[_DemoCustomer]:
    pool = []
    used_emails = set()
    while len(pool) < _VN_CUSTOMER_COUNT:
        family = rng.choice(_VN_FAMILY_NAMES)
        middle = rng.choice(_VN_MIDDLE_NAMES)
        given = rng.choice(_VN_GIVEN_NAMES)
        email = f"{_ascii(given)}.{_ascii(family)}{rng.randint(80, 99)}@example.com"
        if email in used_emails:
            continue
        used_emails.add(email)
        name = f"{family} {middle} {given}"
        phone = f"+84 9{rng.randint(0, 9)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        city = _weighted(rng, _VN_CITY_WEIGHTS)
        district, postal_code, streets = rng.choice(_VN_CITIES[city])
        line1 = f"{rng.randint(1, 250)} {rng.choice(streets)}"
        if rng.random() < 0.3:
            line1 = f"Ngõ {rng.randint(2, 120)}, {line1}"
        pool.append(
            _DemoCustomer(
                storefront_code=DEMO_STOREFRONT_CODE,
                # Some customers of the Vietnamese shop prefer English e-mails.
                customer={
                    "email": email,
                    "name": name,
                    "phone": phone,
                    "language": "en" if rng.random() < 0.15 else "vi",
                },
                address={
                    "name": name,
                    "line1": line1,
                    "line2": district,
                    "city": city,
                    "postal_code": postal_code,
                    "country": "VN",
                    "phone": phone,
                },
            )
        )
    for name, email, phone, (line1, line2, city, postal_code, country) in _FOREIGN_CUSTOMERS:
        pool.append(
            _DemoCustomer(
                storefront_code=GLOBAL_STOREFRONT_CODE,
                customer={"email": email, "name": name, "phone": phone, "language": "en"},
                address={
                    "name": name,
                    "line1": line1,
                    "line2": line2,
                    "city": city,
                    "postal_code": postal_code,
                    "country": country,
                    "phone": phone,
                },
            )
        )
    return pool


def _ascii(text: str) -> str:
    """Return `text` without Vietnamese diacritics, lower case, for e-mail addresses."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def _order_start(
    *,
    storefront: Storefront,
    buyer: _DemoCustomer,
    index: int,
    actors: dict[str, AbstractBaseUser],
    rng: random.Random,
) -> _OrderStory:
    is_global = storefront.code == GLOBAL_STOREFRONT_CODE
    products = rng.sample(_PRODUCTS, k=_weighted(rng, {1: 45, 2: 30, 3: 15, 4: 10}))
    lines = [
        {
            "sku": sku,
            "name": name_en if is_global else name_vi,
            "category": category,
            "quantity": _weighted(rng, {1: 75, 2: 20, 3: 5}),
            "unit_price": Decimal(price_usd if is_global else price_vnd).quantize(Decimal("0.01")),
        }
        for sku, name_vi, name_en, category, price_vnd, price_usd in products
    ]
    subtotal = sum(line["unit_price"] * line["quantity"] for line in lines)
    if is_global:
        shipping_price = _FOREIGN_SHIPPING[buyer.address["country"]]
        # No cash on delivery abroad.
        payment_method = _weighted(rng, {PaymentMethod.CARD: 85, PaymentMethod.INVOICE: 15})
    else:
        shipping_price = (
            Decimal("0")
            if subtotal >= _VND_FREE_SHIPPING_FROM
            else rng.choice(_VND_SHIPPING_PRICES)
        )
        payment_method = _weighted(
            rng,
            {
                PaymentMethod.CASH_ON_DELIVERY: 45,
                PaymentMethod.CARD: 40,
                PaymentMethod.INVOICE: 15,
            },
        )
    # The storefront's API creates orders, so no staff actor.
    order = order_create(
        storefront=storefront,
        external_id=f"{'GS' if is_global else 'WEB'}-{100000 + index}",
        customer=buyer.customer,
        shipping_address=buyer.address,
        lines=lines,
        payment_method=payment_method,
        shipping_price=shipping_price,
        # Every seventh order is express (not drawn from rng: the rest of the demo stays as is).
        priority=Priority.EXPRESS if index % 7 == 0 else Priority.STANDARD,
    )
    return _OrderStory(
        order_id=order.pk,
        address_id=order.shipping_address_id,
        payment_method=payment_method,
        total=order.total,
        currency=order.currency,
        lines=[(line["sku"], line["unit_price"], line["quantity"]) for line in lines],
        actors=actors,
        rng=rng,
    )


def _story_play(story: _OrderStory, target: str) -> None:
    """Move the order to `target` along a path a real order could have taken."""
    rng = story.rng
    # Some orders that end elsewhere were held once and released on the way.
    detour_at = rng.choice(HOLDABLE_STATUSES) if rng.random() < 0.15 else None

    # A card order waits in "received" until the provider authorises the payment.
    card_authorized_early = story.payment_method == PaymentMethod.CARD and rng.random() < 0.5
    if target == OrderStatus.RECEIVED:
        if card_authorized_early:
            story.step("authorize_payment")
        return
    if target == OrderStatus.CANCELLED:
        cancel_from = _weighted(rng, _CANCEL_FROM_WEIGHTS)
        if cancel_from == OrderStatus.RECEIVED and card_authorized_early:
            story.step("authorize_payment")
        _advance(story, cancel_from, detour_at=detour_at)
        late = cancel_from not in (OrderStatus.RECEIVED, OrderStatus.PROCESSING)
        if story.payment_status == PaymentStatus.AUTHORIZED and late:
            # Authorisations expire within days; money taken early must now go back.
            story.step("capture_payment", note="Captured before the authorisation expired.")
        if cancel_from in HOLDABLE_STATUSES and rng.random() < 0.25:
            # Held first (say, for stock), then given up on.
            _hold(story)
            story.step("release")
        reason = rng.choice(_CANCEL_REASONS_LATE if late else _CANCEL_REASONS_EARLY)
        # Paid orders are refunded and authorisations voided by the service itself.
        story.step("cancel", reason=reason)
        return
    if target == OrderStatus.ON_HOLD:
        hold_from = _weighted(rng, _HOLD_FROM_WEIGHTS)
        _advance(story, hold_from, detour_at=detour_at)
        _hold(story)
        return

    _advance(story, OrderStatus.DELIVERED if target == OrderStatus.COMPLETED else target, detour_at)
    if target in (OrderStatus.DELIVERED, OrderStatus.POST_DELIVERY):
        if story.status == OrderStatus.POST_DELIVERY and rng.random() < 0.5:
            _refund_partial(story)
        return
    if target == OrderStatus.COMPLETED:
        if (
            story.payment_method == PaymentMethod.INVOICE
            and story.payment_status != PaymentStatus.PAID
        ):
            story.step("capture_payment", gap_minutes=(2 * 60, 24 * 60))
        if rng.random() < 0.3:
            story.step("open_after_sales")
            if rng.random() < 0.25 and story.payment_status == PaymentStatus.PAID:
                story.step("refund_payment", note="Full return; all items received back.")
            else:
                _refund_partial(story)
        story.step("complete")


def _advance(story: _OrderStory, until: str, detour_at: str | None = None) -> None:
    """Walk the happy path up to `until` with each payment method's steps on the way."""
    rng = story.rng
    capture_before_ship = rng.random() < 0.5
    for status, transition in _HAPPY_PATH:
        if story.status == until:
            return
        if status == detour_at and not story.held:
            _hold(story)
            story.step("release")
        if transition == "confirm" and story.payment_method == PaymentMethod.CARD:
            story.step("authorize_payment")
        story.step(transition)
        if story.payment_method == PaymentMethod.CARD:
            # Cards are captured around shipping: when packed, or once the carrier has it.
            if transition == ("mark_ready_to_ship" if capture_before_ship else "ship"):
                story.step("capture_payment")
        elif story.payment_method == PaymentMethod.CASH_ON_DELIVERY:
            if transition == "deliver":
                story.step("capture_payment", gap_minutes=(1, 30))
        elif transition == "deliver" and rng.random() < 0.5:
            # Some invoices are settled soon after delivery, the rest are still open.
            story.step("capture_payment", gap_minutes=(2 * 60, 24 * 60))


def _hold(story: _OrderStory) -> None:
    reason = story.rng.choice(_HOLD_REASONS[story.status])
    story.step("hold", reason=reason, note=_HOLD_NOTES[reason])
    story.held = True


def _refund_partial(story: _OrderStory) -> None:
    """Refund part of a paid order: one returned item, or a goodwill gesture."""
    if story.payment_status != PaymentStatus.PAID:
        return
    # Only an order of two or more units can have one of them sent back.
    returnable = [(sku, price) for sku, price, _quantity in story.lines] if story.units > 1 else []
    if returnable and story.rng.random() < 0.6:
        sku, amount = story.rng.choice(returnable)
        note = f"Customer returned one {sku}."
    else:
        share = Decimal(story.rng.choice(["0.10", "0.15", "0.20"]))
        step = Decimal("1000") if story.currency == "VND" else Decimal("0.01")
        amount = max((story.total * share / step).quantize(Decimal("1")) * step, step)
        note = "Goodwill refund for a late parcel."
    story.step("refund_payment", amount=amount.quantize(Decimal("0.01")), note=note)


def _weighted(rng: random.Random, weights: dict[T, int]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _history_backdate(story: _OrderStory, *, target: str, now: datetime) -> None:
    """Spread the order's history over the past, closed orders furthest back.

    Uses `QuerySet.update`, which leaves the protected status fields alone.
    """
    rng = story.rng
    low, high = _AGE_DAYS[target]
    duration = sum((gap for _transition, gap in story.steps), timedelta())
    age = max(
        timedelta(days=rng.uniform(low, high)),
        duration + timedelta(minutes=rng.uniform(5, 180)),
    )
    placed_at = now - age
    step_times = list(accumulate((gap for _transition, gap in story.steps), initial=placed_at))

    events = list(OrderEvent.objects.filter(order_id=story.order_id).order_by("id"))
    events[0].created_at = placed_at  # the "created" event
    step_index = 0
    for event in events[1:]:
        # An event that is not the next planned step came with the previous one
        # (the refund or void the service adds to a cancellation).
        if step_index < len(story.steps) and event.transition == story.steps[step_index][0]:
            step_index += 1
        event.created_at = step_times[step_index]
    if step_index != len(story.steps):
        raise RuntimeError(f"Order {story.order_id}: events do not match the steps taken.")
    OrderEvent.objects.bulk_update(events, ["created_at"])

    last_time_of = {
        transition: time
        for (transition, _gap), time in zip(story.steps, step_times[1:], strict=True)
    }
    Order.objects.filter(pk=story.order_id).update(
        placed_at=placed_at,
        created_at=placed_at,
        updated_at=step_times[-1],
        confirmed_at=last_time_of.get("confirm"),
        shipped_at=last_time_of.get("ship"),
        delivered_at=last_time_of.get("deliver"),
        closed_at=last_time_of.get("complete") or last_time_of.get("cancel"),
    )
    _ledger_backdate(story.order_id, placed_at, last_time_of)
    order = Order.objects.select_related("storefront", "shipping_address").get(pk=story.order_id)
    order_replan(order, stage_started_at=step_times[-1])
    Order.objects.filter(pk=order.pk).update(
        stage_deadlines=order.stage_deadlines,
        promised_delivery_date=order.promised_delivery_date,
        stage_started_at=order.stage_started_at,
        stage_due_at=order.stage_due_at,
        stage_at_risk_at=order.stage_at_risk_at,
    )
    Address.objects.filter(pk=story.address_id).update(created_at=placed_at)


def _customers_backdate(storefronts: dict[str, Storefront]) -> None:
    """Date each customer from their first order rather than from the seeding."""
    first_orders = (
        Customer.objects.filter(storefront__in=list(storefronts.values()))
        .annotate(first_order_at=Min("orders__placed_at"))
        .values_list("pk", "first_order_at")
    )
    for customer_id, first_order_at in first_orders:
        if first_order_at is not None:
            Customer.objects.filter(pk=customer_id).update(
                created_at=first_order_at, updated_at=first_order_at
            )
