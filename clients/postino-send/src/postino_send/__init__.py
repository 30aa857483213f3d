"""postino-send: a campaign of Postino messages from a CSV."""
