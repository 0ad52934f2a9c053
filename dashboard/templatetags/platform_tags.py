"""The order page's word from the shop's platform: changes it sent that the order refused.

`{% load platform_tags %}{% order_platform_flags order %}`: a tag, so the order
page pays its one query here and only for staff who may see deliveries.
"""

from django import template

from connectors.selectors import deliveries_needing_attention

register = template.Library()


@register.inclusion_tag("dashboard/_order_platform_flags.html", takes_context=True)
def order_platform_flags(context, order):
    user = context["request"].user
    if not user.has_perm("connectors.view_platformdelivery"):
        return {"deliveries": []}
    return {"deliveries": list(deliveries_needing_attention().filter(order=order)[:5])}
