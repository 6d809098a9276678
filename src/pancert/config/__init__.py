"""pancert's configuration: config.yaml, certificate profiles, firewall profiles and SCM
credentials, compatible with the Sectigo Palo Alto agent's files.

Call :func:`load_config`; it returns a :class:`LoadedConfig` with every valid profile and every
problem found. YAML is read only through :func:`pancert.config.yamlio.load_yaml`.
"""

from pancert.config.loader import (
    CONFIG_ENV,
    CREDENTIALS_FILE,
    LoadedConfig,
    discover_config,
    load_config,
)
from pancert.config.models import AppConfig, FirewallProfile, ScmCredential
from pancert.config.profile import Binding, CertificateProfile, check_profile_name
from pancert.errors import ConfigError, Problem

__all__ = [
    "CONFIG_ENV",
    "CREDENTIALS_FILE",
    "AppConfig",
    "Binding",
    "CertificateProfile",
    "ConfigError",
    "FirewallProfile",
    "LoadedConfig",
    "Problem",
    "ScmCredential",
    "check_profile_name",
    "discover_config",
    "load_config",
]
