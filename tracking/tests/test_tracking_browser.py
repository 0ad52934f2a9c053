"""End to end in Debian's Chromium: a customer finds and follows an order on /track/.

Every test runs twice: at a desktop viewport and at a phone viewport.
"""

import re
import unicodedata
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from fulfillment.models import AfterSalesPhoto, AfterSalesRequest
from notifications.models import NotificationKind
from orders.links import tracking_token_read, tracking_url
from orders.models import Order, OrderStatus
from orders.services import order_transition
from orders.tests.factories import order_in_state, order_new

SCREENSHOTS = Path(settings.BASE_DIR) / "test-results" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="no browser: install Debian's chromium package (apt-get install chromium)",
    ),
]

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
EMAIL_LABEL = "E-mail address or postal code used for the order"


@pytest.fixture(autouse=True)
def _private_cache(private_cache):
    """The lookup and return forms are rate-limited per client address through the cache."""


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request):
    return request.param


@pytest.fixture
def new_page(browser, viewport):
    """Open a page in a fresh browser context at the test's viewport; extra context options."""
    contexts = []

    def make(**options):
        context = browser.new_context(**VIEWPORTS[viewport], **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def page_url(live_server, order: Order) -> str:
    """The order's e-mailed link, pointed at the test server."""
    return live_server.url + tracking_url(order).removeprefix(settings.PUBLIC_BASE_URL.rstrip("/"))


def token_in(url: str) -> str:
    return re.search(r"/track/([^/?#]+)/", url).group(1)


def assert_fits_the_screen(page) -> None:
    """Nothing sticks out sideways: no horizontal scrolling, on a phone least of all."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the viewport"


# -- 1. the lookup form ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_customer_looks_an_order_up_by_its_number_and_email(live_server, new_page, viewport):
    order = order_new()
    page = new_page()
    page.goto(f"{live_server.url}/track/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Track your order")

    page.get_by_label("Order number", exact=True).fill(order.number)
    page.get_by_label(EMAIL_LABEL).fill("someone@else.example")
    page.get_by_role("button", name="Find my order").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "We could not find an order with these details."
    )
    expect(page).to_have_url(f"{live_server.url}/track/")
    expect(page.get_by_label("Order number", exact=True)).to_have_value(order.number)
    assert_fits_the_screen(page)
    shot(page, f"track-lookup-error-{viewport}")

    page.get_by_label(EMAIL_LABEL).fill("LAN@example.com ")
    page.get_by_role("button", name="Find my order").click()

    expect(page).to_have_url(re.compile(r"/track/[^/]+/$"))
    assert tracking_token_read(token_in(page.url)) == order.number
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order.number}")
    expect(page.locator("p.status")).to_have_text("Order received")
    expect(page.locator(".progress [aria-current=step]")).to_have_text("Order received")
    expect(page.get_by_role("alert")).to_have_count(0)
    assert_fits_the_screen(page)
    shot(page, f"track-lookup-found-{viewport}")


# -- 2. the link in the e-mail --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("tasks_in_process")
def test_the_link_in_the_confirmation_email_opens_the_orders_page(live_server, new_page, viewport):
    order = order_new()
    order = order_transition(order=order, transition="confirm", actor=None)

    subject = f"{NotificationKind.ORDER_CONFIRMED.label} (Order {order.number})"
    [message] = [m for m in mail.outbox if subject in m.subject]
    assert message.to == ["lan@example.com"]
    base = re.escape(settings.PUBLIC_BASE_URL.rstrip("/"))
    [link] = re.findall(base + r"(/track/(?!preferences/)[^/\s\"]+/)", message.body)
    page = new_page()
    page.goto(live_server.url + link)

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order.number}")
    expect(page.locator("p.status")).to_have_text("Awaiting fulfillment")
    expect(page.locator(".progress [aria-current=step]")).to_have_text("Awaiting fulfillment")
    expect(page.locator("#expected-delivery")).to_contain_text("Expected delivery")
    expect(page.locator("#expected-delivery time")).to_have_attribute(
        "datetime", order.promised_delivery_date.isoformat()
    )
    # The history says what happened, in people's words, not a transition's name.
    expect(page.locator(".timeline")).to_contain_text("Order confirmed")
    expect(page.locator(".timeline")).not_to_contain_text("confirm:")
    shot(page, f"track-from-email-{viewport}")


# -- 3. every state ------------------------------------------------------------------------

# status -> (status line, current progress step or None, steps marked done, notice or "")
STATES = {
    OrderStatus.RECEIVED: ("Order received", "Order received", 0, ""),
    OrderStatus.PROCESSING: ("Awaiting fulfillment", "Awaiting fulfillment", 1, ""),
    OrderStatus.PICKING: ("Being picked", "Being picked", 2, ""),
    OrderStatus.PACKING: ("Being packed", "Being packed", 3, ""),
    OrderStatus.SHIPPED: ("On its way", "On its way", 4, ""),
    OrderStatus.DELIVERED: ("Delivered", "Delivered (done)", 6, ""),  # done and current
    OrderStatus.ON_HOLD: (
        "Delayed",
        "Awaiting fulfillment",  # where it was when held
        1,
        "An item is temporarily out of stock",
    ),
    OrderStatus.CANCELLED: ("Cancelled", None, 0, "This order has been cancelled."),
}


@pytest.mark.django_db(transaction=True)
def test_each_state_shows_its_status_progress_and_delivery_date(live_server, new_page, viewport):
    orders = {status: order_in_state(status) for status in STATES}
    page = new_page()

    for status, (status_name, current, done, notice) in STATES.items():
        order = orders[status]
        page.goto(page_url(live_server, order))

        expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order.number}")
        expect(page.locator("p.status")).to_have_text(status_name)
        steps = page.locator("ol.progress > li")
        if current is None:
            expect(steps).to_have_count(0)
            expect(page.locator("[aria-current=step]")).to_have_count(0)
        else:
            expect(steps).to_have_count(6)
            expect(page.locator("[aria-current=step]")).to_have_count(1)
            expect(page.locator("ol.progress > li[aria-current=step]")).to_have_text(current)
            expect(page.locator("ol.progress > li.done")).to_have_count(done)
            # Finished steps say so to screen readers too, not only by colour.
            expect(page.locator("ol.progress > li.done .visually-hidden")).to_have_count(done)
            tops = [box["y"] for box in (step.bounding_box() for step in steps.all())]
            if viewport == "phone":  # one step per row on a narrow screen
                assert tops == sorted(tops) and len(set(tops)) == 6, tops
            else:  # one row across
                assert len(set(tops)) == 1, tops
        if notice:
            expect(page.get_by_role("status").filter(has_text=notice)).to_be_visible()
        else:
            expect(page.locator("p.notice")).to_have_count(0)

        delivery = page.locator("#expected-delivery")
        if status in (OrderStatus.RECEIVED, OrderStatus.CANCELLED):
            expect(delivery).to_have_count(0)  # nothing promised before confirming, or after
        elif status == OrderStatus.DELIVERED:
            expect(delivery).to_contain_text("Delivered:")
        else:
            expect(delivery).to_contain_text("Expected delivery:")
            expect(delivery.locator("time")).to_have_attribute(
                "datetime", order.promised_delivery_date.isoformat()
            )

        if status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
            shipment = order.shipments.get()
            expect(page.locator(".shipments")).to_contain_text("Giao Hàng Nhanh")
            link = page.get_by_role("link", name=shipment.tracking_number)
            expect(link).to_have_attribute(
                "href", f"https://track.example/{shipment.tracking_number}"
            )
            expect(link).to_be_visible()
        else:  # nothing has left the warehouse
            expect(page.locator(".shipments")).to_have_count(0)

        assert_fits_the_screen(page)
        shot(page, f"track-{status}-{viewport}")


# -- 4. returns and problems ----------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_a_customer_opens_a_return_with_a_photo_after_delivery(
    live_server, new_page, viewport, media_root, tmp_path
):
    order = order_in_state(OrderStatus.DELIVERED)
    photo = tmp_path / "broken-mug.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(photo)
    page = new_page()
    page.goto(page_url(live_server, order))

    expect(
        page.get_by_role("heading", name="Return items, report a problem or claim under warranty")
    ).to_be_visible()
    page.get_by_label("Exchange items").check()
    page.get_by_label(re.compile(r"^Mug")).fill("1")
    page.get_by_label("What is wrong?").fill("One mug arrived with a cracked handle.")
    page.get_by_label("Photo (optional)").set_input_files(str(photo))
    shot(page, f"track-return-filled-{viewport}")
    page.get_by_role("button", name="Send request").click()

    expect(page).to_have_url(re.compile(r"\?lang=en&opened=1#after-sales$"))
    expect(
        page.get_by_role("status").filter(has_text="Thank you. We have your request")
    ).to_be_visible()
    expect(page.locator("p.status")).to_have_text("Return or request in progress")
    request = AfterSalesRequest.objects.get()
    section = page.get_by_role("region", name=f"#{request.pk}")
    expect(section).to_contain_text("Exchange")
    expect(section).to_contain_text("Mug \N{MULTIPLICATION SIGN} 1")
    expect(section.locator("li")).to_have_count(4)
    expect(section.locator("[aria-current=step]")).to_have_text("Received")
    assert_fits_the_screen(page)
    shot(page, f"track-return-opened-{viewport}")

    assert (request.source, request.kind, request.reason) == (
        "customer",
        "exchange",
        "One mug arrived with a cracked handle.",
    )
    assert [(line.order_line.sku, line.quantity) for line in request.lines.all()] == [("MUG-1", 1)]
    stored_photo = AfterSalesPhoto.objects.get()
    assert stored_photo.request == request
    assert stored_photo.content_type == "image/png"
    with Image.open(stored_photo.image.path) as image:
        assert image.size == (64, 48)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.POST_DELIVERY


@pytest.mark.django_db(transaction=True)
def test_a_return_with_no_item_chosen_shows_the_error_and_opens_nothing(
    live_server, new_page, viewport, media_root
):
    order = order_in_state(OrderStatus.DELIVERED)
    page = new_page()
    page.goto(page_url(live_server, order))

    page.get_by_label("Return items for a refund").check()
    page.get_by_label("What is wrong?").fill("Wrong colour.")
    page.get_by_role("button", name="Send request").click()

    expect(page.get_by_role("alert")).to_have_text(
        "Choose which items, and how many of each, this is about."
    )
    expect(page.get_by_label("What is wrong?")).to_have_value("Wrong colour.")
    expect(page.get_by_label("Return items for a refund")).to_be_checked()
    expect(page.get_by_role("status").filter(has_text="Thank you")).to_have_count(0)
    expect(page.locator("section.request")).to_have_count(0)
    shot(page, f"track-return-error-{viewport}")
    assert AfterSalesRequest.objects.count() == 0
    assert AfterSalesPhoto.objects.count() == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED


# -- 5. no JavaScript ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_lookup_and_status_work_without_javascript(live_server, new_page, viewport):
    order = order_in_state(OrderStatus.SHIPPED)
    page = new_page(java_script_enabled=False)
    page.goto(f"{live_server.url}/track/")
    assert page.evaluate("1 + 1") == 2  # Playwright's own world still runs; the page's does not

    page.get_by_label("Order number", exact=True).fill(order.number)
    page.get_by_label(EMAIL_LABEL).fill("700000")
    page.get_by_role("button", name="Find my order").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order.number}")
    expect(page.locator("p.status")).to_have_text("On its way")
    expect(page.locator("ol.progress > li[aria-current=step]")).to_have_text("On its way")
    expect(page.locator("ol.progress > li.done")).to_have_count(4)
    expect(page.locator("#expected-delivery")).to_be_visible()
    shot(page, f"track-no-js-{viewport}")


# -- 6. keyboard -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_lookup_form_works_from_the_keyboard(live_server, new_page, viewport):
    order = order_new()
    page = new_page()
    page.goto(f"{live_server.url}/track/")
    number = page.get_by_label("Order number", exact=True)
    email = page.get_by_label(EMAIL_LABEL)
    button = page.get_by_role("button", name="Find my order")

    page.keyboard.press("Tab")
    expect(number).to_be_focused()
    page.keyboard.type(order.number)
    page.keyboard.press("Tab")
    expect(email).to_be_focused()
    page.keyboard.type("lan@example.com")
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    # The focused control is visibly marked.
    assert button.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    page.keyboard.press("Shift+Tab")
    expect(email).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order.number}")
    assert tracking_token_read(token_in(page.url)) == order.number


# -- 7. language -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_page_opens_in_the_customers_language_and_switches_to_english(
    live_server, new_page, viewport
):
    order = order_in_state(OrderStatus.PICKING)
    order.customer.language = "vi"
    order.customer.save()
    page = new_page()
    page.goto(page_url(live_server, order))

    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Đơn hàng {order.number}")
    expect(page.locator("p.status")).to_have_text("Đang lấy hàng")
    english = page.get_by_role("link", name="English", exact=True)
    expect(english).to_have_attribute("lang", "en")
    shot(page, f"track-vi-{viewport}")
    english.click()

    expect(page).to_have_url(re.compile(r"\?lang=en$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order.number}")
    expect(page.locator("p.status")).to_have_text("Being picked")
    expect(page.locator("ol.progress > li[aria-current=step]")).to_have_text("Being picked")
    vietnamese = page.get_by_role("navigation", name="Language").get_by_role("link")
    expect(vietnamese).to_have_attribute("href", "?lang=vi")
    # Django spells the name with combining accents; compare it as the reader sees it.
    assert unicodedata.normalize("NFC", vietnamese.inner_text()) == "Tiếng Việt"
    shot(page, f"track-en-{viewport}")


@pytest.mark.django_db(transaction=True)
def test_the_lookup_page_in_the_browsers_language_declares_it(live_server, browser):
    context = browser.new_context(locale="vi-VN", **VIEWPORTS["phone"])
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/track/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Theo dõi đơn hàng")
        expect(page.locator("html")).to_have_attribute("lang", "vi", timeout=1_000)
    finally:
        context.close()
