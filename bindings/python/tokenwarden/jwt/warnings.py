"""PyJWT's warning classes (``jwt.warnings``), so filters and ``pytest.warns`` written for
PyJWT keep working. tokenwarden never raises InsecureKeyLengthWarning: a short HMAC key is
refused outright (InvalidKeyError), not warned about."""


class RemovedInPyjwt3Warning(DeprecationWarning):
    """An argument PyJWT 3 will remove (unknown keyword arguments to decode, ``verify``)."""


class InsecureKeyLengthWarning(UserWarning):
    """PyJWT's warning for a short key; defined for code that filters it."""
