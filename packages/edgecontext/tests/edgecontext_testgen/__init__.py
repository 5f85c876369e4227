__all__ = ['ttypes', 'constants', 'EdgeContextTestService']
