__all__ = ['ttypes', 'constants', 'ExampleService']
