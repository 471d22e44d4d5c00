"""The benchmark of tsunami against plain Django and its peers: ``make bench``."""
