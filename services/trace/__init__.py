"""Traceability for specialty products: batches, EPCIS events, GS1 Digital Link QR (issue 6)."""
