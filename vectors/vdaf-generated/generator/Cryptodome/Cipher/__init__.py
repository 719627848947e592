class AES:
    """Placeholder: Prio3 with XofTurboShake128 never uses AES."""
    MODE_ECB = 1

    @staticmethod
    def new(*_args, **_kwargs):
        raise NotImplementedError('AES is not available in this stand-in')
