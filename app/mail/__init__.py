"""Outgoing mail: messages are queued in the database outbox in the same transaction as
the change they announce, and `flask worker` delivers them after the commit."""
