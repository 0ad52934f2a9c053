"""How Vietnamese readers see dates and times on every page, paper and e-mail (one format each).

Django's own Vietnamese formats spell the words out ("Ngày 04 tháng 3 năm
2026"); people read dates as day/month/year with the time first.
"""

DATE_FORMAT = "d/m/Y"  # 04/03/2026
DATETIME_FORMAT = "H:i, d/m/Y"  # 15:07, 04/03/2026
