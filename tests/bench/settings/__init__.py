"""One settings module per contestant, so each runs in a process of its own."""
