"""Reading large image collections on a Dask cluster (``pip install 'platekit[cluster]'``)."""
