from rest_framework.routers import SimpleRouter

from .views import OrderViewSet

app_name = "api"

router = SimpleRouter(trailing_slash=True)
router.register("orders", OrderViewSet, basename="order")

urlpatterns = router.urls
