"""Code shared by the sample functions, imported absolutely as the real app imports `shared`."""
