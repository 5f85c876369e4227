__all__ = ['ttypes', 'constants', 'BaseplateService', 'BaseplateServiceV2']
