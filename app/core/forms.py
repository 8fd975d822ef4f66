"""Form pieces shared by every domain."""

from wtforms.validators import Email


class EmailAddress(Email):
    """An e-mail address that every mail server can deliver to: an ASCII local part
    (internationalised domains are fine). WTForms translates its own message."""

    def __init__(self, message=None):
        super().__init__(message=message, allow_smtputf8=False)
