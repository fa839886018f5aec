"""The organisation tree every service shares: province -> commune -> village."""
