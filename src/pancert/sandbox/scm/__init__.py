"""The sandbox Sectigo SCM: Admin API, REST Enrollment API and OAuth on one HTTPS port.

``ScmSandbox(ca, settings=...)`` builds the app; serve ``.app`` with
:class:`pancert.sandbox.server.LoopbackServer`. See docs/sandbox-fidelity.md ("## SCM").
"""

from pancert.sandbox.scm.app import ScmSandbox
from pancert.sandbox.scm.auth import TOKEN_PATH, ScmSandboxCredentials
from pancert.sandbox.scm.settings import (
    DEFAULT_TYPES,
    CertType,
    CustomField,
    ScmSandboxSettings,
    Switches,
    cabf_max_days,
)
from pancert.sandbox.scm.store import Order, OrderStore

ADMIN_PATH = "/api/ssl/v1"
ENROLL_PATH = "/api/v1"

__all__ = [
    "ADMIN_PATH",
    "DEFAULT_TYPES",
    "ENROLL_PATH",
    "TOKEN_PATH",
    "CertType",
    "CustomField",
    "Order",
    "OrderStore",
    "ScmSandbox",
    "ScmSandboxCredentials",
    "ScmSandboxSettings",
    "Switches",
    "cabf_max_days",
]
