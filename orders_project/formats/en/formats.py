"""How English readers see dates and times on every page, paper and e-mail (one format each).

Used through `|date:"DATE_FORMAT"` / `"DATETIME_FORMAT"` and `formats.date_format`;
values are shown in the reader's time zone (`TIME_ZONE`) by Django's template engine.
"""

DATE_FORMAT = "j M Y"  # 4 Mar 2026
DATETIME_FORMAT = "j M Y, H:i"  # 4 Mar 2026, 15:07
