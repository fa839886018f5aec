"""Reports written from the platform's data (the quarterly report to the province)."""
