from django.urls import path
from rest_framework.routers import SimpleRouter

from .backorders import OrderSplitView
from .connectors import PlatformDeliveryView
from .tracking_feeds import AfterShipFeedView, EasyPostFeedView
from .views import CarrierEventView, OrderViewSet, PickListCreateView

app_name = "api"

router = SimpleRouter(trailing_slash=True)
router.register("orders", OrderViewSet, basename="order")

urlpatterns = [
    *router.urls,
    path(
        "orders/<str:number>/split/",
        OrderSplitView.as_view(),
        name="order-split",
    ),
    path("carriers/<slug:code>/events/", CarrierEventView.as_view(), name="carrier-events"),
    path("pick-lists/", PickListCreateView.as_view(), name="pick-lists"),
    path(
        "connectors/<slug:platform>/<slug:code>/",
        PlatformDeliveryView.as_view(),
        name="platform-delivery",
    ),
    path("tracking/aftership/", AfterShipFeedView.as_view(), name="tracking-aftership"),
    path("tracking/easypost/", EasyPostFeedView.as_view(), name="tracking-easypost"),
]
