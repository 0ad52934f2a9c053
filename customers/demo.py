"""Demo customers: the people who buy from the two demo storefronts, and their dates.

The orders demo (`orders.demo`) draws a pool of buyers from here and passes
each one to `order_create`, which makes the Customer and Address rows as the
storefront API would; this module then dates those rows from the buyer's
first order rather than from the few seconds the seeding took.
"""

import random
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from .models import Address, Customer

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

# With the ten foreign ones, a pool of 80 that repeat buyers share.
VN_CUSTOMER_COUNT = 70


@dataclass(frozen=True)
class DemoCustomer:
    """A buyer as a storefront would send them: the customer and the shipping address."""

    customer: dict[str, str]
    address: dict[str, str]


def customer_pool(rng: random.Random) -> tuple[list[DemoCustomer], list[DemoCustomer]]:
    """Return the Vietnamese shop's buyers (drawn from `rng`) and the global store's."""
    domestic: list[DemoCustomer] = []
    used_emails = set()
    while len(domestic) < VN_CUSTOMER_COUNT:
        family = rng.choice(_VN_FAMILY_NAMES)
        middle = rng.choice(_VN_MIDDLE_NAMES)
        given = rng.choice(_VN_GIVEN_NAMES)
        email = f"{_ascii(given)}.{_ascii(family)}{rng.randint(80, 99)}@example.com"
        if email in used_emails:
            continue
        used_emails.add(email)
        name = f"{family} {middle} {given}"
        phone = f"+84 9{rng.randint(0, 9)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        city = rng.choices(list(_VN_CITY_WEIGHTS), weights=list(_VN_CITY_WEIGHTS.values()))[0]
        district, postal_code, streets = rng.choice(_VN_CITIES[city])
        line1 = f"{rng.randint(1, 250)} {rng.choice(streets)}"
        if rng.random() < 0.3:
            line1 = f"Ngõ {rng.randint(2, 120)}, {line1}"
        domestic.append(
            DemoCustomer(
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
    foreign = [
        DemoCustomer(
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
        for name, email, phone, (line1, line2, city, postal_code, country) in _FOREIGN_CUSTOMERS
    ]
    return domestic, foreign


def _ascii(text: str) -> str:
    """Return `text` without Vietnamese diacritics, lower case, for e-mail addresses."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def address_backdate(*, address_id: int, created_at: datetime) -> None:
    """Date an order's shipping address at the time the order was placed."""
    Address.objects.filter(pk=address_id).update(created_at=created_at)


def customers_backdate(first_order_at: Mapping[int, datetime]) -> None:
    """Date each customer (by id) from their first order rather than from the seeding."""
    for customer_id, placed_at in first_order_at.items():
        Customer.objects.filter(pk=customer_id).update(created_at=placed_at, updated_at=placed_at)
