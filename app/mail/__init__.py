"""Mail in both directions, knowing no domain.

Outgoing: messages are queued in the database outbox in the same transaction as the change
they announce, and `flask worker` delivers them after the commit (worker.py, transports.py,
optionally DKIM-signed: dkim_signing.py). Incoming: `flask mail receive` or the worker's IMAP
poll hand every message to inbound.py, which records it and passes bounces, calendar replies
and unsubscribe requests to the handlers the domains register. views.py is the project
manager's page of incoming mail."""
