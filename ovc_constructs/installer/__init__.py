"""The historical installer's system-config format (import-config)."""
