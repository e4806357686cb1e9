"""The domain: lifecycles, guards and clock rules, in plain Python.

Nothing here imports Flask, SQL, the scheduler or SMTP: persistence, web and the
scheduler call into this package, never the other way round.
"""
