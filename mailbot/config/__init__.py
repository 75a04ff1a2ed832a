"""Configuration: service.yaml (IT) and the organisation folder (people, policy, holidays)."""

from mailbot.config.loader import Settings, load_settings
from mailbot.config.schema import export_schemas

__all__ = ["Settings", "export_schemas", "load_settings"]
