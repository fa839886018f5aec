"""Indicators with targets, periods and roll-up; counts derived from other services' events."""
