"""Sectigo SCM: the CA interface the lifecycle uses and its two implementations.

``open_ca(...)`` returns a :class:`CertificateAuthority` for one credential; which API it
speaks follows from ``sectigo_scm_url`` and the credential (:func:`select_api`).
"""

from pancert.scm._http import RetryPolicy
from pancert.scm.admin import AdminApiClient
from pancert.scm.common import (
    ScmCredentialLike,
    comments_with_request_id,
    parse_scm_date,
    request_id_in,
)
from pancert.scm.enrollment import EnrollmentApiClient
from pancert.scm.factory import base_url, open_ca, select_api
from pancert.scm.interface import CertificateAuthority
from pancert.scm.models import (
    ApiKind,
    EnrollRequest,
    IssuedChain,
    LookupOutcome,
    OrderDetails,
    OrderLookup,
    OrderRef,
    Pending,
    ResolvedProduct,
)
from pancert.scm.resolve import cabf_max_days

__all__ = [
    "AdminApiClient",
    "ApiKind",
    "CertificateAuthority",
    "EnrollRequest",
    "EnrollmentApiClient",
    "IssuedChain",
    "LookupOutcome",
    "OrderDetails",
    "OrderLookup",
    "OrderRef",
    "Pending",
    "ResolvedProduct",
    "RetryPolicy",
    "ScmCredentialLike",
    "base_url",
    "cabf_max_days",
    "comments_with_request_id",
    "open_ca",
    "parse_scm_date",
    "request_id_in",
    "select_api",
]
