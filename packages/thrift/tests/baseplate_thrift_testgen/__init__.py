__all__ = ['ttypes', 'constants', 'TestService']
