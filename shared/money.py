"""Money rules every app shares: currency codes, the column limit, minor units.

The locale rules (how many decimals a currency has, how a reader writes an
amount) come from Babel's copy of CLDR, not from hand-written tables.
"""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision
from django.conf import settings
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from shared.errors import OrderValidationError

ISO_4217_CODES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER
    ZAR ZMW ZWG
    """.split()  # noqa: SIM905 - a block of codes reads better than 180 quoted strings
)

# Money columns hold 14 digits, 2 after the point (orders.models.MONEY): amounts
# must stay below this, or the write fails as a database error.
MONEY_LIMIT = Decimal(10) ** 12


# The money columns keep two places whatever the currency: a currency with three
# minor units (KWD, BHD) still cannot store a thousandth, so it is refused too.
COLUMN_PLACES = 2


def minor_units(currency: str) -> int:
    """Return how many decimals `currency` allows here: its ISO 4217 minor units (CLDR).

    VND and JPY have none, USD and EUR two; capped at what the money columns store.
    """
    return min(get_currency_precision(currency.upper()), COLUMN_PLACES)


def amount_in_minor_units(
    amount: Decimal | str | int | None, currency: str, *, field: str = "amount"
) -> Decimal:
    """Return `amount` as a Decimal with `currency`'s decimals, or refuse it; never round.

    The one check of an amount someone typed or sent (API, dashboard, admin,
    bulk, after-sales): 1.5 VND or 0.005 USD is refused with an
    `OrderValidationError` naming `field`, because rounding it would move a
    different amount than the person asked for.
    """
    try:
        value = Decimal(str(amount).strip()) if not isinstance(amount, Decimal) else amount
    except (InvalidOperation, ValueError):
        value = Decimal("NaN")
    if amount is None or isinstance(amount, bool) or not value.is_finite():
        raise OrderValidationError(
            _("Not an amount of money."),
            details={field: [_("Must be a decimal amount.")]},
        )
    if value.copy_abs() >= MONEY_LIMIT:  # the columns hold 14 digits, 2 after the point
        raise OrderValidationError(
            _("Too large an amount."),
            details={field: [_("Must be less than %(limit)s.") % {"limit": f"{MONEY_LIMIT:,}"}]},
        )
    places = minor_units(currency)
    step = Decimal(1).scaleb(-places)
    if value != value.quantize(step, rounding=ROUND_DOWN):
        message = (
            _("%(currency)s amounts have no decimals.")
            if places == 0
            else _("%(currency)s amounts have at most %(places)s decimals.")
        ) % {"currency": currency.upper(), "places": places}
        raise OrderValidationError(
            _("%(value)s is more precise than %(currency)s allows: %(message)s")
            % {"value": value, "currency": currency.upper(), "message": message},
            details={field: [message]},
        )
    # Stored and written at the columns' scale (848000.00), like every amount already kept.
    return value.quantize(Decimal(1).scaleb(-COLUMN_PLACES))


def computed_amount_round(amount: Decimal, currency: str) -> Decimal:
    """Return a computed amount (a rate times a weight) rounded half-up to `currency`'s unit.

    Unlike `amount_in_minor_units`, which refuses typed amounts rather than move a
    different sum than a person asked for, a computed cost (12,000 ₫/kg x 1.25 kg
    = 15,000 ₫, 3,333 ₫/kg x 0.5 kg = 1,666.5 ₫) is nobody's input: nobody can pay
    half a dong, so it is rounded half-up, as an invoice would round it, to a
    sum that can exist. Kept at the columns' scale like every stored amount.
    """
    step = Decimal(1).scaleb(-minor_units(currency))
    return amount.quantize(step, rounding=ROUND_HALF_UP).quantize(Decimal(1).scaleb(-COLUMN_PLACES))


def format_money(
    amount: Decimal | str | int | None, currency: str, locale: str | None = None
) -> str:
    """Return `amount` as a reader of `locale` (default: the active language) writes it.

    The one money formatter for every page, e-mail, paper and report: Babel's
    CLDR patterns give the symbol, its place, the separators and the
    currency's own decimals (en: "₫848,000", "$12.50"; vi: "848.000 ₫",
    "12,50 US$"). Not a number (empty, missing) gives "".
    """
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        return ""
    if amount is None or not value.is_finite() or not currency:
        return ""
    return format_currency(value, currency.upper(), locale=_babel_locale(locale))


def format_money_stored(amount: Decimal | str | int | None, currency: str) -> str:
    """Return `amount` for text that is stored once and read later (history notes).

    Written in the site's default language (LANGUAGE_CODE), whoever acted, like
    the rest of those notes; the rows keep the amount itself in their data too.
    """
    return format_money(amount, currency, settings.LANGUAGE_CODE)


def _babel_locale(locale: str | None) -> str:
    # Django names languages "en-us", Babel and CLDR "en_US"; an unknown one reads as English.
    return to_locale(locale or get_language() or "en")
