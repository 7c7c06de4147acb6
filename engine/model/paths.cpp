// Path normalization and canonicalization (being written).
