"""IOC event pipeline: detections in, rules, deduplicated alerts, live streams (issue 5)."""
