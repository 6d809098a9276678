"""``pancert resolve -p PROFILE [--firewall FW] (--ssl-id N | --none)``.

When an order may have reached SCM but the API cannot look it up (the REST Enrollment API has
no search), pancert stops that profile instead of ordering twice. A person checks SCM for the
request id shown, then tells pancert what they found: the order's id, or that none exists.
"""

from __future__ import annotations

import argparse

from pancert import status_codes

NAME = "resolve"
HELP = "after checking SCM, record the order id of an interrupted order (or that none exists)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-p",
        "--profile",
        required=True,
        metavar="PROFILE",
        help="the certificate profile the order belongs to",
    )
    parser.add_argument(
        "--firewall",
        metavar="FW",
        help="the firewall profile (needed when the profile names several)",
    )
    choice = parser.add_mutually_exclusive_group(required=True)
    choice.add_argument(
        "--ssl-id", type=int, metavar="N", help="the sslId/certId SCM shows for the request id"
    )
    choice.add_argument(
        "--none",
        action="store_true",
        help="SCM has no order with that request id: order again next run",
    )


def run(args: argparse.Namespace) -> int:
    from pancert.config import load_config
    from pancert.errors import UsageError
    from pancert.lifecycle.journal import Journal, Step
    from pancert.lifecycle.pair import utcnow
    from pancert.state import StateFolder

    loaded = load_config(getattr(args, "config", None))
    (name,) = loaded.resolve_names([args.profile])
    journal = Journal(loaded.state_path)
    candidates = [
        r
        for r in journal.records()
        if r.profile == name
        and (args.firewall in (None, r.firewall))
        and r.rotation is not None
        and r.rotation.step is Step.ORDER_INTENT
    ]
    if not candidates:
        raise UsageError(f"{name}: no interrupted order is waiting to be resolved")
    if len(candidates) > 1:
        firewalls = ", ".join(r.firewall for r in candidates)
        raise UsageError(f"{name}: several firewalls wait ({firewalls}); add --firewall")
    record = candidates[0]
    rotation = record.rotation
    assert rotation is not None
    with StateFolder(loaded.state_path).lock():
        if args.none:
            rotation.step = Step.CSR_ON_DEVICE
            message = (
                f"{name} on {record.firewall}: no order for request "
                f"{rotation.request_id}; the next run orders it"
            )
        else:
            rotation.order_id = args.ssl_id
            rotation.ordered_at = utcnow()
            rotation.step = Step.ORDERED
            message = (
                f"{name} on {record.firewall}: order {args.ssl_id} recorded for request "
                f"{rotation.request_id}; the next run collects it"
            )
        rotation.last_error = None
        journal.save(record, utcnow())
    print(message)
    return status_codes.CONVERGED
