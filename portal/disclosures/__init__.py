"""五公开: decision, execution, management, service and result disclosures."""
