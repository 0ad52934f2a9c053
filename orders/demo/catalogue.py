"""What the demo storefronts sell: the two storefronts and their catalogue.

Other apps' demo data builds on the same catalogue (the warehouse stocks
every SKU), so it lives apart from how the orders are played out.
"""

DEMO_STOREFRONT_CODE = "demo"
GLOBAL_STOREFRONT_CODE = "global"

WAREHOUSE_ADDRESS = (
    "Lô C3, Đường số 2, KCN Tân Bình\nPhường Tây Thạnh, Quận Tân Phú\nTP. Hồ Chí Minh 700000"
)

STOREFRONTS = {
    DEMO_STOREFRONT_CODE: {
        "name": "Demo Shop",
        "currency": "VND",
        "default_language": "vi",
        # Shown to customers in every e-mail and on the tracking page.
        "support_email": "hotro@demo-shop.example",
        # The sender on shipping labels: the Ho Chi Minh City warehouse both shops ship from.
        "sender_name": "Demo Shop, Kho Hồ Chí Minh",
        "sender_address": WAREHOUSE_ADDRESS,
        "sender_phone": "+84 28 3822 0000",
    },
    GLOBAL_STOREFRONT_CODE: {
        "name": "Global Store",
        "currency": "USD",
        "default_language": "en",
        "support_email": "help@global-store.example",
        "sender_name": "Global Store, HCMC warehouse",
        "sender_address": WAREHOUSE_ADDRESS,
        "sender_phone": "+84 28 3822 0000",
    },
}

# Catalogue: sku, Vietnamese name, English name, category, VND price, USD price.
PRODUCTS = [
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
