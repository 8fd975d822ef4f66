"""Names shared by every part that handles erased personal data."""

# Erased people and subscribers get an address here: the domain can never receive mail.
ERASED_DOMAIN = "erased.invalid"
