"""Virtual assistant for administrative procedures in Vietnamese, Hmong and Thái (issue 7)."""
