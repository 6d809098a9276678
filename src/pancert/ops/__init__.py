"""Operations around the lifecycle: metrics, alerts, scheduling, the HTML report, progress.

Everything here consumes what a run leaves behind (the run report, the journal through
:func:`pancert.lifecycle.status.status_rows`, its own run record in the state folder) and
never changes a firewall or an order, except :mod:`pancert.ops.revoke`.
"""
